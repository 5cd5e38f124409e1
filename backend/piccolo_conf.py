"""Piccolo configuration; `DB` is the engine a migration is running on (backend.migrate).

Outside a migration it is an engine from the settings, for Piccolo's own command line
(`piccolo migrations new`); Tend's code never reaches it.
"""

from __future__ import annotations

from typing import Any

from piccolo.conf.apps import AppRegistry

APP_REGISTRY = AppRegistry(apps=["backend.piccolo_app"])

_bound: Any = None


def bind(engine: Any) -> None:
    """Set (or with None, clear) the engine Piccolo's migration runner uses."""
    global _bound
    _bound = engine


def __getattr__(name: str) -> Any:
    # Resolved lazily so importing this module never opens or creates a database;
    # Piccolo's migration runner looks DB up here at run time.
    if name == "DB":
        if _bound is None:
            from backend.db import make_engine
            from backend.settings import load_settings

            return make_engine(load_settings().database_url)
        return _bound
    raise AttributeError(name)
