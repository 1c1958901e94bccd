"""`govctl workspace list|show|new|select|delete`, as Terraform's local backend.

Where each workspace keeps its state is govctl.state.workspaces' business; this
module talks to the user. Deleting takes the workspace's state lock, so a run
still using that state is never left writing into a removed directory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govctl.diagnostics import DiagnosticError, error, warning
from govctl.render.diagnostics import print_diagnostics
from govctl.state import workspaces


@dataclass
class WorkspaceOptions:
    command: str                      # list | show | new | select | delete
    directory: Path = Path(".")
    name: str | None = None
    force: bool = False               # delete: even with resources in the state
    or_create: bool = False           # select: create it when missing
    lock_timeout: float = 0.0
    colour: bool | None = None
    vars: list[Any] = field(default_factory=list)     # -var/-var-file: encryption keys


def _backends(directory: Path, vars: list[Any]) -> Any:
    """The configured backend of the configuration in `directory` (local when the
    configuration cannot be loaded: its errors are `validate`'s to report)."""
    from govctl.commands.run import backends_for, encryption_values
    from govctl.config.loader import load_config
    from govctl.state.backends import LocalBackends

    try:
        module, _ = load_config(directory, allow_empty=True)
    except (DiagnosticError, OSError):
        return LocalBackends(directory.resolve() / "govctl.tfstate")
    return backends_for(module, encryption_values(module, vars))


def run(opts: WorkspaceOptions) -> int:
    try:
        root = opts.directory.resolve()
        base = _backends(opts.directory, opts.vars)
        if opts.command == "list":
            return _list(root, base)
        if opts.command == "show":
            print(workspaces.current(root))
            return 0
        assert opts.name is not None
        workspaces.check_name(opts.name)
        if opts.command == "new":
            return _new(root, base, opts.name, opts.colour)
        if opts.command == "select":
            return _select(root, base, opts)
        return _delete(root, base, opts)
    except DiagnosticError as exc:
        print_diagnostics(exc.diagnostics, colour=opts.colour)
        return 1


def _list(root: Path, base: Any) -> int:
    current = workspaces.current(root)
    for name in base.names():
        print(("* " if name == current else "  ") + name)
    return 0


def _refuse_override(what: str) -> None:
    if workspaces.overridden() is not None:
        raise DiagnosticError([error(
            "Workspace selected by the environment",
            f"The workspace is currently overridden by the {workspaces.ENV_VAR} environment "
            f"variable. To {what}, either update this environment variable or unset it and "
            "then run this command again.")])


def _new(root: Path, base: Any, name: str, colour: bool | None) -> int:
    if base.exists(name):
        raise DiagnosticError([error("Workspace already exists",
                                     f'Workspace "{name}" already exists.')])
    base.create(name)
    if workspaces.overridden() is not None:
        print_diagnostics([warning(
            "Workspace created but not selected",
            f'Workspace "{name}" was created, but {workspaces.ENV_VAR} selects the workspace '
            "for this shell, so the selection was left unchanged.")], colour=colour)
        return 0
    workspaces.select(root, name)
    print(f'Created and switched to workspace "{name}"!\n\n'
          "You're now on a new, empty workspace. Workspaces isolate their state, so if you "
          'run "govctl plan" govctl will not see any existing state for this configuration.')
    return 0


def _select(root: Path, base: Any, opts: WorkspaceOptions) -> int:
    name = opts.name
    assert name is not None
    _refuse_override("select a new workspace")
    if not base.exists(name):
        if not opts.or_create:
            raise DiagnosticError([error(
                "Workspace doesn't exist",
                f'Workspace "{name}" doesn\'t exist.\n\nYou can create this workspace with the '
                '"new" subcommand or include the "-or-create" flag with the "select" '
                "subcommand.")])
        return _new(root, base, name, opts.colour)
    workspaces.select(root, name)
    print(f'Switched to workspace "{name}".')
    return 0


def _delete(root: Path, base: Any, opts: WorkspaceOptions) -> int:
    name = opts.name
    assert name is not None
    if name == workspaces.DEFAULT:
        raise DiagnosticError([error("Cannot delete the default workspace",
                                     'The "default" workspace always exists.')])
    if not base.exists(name):
        raise DiagnosticError([error("Workspace doesn't exist",
                                     f'Workspace "{name}" doesn\'t exist.')])
    if name == workspaces.current(root):
        raise DiagnosticError([error(
            "Cannot delete the current workspace",
            f'Workspace "{name}" is your active workspace.\n\nYou cannot delete the currently '
            "active workspace. Please switch to another workspace and try again.")])
    backend = base.backend(name)
    with backend.lock("workspace delete", opts.lock_timeout):
        state = backend.read()
        count = sum(1 for _ in state.instances())
        if count and not opts.force:
            raise DiagnosticError([error(
                "Workspace is not empty",
                f'Workspace "{name}" is currently tracking {count} resource instance(s). '
                "Deleting it would leave those objects unmanaged: destroy them first "
                '("govctl destroy" in that workspace), or pass -force to forget them.')])
        kept = base.delete(name)
        backend.forget_place()
    if kept is not None:
        print(f"The workspace's audit log is kept as {kept}.")
    if count:
        print_diagnostics([warning(
            "Workspace deleted with resources",
            f"{count} resource instance(s) of workspace \"{name}\" are no longer managed by "
            "govctl; the objects themselves still exist.")], colour=opts.colour)
    print(f'Deleted workspace "{name}"!')
    return 0


__all__ = ["WorkspaceOptions", "run"]
