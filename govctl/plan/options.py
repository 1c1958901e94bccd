"""The settings of one plan (the CLI's -target, -replace, -refresh=false...).

Apart from the planner so that scope parsing, the instance planner and
make_plan can all take them without importing one another.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from govctl.addrs import InstanceAddr


@dataclass
class PlanOptions:
    mode: str = "normal"                   # normal | destroy | refresh-only
    refresh: bool = True
    targets: list[str] = field(default_factory=list)
    excludes: list[str] = field(default_factory=list)
    replace: list[str] = field(default_factory=list)
    parallelism: int = 10
    # told (done, total) as refresh reads come back: the CLI shows progress
    on_refresh: Callable[[int, int], None] | None = None
    # told ("start" | "complete", address, attributes, sensitive names) around each
    # refresh read, from the reading threads: the -json UI's refresh hooks
    on_read: Callable[[str, InstanceAddr, dict[str, Any], set[str]], None] | None = None
