"""Change ids are unique per person, not across everyone: (user_id, change_id).

With change_id as the table's primary key, a second person sending an id another person
had used could not be stored, and the answer told them that the id existed. The table gets
a surrogate key `id` and a unique index on (user_id, change_id); every stored change keeps
its values. PostgreSQL swaps the key in place; SQLite cannot drop a primary key, so the
table is rebuilt as its documented ALTER TABLE procedure says (new table, copy, drop,
rename, indexes), in the migration's transaction.

Piccolo's auto-migration snapshot does not see raw SQL: it still believes change_id is the
primary key and `id` does not exist, so an auto-generated migration that touches `change`
must drop the add/alter operations it invents for these two columns.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-04T19:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "change ids scoped per person"

_COPIED = (
    "change_id, user_id, record_id, device_id, kind, schema_version, base_seq, status,"
    " server_seq, fields, original_hlcs, error, received_at"
)

SQLITE = [
    'CREATE TABLE "change_scoped" ('
    '"id" INTEGER PRIMARY KEY NOT NULL, '
    '"change_id" UUID NOT NULL, '
    '"user_id" UUID NOT NULL REFERENCES "account" ("id") ON DELETE CASCADE ON UPDATE CASCADE, '
    '"record_id" UUID NOT NULL, '
    '"device_id" UUID NOT NULL, '
    "\"kind\" VARCHAR(32) NOT NULL DEFAULT '', "
    '"schema_version" INTEGER NOT NULL DEFAULT 1, '
    '"base_seq" INTEGER NOT NULL DEFAULT 0, '
    "\"status\" VARCHAR(16) NOT NULL DEFAULT '', "
    '"server_seq" INTEGER NOT NULL DEFAULT 0, '
    "\"fields\" TEXT NOT NULL DEFAULT '', "
    "\"original_hlcs\" TEXT NOT NULL DEFAULT '', "
    "\"error\" TEXT NOT NULL DEFAULT '', "
    '"received_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp)',
    f'INSERT INTO "change_scoped" ({_COPIED}) SELECT {_COPIED} FROM "change"'
    " ORDER BY received_at, server_seq",
    'DROP TABLE "change"',
    'ALTER TABLE "change_scoped" RENAME TO "change"',
    'CREATE INDEX change_record_id ON "change" ("record_id")',
    'CREATE INDEX change_user_record ON "change" (user_id, record_id)',
]
POSTGRES = [
    # The old primary key constraint is dropped first (by its name, looked up below).
    'ALTER TABLE "change" ADD COLUMN "id" BIGSERIAL PRIMARY KEY',
]
BOTH = ['CREATE UNIQUE INDEX change_user_change ON "change" (user_id, change_id)']


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="tend", description=DESCRIPTION)

    async def scope_change_ids() -> None:
        from backend.db import fetch, is_sqlite
        from backend.piccolo_conf import DB as engine

        if is_sqlite(engine):
            statements = SQLITE
        else:
            rows = await fetch(
                engine,
                "SELECT conname FROM pg_constraint"
                " WHERE conrelid = 'change'::regclass AND contype = 'p'",
            )
            drop = [f'ALTER TABLE "change" DROP CONSTRAINT "{row["conname"]}"' for row in rows]
            statements = [*drop, *POSTGRES]
        for statement in [*statements, *BOTH]:
            await engine.run_ddl(statement)

    manager.add_raw(scope_change_ids)
    return manager
