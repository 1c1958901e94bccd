"""Local sandboxes: a stand-in for a provider's cloud, on this machine.

A provider package may register a `Sandbox` under the `govctl.sandboxes`
entry point group (the AWS provider registers a moto server). `govctl
sandbox` starts one on 127.0.0.1 and hands its environment to the user or to
a command, so the whole plan/apply/drift loop runs with no cloud account.
Like providers, sandboxes are found by entry point: the core names none.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from importlib.metadata import EntryPoint, entry_points
from typing import ClassVar

GROUP = "govctl.sandboxes"


class Sandbox(ABC):
    description: ClassVar[str] = ""

    @abstractmethod
    def start(self, host: str, port: int) -> dict[str, str]:
        """Start serving on host:port (0: a free port); the environment that
        points clients at it (an empty value: unset that variable)."""

    @abstractmethod
    def stop(self) -> None:
        """Stop serving; everything the sandbox held is gone."""


def installed() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=GROUP)}


__all__ = ["GROUP", "Sandbox", "installed"]
