"""HTTP routes of accounts (api.md: Accounts)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from litestar import Request, Response, Router, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from backend.accounts.auth import (
    cleared_cookie,
    client_address,
    current_session,
    require_session,
    session_cookie,
)
from backend.accounts.schemas import (
    AccountInfo,
    ChangePassphraseRequest,
    DeleteAccountRequest,
    DeviceInfo,
    Export,
    LoginRequest,
    LoginResponse,
    RecoverRequest,
    RecoverResponse,
    SignupRequest,
    SignupResponse,
)
from backend.accounts.service import AccountService, CurrentSession
from backend.settings import Settings


def _service(request: Request[Any, Any, Any]) -> AccountService:
    service: AccountService = request.app.state.accounts
    return service


def _settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@post("/signup", status_code=HTTP_201_CREATED)
async def signup(
    request: Request[Any, Any, Any], data: JSONBody[SignupRequest]
) -> Response[SignupResponse]:
    signed_in, recovery_code = await _service(request).signup(
        data.username,
        data.passphrase,
        data.device_id,
        data.device_name,
        datetime.now(UTC),
        address=client_address(request, _settings(request)),
    )
    body = SignupResponse(signed_in.user_id, signed_in.username, recovery_code, signed_in.device_id)
    cookie = session_cookie(request, signed_in.token, _settings(request))
    return Response(body, status_code=HTTP_201_CREATED, cookies=[cookie])


@post("/login", status_code=HTTP_200_OK)
async def login(
    request: Request[Any, Any, Any], data: JSONBody[LoginRequest]
) -> Response[LoginResponse]:
    settings = _settings(request)
    signed_in = await _service(request).login(
        data.username,
        data.passphrase,
        data.device_id,
        data.device_name,
        client_address(request, settings),
        datetime.now(UTC),
    )
    body = LoginResponse(signed_in.user_id, signed_in.username, signed_in.device_id)
    return Response(body, cookies=[session_cookie(request, signed_in.token, settings)])


@post("/recover", status_code=HTTP_200_OK)
async def recover(
    request: Request[Any, Any, Any], data: JSONBody[RecoverRequest]
) -> Response[RecoverResponse]:
    settings = _settings(request)
    signed_in, code = await _service(request).recover(
        data.username,
        data.recovery_code,
        data.new_passphrase,
        data.device_id,
        data.device_name,
        client_address(request, settings),
        datetime.now(UTC),
    )
    body = RecoverResponse(signed_in.user_id, signed_in.username, code, signed_in.device_id)
    return Response(body, cookies=[session_cookie(request, signed_in.token, settings)])


@post("/logout", status_code=HTTP_204_NO_CONTENT, guards=[require_session])
async def logout(
    request: Request[Any, Any, Any], current: NamedDependency[CurrentSession]
) -> Response[None]:
    await _service(request).logout(current)
    return Response(None, status_code=HTTP_204_NO_CONTENT, cookies=[cleared_cookie(request)])


@get("/")
async def account_info(
    request: Request[Any, Any, Any], current: NamedDependency[CurrentSession]
) -> AccountInfo:
    return await _service(request).account(current)


@get("/export")
async def export(
    request: Request[Any, Any, Any], current: NamedDependency[CurrentSession]
) -> Response[Export]:
    """Everything the person has: account, devices and every record in the sync shape."""
    records = await request.app.state.sync.export_records(current.user_id)
    body = Export(
        exported_at=datetime.now(UTC),
        account=await _service(request).account(current),
        devices=await _service(request).devices(current),
        records=records,
    )
    filename = f"tend-export-{body.exported_at:%Y-%m-%d}.json"
    return Response(body, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@get("/devices")
async def list_devices(
    request: Request[Any, Any, Any], current: NamedDependency[CurrentSession]
) -> list[DeviceInfo]:
    return await _service(request).devices(current)


@delete("/devices/{device_id:uuid}", status_code=HTTP_204_NO_CONTENT)
async def sign_out_device(
    request: Request[Any, Any, Any],
    current: NamedDependency[CurrentSession],
    device_id: FromPath[UUID],
) -> None:
    await _service(request).sign_out_device(current, device_id)


@post("/passphrase", status_code=HTTP_204_NO_CONTENT)
async def change_passphrase(
    request: Request[Any, Any, Any],
    current: NamedDependency[CurrentSession],
    data: JSONBody[ChangePassphraseRequest],
) -> None:
    await _service(request).change_passphrase(
        current,
        data.current,
        data.new,
        client_address(request, _settings(request)),
        datetime.now(UTC),
    )


@delete("/", status_code=HTTP_204_NO_CONTENT)
async def delete_account(
    request: Request[Any, Any, Any],
    current: NamedDependency[CurrentSession],
    data: JSONBody[DeleteAccountRequest],
) -> Response[None]:
    await _service(request).delete_account(
        current, data.passphrase, client_address(request, _settings(request)), datetime.now(UTC)
    )
    return Response(None, status_code=HTTP_204_NO_CONTENT, cookies=[cleared_cookie(request)])


_session = {"current": Provide(current_session, sync_to_thread=False)}

auth_router = Router(
    path="/api/v1/auth",
    route_handlers=[signup, login, recover, logout],
    dependencies=_session,
    tags=["accounts"],
)

account_router = Router(
    path="/api/v1/account",
    route_handlers=[
        account_info,
        export,
        list_devices,
        sign_out_device,
        change_passphrase,
        delete_account,
    ],
    guards=[require_session],
    dependencies=_session,
    tags=["accounts"],
)
