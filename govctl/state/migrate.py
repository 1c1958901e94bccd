"""Moving state between backends: `govctl init -migrate-state`.

`init` records the backend it set up in `.govctl/backend.json`. When the
configuration names another one, every command that reads state refuses to
run until `init` has either copied the states across (-migrate-state) or been
told to start afresh (-reconfigure): otherwise a plan against the new, empty
backend would propose to create the whole estate a second time.

What is recorded is only what names the storage (identity): a setting that
changes how the storage is reached (retries, credentials, region, server-side
encryption) leaves the states where they are, so it must not ask for a
migration, which would copy each state onto itself.

A copy keeps each workspace's lineage and serial, and its audit log (the
state anchors the log's head, so they travel together). A destination that
already holds a different, non-empty history is never overwritten unless the
user says -force-copy; its audit log is then kept aside, never lost.
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
#: The settings that name an S3 backend's storage, besides its resolved endpoint.
S3_STORAGE = ("bucket", "key", "workspace_key_prefix")
AUDIT_SUFFIX = ".audit.jsonl"
RECONFIGURE = ('Run "govctl init -reconfigure" to use the configured backend as it is (the '
               "states in the recorded one are not copied), or restore the file.")


def identity(backends: Backends) -> dict[str, Any]:
    """What names a backend's storage: two backends of equal identity hold the
    same states. Never credentials; for S3 the endpoint as resolved (None for
    AWS itself), since AWS_ENDPOINT_URL can move the bucket as much as the
    backend block can."""
    if isinstance(backends, LocalBackends):
        return {"kind": "local", "path": str(backends.base_path)}
    settings = backends.settings  # type: ignore[attr-defined]
    return {"kind": backends.kind, "endpoint": settings.resolved_endpoint(),
            **{name: getattr(settings, name) for name in S3_STORAGE}}


def recorded(root_dir: Path) -> dict[str, Any] | None:
    """The identity `init` recorded, None when it never ran here. Files written
    before the identity was narrowed hold every setting: the extras are
    ignored. A file that cannot be read as a record is an error, not "never
    initialised": that would silently plan against an empty backend."""
    path = root_dir / RECORD
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise _invalid_record(root_dir, f"it cannot be read ({exc})") from None
    if not isinstance(data, dict):
        raise _invalid_record(root_dir, "it does not hold a JSON object")
    kind = data.get("kind")
    if kind == "local":
        if not isinstance(data.get("path"), str):
            raise _invalid_record(root_dir, "a local record needs a path")
        return {"kind": "local", "path": data["path"]}
    if kind != "s3":
        raise _invalid_record(root_dir, f"it names no backend govctl knows (kind {kind!r})")
    wanted = ("endpoint", *S3_STORAGE)
    if not all(isinstance(data.get(k), str) for k in S3_STORAGE) or \
            not isinstance(data.get("endpoint"), (str, type(None))):
        raise _invalid_record(root_dir, f"an s3 record needs {', '.join(wanted)}")
    ident = {"kind": "s3", **{k: data.get(k) for k in wanted}}
    if "region" in data:
        # the old format recorded the endpoint as configured: None then meant
        # "whatever the environment says", which is the best guess still
        ident["endpoint"] = _settings(root_dir, ident, None).resolved_endpoint()
    return ident


def _invalid_record(root_dir: Path, why: str) -> DiagnosticError:
    return DiagnosticError([error(
        "Invalid backend record",
        f"{root_dir / RECORD}, where govctl init records the backend it set up, is not "
        f"usable: {why}. {RECONFIGURE}")])


def record(root_dir: Path, backends: Backends) -> None:
    path = root_dir / RECORD
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.replace(path, json.dumps(identity(backends), indent=2).encode() + b"\n")


def from_identity(root_dir: Path, ident: dict[str, Any], configured: Backends | None = None,
                  **extras: Any) -> Backends:
    """The backends a recorded identity names. An identity holds no region,
    credentials or retry settings: for S3 they come from the configured
    backend when it is S3 too (the same account, most likely), else from the
    environment. Raises DiagnosticError for an identity that names nothing usable."""
    if ident["kind"] == "local":
        return LocalBackends(Path(ident["path"]), **extras)
    from govctl.state.s3backend import S3Backends

    return S3Backends(_settings(root_dir, ident, configured), root_dir, **extras)


