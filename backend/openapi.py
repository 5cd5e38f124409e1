"""The OpenAPI document: as exact as msgspec about each Struct, and the session cookie named.

Outside checks (schemathesis, generated clients) trust this document, so it must refuse what
the server refuses and allow what it allows. Litestar's own Struct schemas lose some of that:
`forbid_unknown_fields` does not become `additionalProperties: false`, integer bounds become
floats (2^63 - 1 rounds up to 2^63) and a bound inside `X | None` can vanish. msgspec's own
JSON Schema has none of these faults, so each property that holds no other Struct is taken
from it; Structs inside Structs stay Litestar's references.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import msgspec
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar._openapi.schema_generation.schema import SchemaCreator
from litestar.openapi import OpenAPIConfig
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, Schema, SecurityScheme
from litestar.typing import FieldDefinition

from backend.accounts.auth import COOKIE_NAME

SESSION_SCHEME = "session"
# For `security=` on routers and route handlers behind the session guard.
SESSION_REQUIRED: list[dict[str, list[str]]] = [{SESSION_SCHEME: []}]

# For a handler that returns Response[None] (to set cookies) with 204: Litestar would
# document a JSON `null` body, which a 204 never has.
NO_CONTENT = {204: ResponseSpec(data_container=None, description="Done; nothing follows.")}

_NESTED = ("any_of", "one_of", "all_of", "prefix_items")
_SUBSCHEMA = ("items", "additional_properties", "schema_not", "contains")


def _schema_keys() -> dict[str, str]:
    """JSON Schema keyword -> Litestar Schema field (`maxLength` -> `max_length`, ...)."""
    keys = {}
    for field in dataclasses.fields(Schema):
        first, *rest = field.name.split("_")
        keys[field.metadata.get("alias") or first + "".join(p.title() for p in rest)] = field.name
    return keys


_KEYS = _schema_keys()


def schema_from_json(raw: dict[str, Any]) -> Schema:
    """A Litestar Schema from a JSON Schema dict without references."""
    values: dict[str, Any] = {}
    for key, value in raw.items():
        name = _KEYS[key]
        if name in _NESTED:
            value = [schema_from_json(item) for item in value]
        elif name in _SUBSCHEMA and isinstance(value, dict):
            value = schema_from_json(value)
        elif name == "properties":
            value = {k: schema_from_json(v) for k, v in value.items()}
        values[name] = value
    return Schema(**values)


def _has_reference(raw: Any) -> bool:
    if isinstance(raw, dict):
        return "$ref" in raw or any(_has_reference(v) for v in raw.values())
    if isinstance(raw, list):
        return any(_has_reference(v) for v in raw)
    return False


class ExactStructSchemaPlugin(StructSchemaPlugin):
    """Litestar's Struct schema, corrected from msgspec's JSON Schema of the same Struct."""

    def to_openapi_schema(
        self, field_definition: FieldDefinition, schema_creator: SchemaCreator
    ) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        (ref,), components = msgspec.json.schema_components([field_definition.type_])
        exact = components[ref["$ref"].rsplit("/", 1)[-1]]
        if exact.get("additionalProperties") is False:
            schema.additional_properties = False
        properties = schema.properties or {}
        for name, raw in exact.get("properties", {}).items():
            if name in properties and not _has_reference(raw):
                properties[name] = schema_from_json(raw)
        return schema


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Tend API",
        version="1",
        path="/api/v1/schema",
        render_plugins=[JsonRenderPlugin()],
        components=Components(
            security_schemes={
                SESSION_SCHEME: SecurityScheme(
                    type="apiKey",
                    name=COOKIE_NAME,
                    security_scheme_in="cookie",
                    description="The session cookie set by sign-up, sign-in and recovery.",
                )
            }
        ),
    )
