"""Moving state between backends: `govctl init -migrate-state`.

`init` records the backend it set up in `.govctl/backend.json`. When the
configuration names another one, every command that reads state refuses to
run until `init` has either copied the states across (-migrate-state) or been
told to start afresh (-reconfigure): otherwise a plan against the new, empty
backend would propose to create the whole estate a second time.

A copy keeps each workspace's lineage and serial, and its audit log (the
state anchors the log's head, so they travel together). A destination that
already holds a different, non-empty history is never overwritten unless the
user says -force-copy.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from govctl import atomic
from govctl.diagnostics import DiagnosticError, error
from govctl.state import workspaces
from govctl.state.backends import Backends, LocalBackends

RECORD = Path(".govctl") / "backend.json"
SECRETS = ("access_key", "secret_key")


def identity(backends: Backends) -> dict[str, Any]:
    """What names a backend's storage (never its credentials)."""
    if isinstance(backends, LocalBackends):
        return {"kind": "local", "path": str(backends.base_path)}
    settings = dataclasses.asdict(backends.settings)  # type: ignore[attr-defined]
    return {"kind": backends.kind, **{k: v for k, v in settings.items() if k not in SECRETS}}


def recorded(root_dir: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((root_dir / RECORD).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    return data if isinstance(data, dict) and "kind" in data else None


def record(root_dir: Path, backends: Backends) -> None:
    path = root_dir / RECORD
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.replace(path, json.dumps(identity(backends), indent=2).encode() + b"\n")


def from_identity(root_dir: Path, ident: dict[str, Any], **extras: Any) -> Backends:
    if ident["kind"] == "local":
        return LocalBackends(Path(ident["path"]), **extras)
    from govctl.state.s3 import S3Settings
    from govctl.state.s3backend import S3Backends

    fields = {f.name for f in dataclasses.fields(S3Settings)}
    return S3Backends(S3Settings(**{k: v for k, v in ident.items() if k in fields}), root_dir,
                      **extras)


def _has_states(backends: Backends) -> bool:
    return any(backends.backend(name).exists() for name in backends.names())


def previous(root_dir: Path, configured: Backends, **extras: Any) -> Backends | None:
    """The backend the states are in, when it is not the configured one: the one
    `init` recorded, or (never initialised) local state files left in the root
    module by runs before a backend block was added."""
    ident = recorded(root_dir)
    if ident is None:
        local = LocalBackends(root_dir / "govctl.tfstate", **extras)
        if identity(local) == identity(configured):
            return None
        return local if _has_states(local) else None
    if ident == identity(configured):
        return None
    return from_identity(root_dir, ident, **extras)


def check_initialised(root_dir: Path, configured: Backends) -> None:
    """Refuse to use `configured` while the states are still in another backend."""
    try:
        prior = previous(root_dir, configured)
    except DiagnosticError:
        prior = None            # a recorded backend that cannot be reached any more
    if prior is not None:
        raise DiagnosticError([error(
            "Backend initialization required, please run \"govctl init\"",
            f"The configuration's backend is {configured.describe()}, but the state is in "
            f"{prior.describe()}. Run \"govctl init -migrate-state\" to copy every "
            "workspace's state there, or \"govctl init -reconfigure\" to use the new backend "
            "as it is. Until then govctl refuses to plan against it: with no state it would "
            "propose to create everything again.")])


def copy_all(prior: Backends, target: Backends, *, force: bool = False,
             report: Callable[[str], None] = lambda _: None) -> int:
    """Copy every workspace's state from `prior` to `target`; returns how many."""
    copied = 0
    for name in prior.names():
        src = prior.backend(name)
        if not src.exists():
            continue
        if target.kind == "local" and not target.exists(name):
            target.create(name)         # its directory; an S3 object appears on the write
        dst = target.backend(name)
        with src.lock("migrate state"), dst.lock("migrate state"):
            state = src.read()
            there = dst.read()
            if (there.lineage != state.lineage and any(True for _ in there.instances())
                    and not force):
                raise DiagnosticError([error(
                    "Destination state is not empty",
                    f'Workspace "{name}" in {target.describe()} already holds another '
                    f"history (lineage {there.lineage}, serial {there.serial}) with resources. "
                    "govctl will not overwrite it. Check which one is right, then pass "
                    "-force-copy to overwrite it with the state being migrated.")])
            if there.lineage == state.lineage and there.serial >= state.serial:
                report(f'- workspace "{name}": already there (serial {there.serial})')
                continue
            _copy_audit_log(src, dst)
            dst.replace_history(state)
        report(f'- workspace "{name}": copied (lineage {state.lineage}, serial {state.serial})')
        copied += 1
    return copied


def _copy_audit_log(src: Any, dst: Any) -> None:
    source = Path(src.audit_log_path())
    if not source.exists() or source.stat().st_size == 0:
        return
    atomic.replace(Path(dst.audit_log_path()), source.read_bytes())


__all__ = ["check_initialised", "copy_all", "identity", "previous", "record", "recorded",
           "workspaces"]
