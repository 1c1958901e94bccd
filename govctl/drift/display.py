"""One way to show an attribute value in every human format (table,
Markdown, SARIF messages): sensitive values never, unknown and undeclared
values by name, the rest as compact JSON, long ones shortened."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from govctl.drift.model import ABSENT
from govctl.plugins.protocol import UNKNOWN

SENSITIVE = "(sensitive)"
KNOWN_AFTER = "(known after apply)"
NOT_DECLARED = "(not in configuration)"


def text(value: Any, sensitive: bool = False, limit: int | None = 60) -> str:
    if sensitive:
        return SENSITIVE
    if value is UNKNOWN:
        return KNOWN_AFTER
    if value is ABSENT:
        return NOT_DECLARED
    out = json.dumps(plain(value), ensure_ascii=False, sort_keys=True,
                     separators=(", ", ": "))
    if limit is not None and len(out) > limit:
        out = out[:limit - 1] + "…"
    return out


def plain(value: Any) -> Any:
    """JSON data: Decimals as numbers, unknown and undeclared values as null."""
    if value is UNKNOWN or value is ABSENT:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value
