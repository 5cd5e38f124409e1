"""Composite indexes Piccolo's auto-migrations cannot express portably."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager


ID = "2026-11-27T14:13:37:000000"
VERSION = "1.38.0"
DESCRIPTION = "composite unique indexes for records and history"

STATEMENTS = [
    'CREATE UNIQUE INDEX IF NOT EXISTS record_user_record ON "record" (user_id, record_id)',
    'CREATE UNIQUE INDEX IF NOT EXISTS record_user_seq ON "record" (user_id, server_seq)',
    'CREATE INDEX IF NOT EXISTS change_user_record ON "change" (user_id, record_id)',
    'CREATE INDEX IF NOT EXISTS login_failure_at ON "login_failure" (username, at_us)',
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="tend", description=DESCRIPTION)

    async def create_indexes() -> None:
        from backend.piccolo_conf import DB as engine

        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(create_indexes)
    return manager
