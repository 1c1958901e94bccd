"""Contract cases: one per resource type, in a module per service.

Each case is a configuration in which `<type>.this` is the object under test
(with whatever it needs around it), and the id `govctl import` takes for it.
test_contract.py runs every case through the same checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Case:
    type: str
    config: str
    import_id: Callable[[dict[str, Any]], str]
    # attributes import cannot know (settings that live only in the configuration)
    import_ignores: frozenset[str] = field(default_factory=frozenset)
    discoverable: bool = True
