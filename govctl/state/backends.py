"""The backend a root module configures: where each workspace's state lives.

`backend "local"` (the default) keeps files on disk; `backend "s3"` keeps
objects in a bucket (govctl.state.s3backend). Both answer the same questions
(which workspaces exist, create one, delete one, the Backend of one), so the
commands that manage workspaces, migrate state or run a plan never ask which
kind they hold.

Backend arguments are literals, as in Terraform: the backend is set up before
the configuration is evaluated, so it cannot depend on variables.
"""

from __future__ import annotations

import datetime
import shutil
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from govctl.diagnostics import Diagnostic, DiagnosticError, error
from govctl.hcl import ast
from govctl.state import workspaces
from govctl.state.backend import Backend


class Backends(ABC):
    """Every workspace's state under one backend configuration."""

    kind: str
    #: Keyword arguments for every Backend made (encryption: codec, rollback).
    extras: dict[str, Any]

    @abstractmethod
    def describe(self) -> str:
        """Where the states live, for messages (a directory, s3://bucket/key)."""

    @abstractmethod
    def names(self) -> list[str]:
        """Every workspace: default first, then the others by name."""

    @abstractmethod
    def exists(self, name: str) -> bool: ...

    @abstractmethod
    def create(self, name: str) -> None: ...

    #: Read unencrypted states although encryption is configured (migrating).
    accept_plain = False

    def backend(self, name: str) -> Backend:
        made = self._make(name)
        made.accept_plain = self.accept_plain
        return made

    @abstractmethod
    def _make(self, name: str) -> Backend: ...

    @abstractmethod
    def keep_audit_log(self, name: str, data: bytes) -> str:
        """Keep `data`, an audit log about to be removed or overwritten, under
        `.deleted/` beside the workspaces (never over an earlier kept log);
        returns where. An append-only record that a delete could erase would
        prove nothing."""

    def advice(self) -> list[Diagnostic]:
        """What `init` should warn about this storage (e.g. S3 without versioning)."""
        return []

    @abstractmethod
    def delete(self, name: str) -> str | None:
        """Remove workspace `name` (its state checked empty or forgotten by the
        caller, under its lock). The audit log outlives it: an append-only record
        that a delete could erase would prove nothing. Returns where it was kept."""

    def current(self, root_dir: Path) -> Backend:
        """The backend of the current workspace. A typo in GOVCTL_WORKSPACE must not
        start a new, empty state and re-create everything: a workspace that does
        not exist is an error."""
        name = workspaces.current(root_dir)
        problem = workspaces.name_problem(name)
        source = (f"the {workspaces.ENV_VAR} environment variable"
                  if workspaces.overridden() is not None
                  else str(root_dir / workspaces.ENVIRONMENT_FILE))
        if problem is not None:
            raise DiagnosticError([error("Invalid workspace name",
                                         f"{problem} It is selected by {source}.")])
        if not self.exists(name):
            raise DiagnosticError([error(
                "Currently selected workspace does not exist",
                f'The workspace "{name}", selected by {source}, does not exist. Create it with '
                f'"govctl workspace new {name}", or select another one.')])
        return self.backend(name)


class LocalBackends(Backends):
    """The default workspace's state at `base_path`; workspace W's in
    govctl.tfstate.d/W/ beside it (govctl.state.workspaces)."""

    kind = "local"

    def __init__(self, base_path: Path, **extras: Any):
        self.base_path = base_path
        self.extras = extras

    def describe(self) -> str:
        return str(self.base_path)

    def names(self) -> list[str]:
        return workspaces.names(self.base_path)

    def exists(self, name: str) -> bool:
        return workspaces.exists(self.base_path, name)

    def create(self, name: str) -> None:
        workspaces.workspace_dir(self.base_path, name).mkdir(parents=True)

    def _make(self, name: str) -> Backend:
        from govctl.state.local import LocalBackend

        return LocalBackend(workspaces.path_for(self.base_path, name), **self.extras)

    def delete(self, name: str) -> str | None:
        log = Path(self.backend(name).audit_log_path())
        kept = self.keep_audit_log(name, log.read_bytes()) if log.exists() else None
        shutil.rmtree(workspaces.workspace_dir(self.base_path, name))
        return kept

    def keep_audit_log(self, name: str, data: bytes) -> str:
        from govctl import atomic

        where = workspaces.workspace_dir(self.base_path, name).parent / ".deleted"
        where.mkdir(parents=True, exist_ok=True)
        stem = f"{name}-{stamp()}"
        keep = where / f"{stem}.audit.jsonl"
        n = 0
        while keep.exists():
            n += 1
            keep = where / f"{stem}-{n}.audit.jsonl"
        atomic.replace(keep, data)
        return str(keep)


def stamp() -> str:
    """The time in a kept file's name."""
    return datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


# --- reading the backend block ----------------------------------------------------------

def literal_arguments(block: ast.Block | None, allowed: dict[str, type],
                      kind: str) -> tuple[dict[str, Any], list[Diagnostic]]:
    """The backend block's arguments, each a literal of its allowed type."""
    if block is None:
        return {}, []
    diags: list[Diagnostic] = []
    values: dict[str, Any] = {}
    for name, attr in block.body.attributes.items():
        if name not in allowed:
            from govctl.lang.eval import suggest

            diags.append(error("Unsupported backend argument",
                               f'The "{kind}" backend does not take an argument named "{name}".'
                               + suggest(name, list(allowed)), attr.name_range))
            continue
        expr, want = attr.expr, allowed[name]
        if not (isinstance(expr, ast.Literal) and _is(expr.value, want)):
            want_text = {str: "a literal string", bool: "true or false",
                         int: "a whole number"}.get(want, "a literal")  # type: ignore[call-overload]
            diags.append(error("Invalid backend argument",
                               f'The backend argument "{name}" must be {want_text}: variables and '
                               "other expressions may not be used here, since the backend is "
                               "set up before the configuration is evaluated.", expr.range))
            continue
        values[name] = expr.value
    for b in block.body.blocks:
        diags.append(error("Unsupported block type",
                           f'Blocks of type "{b.type}" are not expected in a backend block.',
                           b.def_range))
    return values, diags


def _is(value: Any, want: type) -> bool:
    if want is bool or isinstance(value, bool):
        return want is bool and isinstance(value, bool)
    return isinstance(value, want)


def configured(module: Any, **extras: Any) -> Backends:
    """The backends of root `module`; raises DiagnosticError for a bad block."""
    settings = module.settings
    kind = settings.backend_type or "local"
    block = settings.backend_block
    if kind == "local":
        args, diags = literal_arguments(block, {"path": str}, "local")
        if diags:
            raise DiagnosticError(diags)
        path = module.path / "govctl.tfstate"
        if "path" in args:
            path = (module.path / args["path"]).resolve()
        return LocalBackends(Path(path), **extras)
    if kind == "s3":
        from govctl.state.s3backend import S3Backends

        return S3Backends.from_block(module.path, block, **extras)
    raise DiagnosticError([error(
        "Unsupported backend",
        f'The backend "{kind}" is not available in this version; use backend "local" or '
        'backend "s3".', block.def_range if block is not None else None)])