def _settings(root_dir: Path, ident: dict[str, Any], configured: Backends | None) -> Any:
    from govctl.state.s3 import S3Settings
    from govctl.state.storage import StorageError

    storage: dict[str, Any] = {name: ident.get(name) for name in S3_STORAGE}
    endpoint = ident.get("endpoint")
    try:
        base = getattr(configured, "settings", None)
        if not isinstance(base, S3Settings):
            return S3Settings(endpoint=endpoint, **storage)
        # path style is a property of the endpoint: decided again unless it is the same
        same_endpoint = endpoint == base.resolved_endpoint()
        return dataclasses.replace(base, endpoint=endpoint, **storage,
                                   use_path_style=base.use_path_style if same_endpoint else None)
    except (StorageError, TypeError) as exc:
        raise _invalid_record(root_dir, str(exc)) from None


def _has_states(backends: Backends) -> bool:
    return any(backends.backend(name).exists() for name in backends.names())


def previous(root_dir: Path, configured: Backends, **extras: Any) -> Backends | None:
    """The backend the states are in, when it is not the configured one: the one
    `init` recorded, or (never initialised) local state files left in the root
    module by runs before a backend block was added. Raises DiagnosticError when
    the record is not usable."""
    ident = recorded(root_dir)
    if ident is None:
        local = LocalBackends(root_dir / "govctl.tfstate", **extras)
        if identity(local) == identity(configured):
            return None
        return local if _has_states(local) else None
    if ident == identity(configured):
        return None
    return from_identity(root_dir, ident, configured, **extras)


def check_initialised(root_dir: Path, configured: Backends) -> None:
    """Refuse to use `configured` while the states are still in another backend
    (or the record of where they are is unusable: guessing could mean planning
    against an empty backend)."""
    prior = previous(root_dir, configured)
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
    """Copy every workspace's state from `prior` to `target`; returns how many.
    Storage of one identity is left alone: its states are already there, and
    taking the same lock twice would wait on itself."""
    if identity(prior) == identity(target):
        report(f"- the states are already in {target.describe()}")
        return 0
    copied = 0
    for name in _names(prior):
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
            kept = _copy_audit_log(src, dst, target, name)
            if kept is not None:
                report(f'- workspace "{name}": the audit log it replaces is kept as {kept}')
            dst.replace_history(state)
        report(f'- workspace "{name}": copied (lineage {state.lineage}, serial {state.serial})')
        copied += 1
    return copied


def _names(prior: Backends) -> list[str]:
    """The previous backend's workspaces; failing that, what the user can do."""
    try:
        return prior.names()
    except DiagnosticError as exc:
        raise DiagnosticError([*exc.diagnostics, error(
            "Cannot read the previous backend",
            f"The states to migrate are in {prior.describe()}, which govctl cannot read "
            "(above). Make it reachable and run \"govctl init -migrate-state\" again, or run "
            "\"govctl init -reconfigure\" to use the configured backend without them.")]) \
            from None


def _copy_audit_log(src: Any, dst: Any, target: Backends, name: str) -> str | None:
    """Give `dst` the audit log of `src`. A destination log that the source's
    does not continue (another history's, overwritten with -force-copy) is
    kept aside first, as a workspace delete keeps it; returns where."""
    source = Path(src.audit_log_path())
    data = source.read_bytes() if source.exists() else b""
    destination = Path(dst.audit_log_path())
    there = destination.read_bytes() if destination.exists() else b""
    if there == data or not (data or there):
        return None
    kept = None if data.startswith(there) else target.keep_audit_log(name, there)
    atomic.replace(destination, data)
    return kept


__all__ = ["check_initialised", "copy_all", "from_identity", "identity", "previous", "record",
           "recorded", "workspaces"]
