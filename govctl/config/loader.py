"""Directory -> module tree.

Every `.hcl` file of a directory is one module (sorted by name, so messages
come in a stable order). Module sources are local paths: `./x` and `../x`
relative to the calling module, and `modules/<name>` looked up from the root
module upwards, so a repository's shared `modules/` directory is found from
any configuration inside it.
"""

from __future__ import annotations

from pathlib import Path

from govctl.config.decode import Decoder
from govctl.config.model import Module
from govctl.diagnostics import Diagnostic, error
from govctl.hcl import ast
from govctl.hcl.parser import parse

CONFIG_SUFFIX = ".hcl"
MAX_MODULE_DEPTH = 32


def config_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir()
                  if p.is_file() and p.suffix == CONFIG_SUFFIX and not p.name.startswith("."))


def display_path(path: Path) -> str:
    """Paths in messages: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def parse_files(paths: list[Path]) -> tuple[list[ast.File], list[Diagnostic]]:
    files: list[ast.File] = []
    diags: list[Diagnostic] = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:
            diags.append(error("Failed to read file", f"{display_path(path)}: {exc.strerror}"))
            continue
        f, fdiags = parse(data, display_path(path))
        diags.extend(fdiags)
        if f is not None:
            files.append(f)
    return files, diags


def decode_module(directory: Path, files: list[ast.File]) -> tuple[Module, list[Diagnostic]]:
    dec = Decoder(directory)
    for f in files:
        dec.add_file(f)
    return dec.module, dec.diags


def load_module_dir(directory: Path) -> tuple[Module, list[Diagnostic]]:
    files, diags = parse_files(config_files(directory))
    module, ddiags = decode_module(directory, files)
    return module, diags + ddiags


def load_config(root: Path, allow_empty: bool = False) -> tuple[Module, list[Diagnostic]]:
    """The root module and all its descendants; diagnostics from every file.

    `allow_empty`: a directory without configuration is an empty module (the
    console evaluates expressions anywhere, as Terraform's does)."""
    root = root.resolve()
    if not root.is_dir():
        return Module(path=root), [error("No configuration directory",
                                         f"{root} is not a directory.")]
    module, diags = load_module_dir(root)
    return module, finish_root(module, root, diags, allow_empty)


def finish_root(module: Module, root: Path, diags: list[Diagnostic],
                allow_empty: bool = False) -> list[Diagnostic]:
    """Checks on the root module as a whole, then load the modules it calls."""
    if not module.files and not diags and not allow_empty:
        diags.append(error("No configuration files",
                           f"The directory {display_path(root)} contains no {CONFIG_SUFFIX} "
                           "files."))
    _load_children(module, root, diags, (root,))
    return diags


def _load_children(module: Module, root: Path, diags: list[Diagnostic],
                   stack: tuple[Path, ...]) -> None:
    for name, call in module.module_calls.items():
        path = resolve_source(call.source, module.path, root)
        if path is None:
            diags.append(error("Module not found",
                               f'The module source "{call.source}" does not name a directory. '
                               "Local sources start with ./ or ../ (relative to this module) "
                               "or modules/ (the repository's shared modules).",
                               call.source_range_node.range))
            continue
        if path in stack or len(stack) > MAX_MODULE_DEPTH:
            diags.append(error("Module cycle",
                               f'The module "{name}" includes {display_path(path)}, which is '
                               "already being loaded: a module cannot call itself, directly "
                               "or indirectly.", call.source_range_node.range))
            continue
        child, cdiags = load_module_dir(path)
        diags.extend(cdiags)
        if not child.files and not cdiags:
            diags.append(error("Empty module",
                               f"The module directory {display_path(path)} has no "
                               f"{CONFIG_SUFFIX} files.", call.source_range_node.range))
        module.children[name] = child
        _load_children(child, root, diags, (*stack, path))


def resolve_source(source: str, caller: Path, root: Path) -> Path | None:
    if source.startswith(("./", "../")) or source in (".", ".."):
        p = (caller / source).resolve()
        return p if p.is_dir() else None
    if source.startswith("modules/"):
        for base in (root, *root.parents):
            p = (base / source).resolve()
            if p.is_dir():
                return p
    return None
