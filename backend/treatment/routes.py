"""HTTP route of treatment insights (issue 12, api.md: Insights and sharing)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from litestar import Router, get
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter
from piccolo.engine.base import Engine

from backend.accounts.auth import current_session, require_session
from backend.accounts.service import CurrentSession
from backend.errors import SESSION, problem_responses
from backend.openapi import SESSION_REQUIRED
from backend.treatment.schemas import Insights
from backend.treatment.service import insights_for


@get("/insights", responses=problem_responses(400, *SESSION))
async def insights(
    current: NamedDependency[CurrentSession],
    engine: NamedDependency[Engine[Any]],
    start: Annotated[
        date | None,
        QueryParameter(
            name="from", description="first local date (YYYY-MM-DD); default `to` - 89 days"
        ),
    ] = None,
    end: Annotated[
        date | None,
        QueryParameter(name="to", description="last local date (YYYY-MM-DD); default today"),
    ] = None,
) -> Insights:
    """Treatment trials, PHQ-9s, sessions, sleep, movement, alcohol, meals, side effects, tags
    and referral facts for a period; trials are the whole history overlapping it."""
    return await insights_for(engine, current.user_id, start, end, datetime.now(UTC))


insights_router = Router(
    path="/api/v1",
    route_handlers=[insights],
    guards=[require_session],
    security=SESSION_REQUIRED,
    dependencies={"current": Provide(current_session, sync_to_thread=False)},
    tags=["insights"],
)
