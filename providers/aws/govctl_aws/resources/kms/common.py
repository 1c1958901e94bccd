"""What the KMS types share: key ids, and checks of configured numbers and choices.

A key may be named by id or by ARN (both mean the same key), and HCL
numbers arrive as int or Decimal; the types agree on both.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from govctl.plugins.protocol import ProviderError
from govctl_aws.resource import Obj


def raw_key_id(value: Any) -> Any:
    """The key id of a key id or key ARN (`arn:...:key/<id>`); other values unchanged."""
    if isinstance(value, str) and value.startswith("arn:") and ":key/" in value:
        return value.split(":key/", 1)[1]
    return value


def same_key(a: Any, b: Any) -> bool:
    """A key named by id or by ARN is the same key."""
    return raw_key_id(a) == raw_key_id(b)


def number(value: Any) -> int | float | Decimal | None:
    """A configured number (HCL numbers arrive as int or Decimal); None otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    return value


def whole(value: Any) -> int | None:
    n = number(value)
    return int(n) if n is not None and n == int(n) else None


def check_range(config: Obj, name: str, bounds: tuple[int, int]) -> ProviderError | None:
    value = number(config.get(name))
    if value is None:
        return None
    low, high = bounds
    if low <= value <= high and value == int(value):
        return None
    return ProviderError(f"{name} must be a whole number of days from {low} to {high}, "
                         f"not {value}", attribute=name)


def check_choice(config: Obj, name: str, choices: tuple[str, ...]) -> ProviderError | None:
    value = config.get(name)
    if not isinstance(value, str) or value in choices:
        return None
    return ProviderError(f'{name} "{value}" is not one of {", ".join(choices)}',
                         attribute=name)
