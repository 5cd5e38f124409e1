"""Piccolo app config: the tables and where their migrations live."""

from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from backend.accounts.tables import (
    Account,
    Device,
    DeviceKey,
    LoginFailure,
    RateEvent,
    Session,
)
from backend.reminders.tables import (
    Delivery,
    LoggedMarker,
    PushSubscription,
    Reminder,
    RoutineHorizon,
)
from backend.sharing.tables import Share, ShareAccess, ShareGrant, ShlFile
from backend.sync.tables import Change, Record, SyncState

TABLES = [
    Account,
    Device,
    Session,
    DeviceKey,
    LoginFailure,
    RateEvent,
    SyncState,
    Record,
    Change,
    PushSubscription,
    Reminder,
    Delivery,
    RoutineHorizon,
    LoggedMarker,
    Share,
    ShareGrant,
    ShareAccess,
    ShlFile,
]

APP_CONFIG = AppConfig(
    app_name="tend",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=list(TABLES),
    migration_dependencies=[],
    commands=[],
)
