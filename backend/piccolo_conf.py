"""Piccolo configuration; `DB` is whichever engine the running app bound (see db.bind)."""

from __future__ import annotations

from typing import Any

from piccolo.conf.apps import AppRegistry

APP_REGISTRY = AppRegistry(apps=["backend.piccolo_app"])

_bound: Any = None


def bind(engine: Any) -> None:
    global _bound
    _bound = engine


def __getattr__(name: str) -> Any:
    # Resolved lazily so importing this module never opens or creates a database;
    # Piccolo's migration runner looks DB up here at run time.
    if name == "DB":
        if _bound is None:
            from backend.db import make_engine
            from backend.settings import load_settings

            bind(make_engine(load_settings().database_url))
        return _bound
    raise AttributeError(name)
