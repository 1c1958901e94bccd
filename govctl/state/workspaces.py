"""Workspaces: several states for one configuration, as Terraform's local backend.

The default workspace keeps the backend's state path; workspace W keeps its
state in `govctl.tfstate.d/W/govctl.tfstate` beside it, so its backup, lock,
journal and audit log sit in its own directory. The current workspace is
recorded in `.govctl/environment` in the root module directory, and the
`GOVCTL_WORKSPACE` environment variable overrides it (as TF_WORKSPACE does), so
that CI can pick a workspace without writing files. Every command that uses a
state finds its path through `state_path`, and so a remote backend only has to
provide the same three questions (list, exists, path) for its own storage.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from govctl import atomic
from govctl.diagnostics import DiagnosticError, error

DEFAULT = "default"
ENV_VAR = "GOVCTL_WORKSPACE"
STATES_DIR = "govctl.tfstate.d"
STATE_NAME = "govctl.tfstate"
ENVIRONMENT_FILE = Path(".govctl") / "environment"

_NAME = re.compile(r"[A-Za-z0-9_-]+\Z")


def name_problem(name: str) -> str | None:
    """Why `name` cannot name a workspace, or None. Names become directory names,
    so only letters, digits, `-` and `_` (no `/`, `..` or spaces) are allowed."""
    if not _NAME.match(name):
        return (f'The workspace name "{name}" is not allowed. A name may contain only '
                "letters, digits, \"-\" and \"_\".")
    return None


def check_name(name: str) -> None:
    problem = name_problem(name)
    if problem is not None:
        raise DiagnosticError([error("Invalid workspace name", problem)])


def overridden() -> str | None:
    """The workspace GOVCTL_WORKSPACE selects, if it is set (and not empty)."""
    return os.environ.get(ENV_VAR) or None


def current(root_dir: Path) -> str:
    """The current workspace of the configuration in `root_dir`."""
    env = overridden()
    if env is not None:
        return env
    try:
        text = (root_dir / ENVIRONMENT_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return DEFAULT
    return text or DEFAULT


def select(root_dir: Path, name: str) -> None:
    """Record `name` as the current workspace (written whole: never a torn name)."""
    path = root_dir / ENVIRONMENT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.replace(path, name.encode("utf-8") + b"\n")


def workspace_dir(base_path: Path, name: str) -> Path:
    return base_path.parent / STATES_DIR / name


def path_for(base_path: Path, name: str) -> Path:
    """The state path of workspace `name`, given the default workspace's."""
    return base_path if name == DEFAULT else workspace_dir(base_path, name) / STATE_NAME


def names(base_path: Path) -> list[str]:
    """Every workspace: default first, then the others by name."""
    found = []
    with_states = base_path.parent / STATES_DIR
    if with_states.is_dir():
        found = sorted(p.name for p in with_states.iterdir()
                       if p.is_dir() and name_problem(p.name) is None)
    return [DEFAULT, *found]


def exists(base_path: Path, name: str) -> bool:
    return name == DEFAULT or (name_problem(name) is None
                               and workspace_dir(base_path, name).is_dir())


def state_path(root_dir: Path, base_path: Path) -> Path:
    """The state path of the current workspace of the configuration in `root_dir`,
    whose default workspace keeps its state at `base_path`. Raises DiagnosticError
    when the current workspace is not a valid name or does not exist: a typo in
    GOVCTL_WORKSPACE must not start a new, empty state and re-create everything."""
    name = current(root_dir)
    problem = name_problem(name)
    source = (f"the {ENV_VAR} environment variable" if overridden() is not None
              else str(root_dir / ENVIRONMENT_FILE))
    if problem is not None:
        raise DiagnosticError([error("Invalid workspace name",
                                     f"{problem} It is selected by {source}.")])
    if not exists(base_path, name):
        raise DiagnosticError([error(
            "Currently selected workspace does not exist",
            f'The workspace "{name}", selected by {source}, does not exist. Create it with '
            f'"govctl workspace new {name}", or select another one.')])
    return path_for(base_path, name)


__all__ = ["DEFAULT", "ENV_VAR", "check_name", "current", "exists", "name_problem", "names",
           "overridden", "path_for", "select", "state_path", "workspace_dir"]
