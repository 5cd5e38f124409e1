"""The app starts, reports health, and serves the API schema."""

from __future__ import annotations

import httpx


async def test_health_reports_database_and_migrations(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "migrations": "current"}
