"""HTTP routes of sync (sync.md, api.md: Sync)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from litestar import MediaType, Request, Response, Router, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody

from backend.accounts.auth import current_session, require_session
from backend.accounts.service import CurrentSession
from backend.errors import BODY, SESSION, problem_responses
from backend.openapi import SESSION_REQUIRED
from backend.sync.schemas import HistoryEntry, SyncRequest, SyncResponse, SyncStatus
from backend.sync.service import SyncService


def _service(request: Request[Any, Any, Any]) -> SyncService:
    service: SyncService = request.app.state.sync
    return service


@post("/sync", status_code=200, responses=problem_responses(*BODY, *SESSION, 403, 426))
async def sync(
    request: Request[Any, Any, Any],
    current: NamedDependency[CurrentSession],
    data: JSONBody[SyncRequest],
) -> Response[SyncResponse]:
    """Push then pull (sync.md). The body is built as bytes so stored records pass through."""
    body = await _service(request).sync(current, data, datetime.now(UTC))
    # Pre-encoded bytes of a SyncResponse; the annotation documents the shape in OpenAPI.
    return Response(body, media_type=MediaType.JSON)  # type: ignore[arg-type]


@get("/sync/status", responses=problem_responses(*SESSION))
async def sync_status(
    request: Request[Any, Any, Any], current: NamedDependency[CurrentSession]
) -> SyncStatus:
    return await _service(request).status(current.user_id, datetime.now(UTC))


@get("/records/{record_id:uuid}/history", responses=problem_responses(*SESSION, 404))
async def record_history(
    request: Request[Any, Any, Any],
    current: NamedDependency[CurrentSession],
    record_id: FromPath[UUID],
) -> list[HistoryEntry]:
    return await _service(request).history(current.user_id, record_id)


sync_router = Router(
    path="/api/v1",
    route_handlers=[sync, sync_status, record_history],
    guards=[require_session],
    security=SESSION_REQUIRED,
    dependencies={"current": Provide(current_session, sync_to_thread=False)},
    tags=["sync"],
)
