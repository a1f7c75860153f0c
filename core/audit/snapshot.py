"""JSON-safe snapshots of rows for the audit's before/after (dates, decimals and enums as strings)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import inspect

_SKIP = frozenset({"created_at", "updated_at", "version"})


def json_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="milliseconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_value(v) for v in value]
    return str(value)


def snapshot(row: Any, fields: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The row's column values (or just `fields`), JSON-safe."""
    mapper = inspect(type(row))
    names = fields or tuple(c.key for c in mapper.column_attrs if c.key not in _SKIP)
    return {name: json_value(getattr(row, name)) for name in names}
