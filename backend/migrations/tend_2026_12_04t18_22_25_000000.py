"""The composite index the rate limits count by (bucket, subject, at_us)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-04T18:22:25:000000"
VERSION = "1.38.0"
DESCRIPTION = "rate_event index"

STATEMENTS = [
    'CREATE INDEX IF NOT EXISTS rate_event_count ON "rate_event" (bucket, subject, at_us)',
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="tend", description=DESCRIPTION)

    async def create_indexes() -> None:
        from backend.piccolo_conf import DB as engine

        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(create_indexes)
    return manager
