"""Health check: the database answers and the schema is current."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get
from litestar.di import NamedDependency
from piccolo.engine.base import Engine

from backend.errors import problem, problem_responses
from backend.migrate import pending_migrations


class Health(msgspec.Struct):
    status: str
    database: str
    migrations: str


@get("/api/v1/health", tags=["health"], responses=problem_responses(503))
async def health(
    request: Request[Any, Any, Any], engine: NamedDependency[Engine[Any]]
) -> Response[Health]:
    try:
        pending = await pending_migrations(engine)
    except Exception:
        request.logger.exception("health check could not reach the database")
        unreachable = problem(
            503, "database-unreachable", "Database unreachable", "The database did not answer."
        )
        # A problem+json body instead of Health: the one error shape, on purpose.
        return unreachable  # type: ignore[return-value]
    if pending:
        # An error like any other (api.md: every error is problem+json), not a Health body.
        not_ready = problem(
            503, "migrations-pending", "Migrations pending", "Run `python -m backend migrate`."
        )
        return not_ready  # type: ignore[return-value]
    return Response(Health("ok", "ok", "current"))
