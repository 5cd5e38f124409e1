"""HTTP routes of sync (sync.md, api.md: Sync)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast
from uuid import UUID

from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody

from backend.accounts.auth import current_session, require_session
from backend.accounts.service import CurrentSession
from backend.compression import SELF_COMPRESSED, json_response
from backend.errors import BODY, SESSION, problem_responses
from backend.openapi import SESSION_REQUIRED
from backend.sync.schemas import HistoryEntry, SyncRequest, SyncResponse, SyncStatus
from backend.sync.service import SyncService


@post(
    "/sync",
    status_code=200,
    responses=problem_responses(*BODY, *SESSION, 403, 426),
    opt={SELF_COMPRESSED: True},
)
async def sync(
    request: Request[Any, Any, Any],
    current: NamedDependency[CurrentSession],
    data: JSONBody[SyncRequest],
    sync_service: NamedDependency[SyncService],
) -> Response[SyncResponse]:
    """Push then pull (sync.md)."""
    answer = await sync_service.sync(current, data, datetime.now(UTC))
    response = json_response(answer, request.headers.get("accept-encoding", ""))
    return cast(Response[SyncResponse], response)  # the bytes of a SyncResponse


@get("/sync/status", responses=problem_responses(*SESSION))
async def sync_status(
    current: NamedDependency[CurrentSession], sync_service: NamedDependency[SyncService]
) -> SyncStatus:
    return await sync_service.status(current.user_id, datetime.now(UTC))


@get("/records/{record_id:uuid}/history", responses=problem_responses(*SESSION, 404))
async def record_history(
    current: NamedDependency[CurrentSession],
    record_id: FromPath[UUID],
    sync_service: NamedDependency[SyncService],
) -> list[HistoryEntry]:
    return await sync_service.history(current.user_id, record_id)


sync_router = Router(
    path="/api/v1",
    route_handlers=[sync, sync_status, record_history],
    guards=[require_session],
    security=SESSION_REQUIRED,
    dependencies={"current": Provide(current_session, sync_to_thread=False)},
    tags=["sync"],
)
