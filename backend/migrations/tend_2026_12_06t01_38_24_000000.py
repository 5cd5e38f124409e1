"""Manifest ids are unique: an index, since SQLite cannot add a UNIQUE column.

A migration of its own because Piccolo runs a migration's raw steps before its added
columns, and this index needs the column `shl_id_hash` of the one before.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-06T01:38:24:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique health link manifest ids"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="tend", description=DESCRIPTION)

    async def unique_manifest_ids() -> None:
        from backend.piccolo_conf import DB as engine

        await engine.run_ddl('CREATE UNIQUE INDEX share_shl_id_hash ON "share" ("shl_id_hash")')

    manager.add_raw(unique_manifest_ids)
    return manager
