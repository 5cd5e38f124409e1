"""Unique keys that make reminder scheduling and delivery idempotent."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-27T14:20:09:000000"
VERSION = "1.38.0"
DESCRIPTION = "reminder idempotency indexes"

STATEMENTS = [
    'CREATE UNIQUE INDEX IF NOT EXISTS reminder_user_slot ON "reminder" (user_id, slot)',
    'CREATE INDEX IF NOT EXISTS reminder_due ON "reminder" (state, due_at)',
    'CREATE UNIQUE INDEX IF NOT EXISTS delivery_once ON "delivery" (reminder_id, subscription_id)',
    'CREATE UNIQUE INDEX IF NOT EXISTS horizon_routine ON "routine_horizon" (user_id, routine_id)',
    'CREATE UNIQUE INDEX IF NOT EXISTS marker_once ON "logged_marker" (user_id, marker, record_id)',
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="tend", description=DESCRIPTION)

    async def create_indexes() -> None:
        from backend.piccolo_conf import DB as engine

        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(create_indexes)
    return manager
