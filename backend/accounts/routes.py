"""HTTP routes of accounts (api.md: Accounts)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

from litestar import Request, Response, Router, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from backend.accounts.auth import (
    cleared_cookie,
    client_address,
    current_session,
    device_key,
    require_session,
    signed_in_cookies,
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
from backend.errors import BODY, SESSION, problem_responses
from backend.openapi import NO_CONTENT, SESSION_REQUIRED
from backend.settings import Settings


@runtime_checkable
class JournalExport(Protocol):
    """What the export needs from sync, named here: sync imports accounts, not the reverse."""

    async def export_records(self, user_id: UUID) -> list[dict[str, Any]]: ...


@post("/signup", status_code=HTTP_201_CREATED, responses=problem_responses(*BODY, 403, 409, 429))
async def signup(
    request: Request[Any, Any, Any],
    data: JSONBody[SignupRequest],
    accounts: NamedDependency[AccountService],
    settings: NamedDependency[Settings],
) -> Response[SignupResponse]:
    signed_in, recovery_code = await accounts.signup(
        data.username,
        data.passphrase,
        data.device_id,
        data.device_name,
        datetime.now(UTC),
        address=client_address(request, settings),
    )
    body = SignupResponse(signed_in.user_id, signed_in.username, recovery_code, signed_in.device_id)
    cookies = signed_in_cookies(request, signed_in, settings)
    return Response(body, status_code=HTTP_201_CREATED, cookies=cookies)


@post("/login", status_code=HTTP_200_OK, responses=problem_responses(*BODY, 401, 403, 429))
async def login(
    request: Request[Any, Any, Any],
    data: JSONBody[LoginRequest],
    accounts: NamedDependency[AccountService],
    settings: NamedDependency[Settings],
) -> Response[LoginResponse]:
    settings = settings
    signed_in = await accounts.login(
        data.username,
        data.passphrase,
        data.device_id,
        data.device_name,
        client_address(request, settings),
        datetime.now(UTC),
        device_key=device_key(request),
    )
    body = LoginResponse(signed_in.user_id, signed_in.username, signed_in.device_id)
    return Response(body, cookies=signed_in_cookies(request, signed_in, settings))


@post("/recover", status_code=HTTP_200_OK, responses=problem_responses(*BODY, 401, 403, 429))
async def recover(
    request: Request[Any, Any, Any],
    data: JSONBody[RecoverRequest],
    accounts: NamedDependency[AccountService],
    settings: NamedDependency[Settings],
) -> Response[RecoverResponse]:
    settings = settings
    signed_in, code = await accounts.recover(
        data.username,
        data.recovery_code,
        data.new_passphrase,
        data.device_id,
        data.device_name,
        client_address(request, settings),
        datetime.now(UTC),
    )
    body = RecoverResponse(signed_in.user_id, signed_in.username, code, signed_in.device_id)
    return Response(body, cookies=signed_in_cookies(request, signed_in, settings))


@post(
    "/logout",
    status_code=HTTP_204_NO_CONTENT,
    guards=[require_session],
    security=SESSION_REQUIRED,
    responses={**problem_responses(*SESSION), **NO_CONTENT},
)
async def logout(
    request: Request[Any, Any, Any],
    session: NamedDependency[CurrentSession],
    accounts: NamedDependency[AccountService],
) -> Response[None]:
    await accounts.logout(session)
    return Response(None, status_code=HTTP_204_NO_CONTENT, cookies=[cleared_cookie(request)])


@get("/", responses=problem_responses(*SESSION, 404))
async def account_info(
    session: NamedDependency[CurrentSession], accounts: NamedDependency[AccountService]
) -> AccountInfo:
    return await accounts.account(session)


@get("/export", responses=problem_responses(*SESSION, 404))
async def export(
    session: NamedDependency[CurrentSession],
    accounts: NamedDependency[AccountService],
    journal: NamedDependency[JournalExport],
) -> Response[Export]:
    """Everything the person has: account, devices and every record in the sync shape."""
    records = await journal.export_records(session.user_id)
    body = Export(
        exported_at=datetime.now(UTC),
        account=await accounts.account(session),
        devices=await accounts.devices(session),
        records=records,
    )
    filename = f"tend-export-{body.exported_at:%Y-%m-%d}.json"
    return Response(body, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@get("/devices", responses=problem_responses(*SESSION))
async def list_devices(
    session: NamedDependency[CurrentSession], accounts: NamedDependency[AccountService]
) -> list[DeviceInfo]:
    return await accounts.devices(session)


@delete(
    "/devices/{device_id:uuid}",
    status_code=HTTP_204_NO_CONTENT,
    responses=problem_responses(*SESSION, 404),
)
async def sign_out_device(
    session: NamedDependency[CurrentSession],
    device_id: FromPath[UUID],
    accounts: NamedDependency[AccountService],
) -> None:
    await accounts.sign_out_device(session, device_id)


@post(
    "/passphrase",
    status_code=HTTP_204_NO_CONTENT,
    responses=problem_responses(*BODY, *SESSION, 429),
)
async def change_passphrase(
    request: Request[Any, Any, Any],
    session: NamedDependency[CurrentSession],
    data: JSONBody[ChangePassphraseRequest],
    accounts: NamedDependency[AccountService],
    settings: NamedDependency[Settings],
) -> None:
    await accounts.change_passphrase(
        session,
        data.current,
        data.new,
        client_address(request, settings),
        datetime.now(UTC),
    )


@delete(
    "/",
    status_code=HTTP_204_NO_CONTENT,
    responses={**problem_responses(*BODY, *SESSION, 429), **NO_CONTENT},
)
async def delete_account(
    request: Request[Any, Any, Any],
    session: NamedDependency[CurrentSession],
    data: JSONBody[DeleteAccountRequest],
    accounts: NamedDependency[AccountService],
    settings: NamedDependency[Settings],
) -> Response[None]:
    await accounts.delete_account(
        session, data.passphrase, client_address(request, settings), datetime.now(UTC)
    )
    return Response(None, status_code=HTTP_204_NO_CONTENT, cookies=[cleared_cookie(request)])


# Named `session`, not `current`: Litestar reports a failed body field that shares a
# dependency's name as a server error, and the passphrase change has a field `current`.
_session = {"session": Provide(current_session, sync_to_thread=False)}

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
    security=SESSION_REQUIRED,
    dependencies=_session,
    tags=["accounts"],
)
