"""Saleor-style global ids, ``base64("<Type>:<id>")``, through graphene's :class:`~graphene.relay.Node`; where the
API takes an id, the object's raw UUID is accepted too."""

import binascii
import uuid
from typing import Any

from graphene.relay import Node

from ...services import ServiceError

__all__ = ["as_uuid", "from_global_id", "to_global_id", "uuid_from_global_id"]


def to_global_id(type_name: str, object_id: Any) -> str:
    return Node.to_global_id(type_name, str(object_id))


def from_global_id(global_id: str, expected: str, field: str) -> str:
    """The object id inside a global id of type ``expected``; a raw id (e.g. a UUID) is returned as it is."""
    if not isinstance(global_id, str) or not global_id.strip():
        raise ServiceError(f"Give the {expected} id.", code="required", field=field)
    value = global_id.strip()
    if as_uuid(value) is not None:
        return value
    try:
        type_name, object_id = Node.from_global_id(value)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return value  # not base64 text of "<Type>:<id>"
    if type_name != expected:
        raise ServiceError(
            f"{value!r} is the id of a {type_name}, not of a {expected}.", code="invalid", field=field
        )
    return object_id


def uuid_from_global_id(global_id: str, expected: str, field: str) -> str:
    """Like :func:`from_global_id`, for objects identified by a UUID: its canonical text, or an INVALID error."""
    key = as_uuid(from_global_id(global_id, expected, field))
    if key is None:
        raise ServiceError(
            f"{global_id!r} is not a {expected} id: give its global id or its UUID.",
            code="invalid",
            field=field,
        )
    return str(key)


def as_uuid(value: str) -> uuid.UUID | None:
    """``value`` as a UUID, or None when it is not one."""
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
