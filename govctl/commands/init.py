"""`govctl init`: check that a configuration can run here, and prepare its backend.

Providers are Python packages registered under the `govctl.providers` entry
point group, so there is nothing to download: init loads the configuration
and every module it calls, works out which providers they need (the
`required_providers` entries, plus the provider of every resource and data
type by its prefix, `mem_object` -> `mem`), and checks each against the
installed providers: present, from the declared source, at an allowed
version. It also checks `required_version` and the backend settings, and
creates the directory the local state file goes in.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govctl import __version__
from govctl.config import model as m
from govctl.config.loader import display_path, load_config
from govctl.diagnostics import Diagnostic, DiagnosticError, Severity, error, warning
from govctl.hcl import ast
from govctl.render.diagnostics import print_diagnostics


@dataclass(frozen=True)
class Need:
    """One module's need for a provider.

    `explicit`: declared in the module's `required_providers`; otherwise implied
    by `used_by` (a resource or data type, or a provider block). An implied need
    takes the source the nearest calling module declares, else `govctl/<name>`,
    and any version."""

    name: str
    source: str
    version: str
    explicit: bool
    node: ast.Node
    used_by: str = ""


@dataclass(frozen=True)
class ModuleNeeds:
    address: str          # "" for the root module, else module.a.module.b
    module: m.Module
    needs: list[Need]


def requirements(root: m.Module) -> list[ModuleNeeds]:
    """The providers each module needs, in module order, names sorted."""
    out: list[ModuleNeeds] = []
    _collect(root, "", {}, out)
    return out


def _collect(module: m.Module, address: str, inherited: Mapping[str, str],
             out: list[ModuleNeeds]) -> None:
    declared = module.settings.required_providers
    needs = [Need(name, req.source, req.version, True, req.node)
             for name, req in declared.items()]
    implied: dict[str, Need] = {}
    for res in module.all_resources():
        name = res.provider_name
        if name not in declared and name not in implied:
            implied[name] = Need(name, inherited.get(name, f"govctl/{name}"), "", False,
                                 _header(res.block), res.key)
    for pc in module.providers.values():
        if pc.name not in declared and pc.name not in implied:
            implied[pc.name] = Need(pc.name, inherited.get(pc.name, f"govctl/{pc.name}"), "",
                                    False, _header(pc.block), f'provider "{pc.name}"')
    needs += implied.values()
    out.append(ModuleNeeds(address, module, sorted(needs, key=lambda n: n.name)))
    sources = {**inherited, **{name: req.source for name, req in declared.items()}}
    for name in sorted(module.children):
        child = f"{address}.module.{name}" if address else f"module.{name}"
        _collect(module.children[name], child, sources, out)


def _header(block: ast.Block) -> ast.Node:
    """The block's type and labels, where messages about the block point."""
    end = block.label_spans[-1][1] if block.label_spans else block.type_end
    return ast.Node(block.src, block.start, end)


def check_providers(tree: list[ModuleNeeds],
                    installed: Mapping[str, Any]) -> list[Diagnostic]:
    """Every need met by an installed provider (registry.check_required), each
    implied need reported once however many modules share it."""
    from govctl.plugins.registry import check_required

    diags: list[Diagnostic] = []
    seen: set[tuple[str, str]] = set()
    for mod in tree:
        diags += check_required(mod.module.settings.required_providers, installed)
        for n in mod.needs:
            if n.explicit or (n.name, n.source) in seen:
                continue
            seen.add((n.name, n.source))
            where = f" in {mod.address}" if mod.address else ""
            why = (f'The configuration uses {n.used_by}{where}, which belongs to provider '
                   f'"{n.name}" by its prefix, and does not declare "{n.name}" in '
                   "required_providers. ")
            for d in check_required({n.name: m.RequiredProvider(n.name, n.source, "", n.node)},
                                    installed):
                diags.append(dataclasses.replace(d, detail=why + d.detail))
    return diags


def required_problems(root: m.Module, installed: Mapping[str, Any]) -> list[Diagnostic]:
    """What init says of every module's required_providers (a provider missing,
    from another source, or at a version outside the constraints), for the
    commands that call providers: a provider upgraded or swapped since init is
    refused there too, as Terraform refuses one its lock file does not allow.
    Needs only implied by a resource type are left to the command, which
    reports a missing provider where the resource uses it."""
    from govctl.plugins.registry import check_required

    diags: list[Diagnostic] = []
    stack = [root]
    while stack:
        mod = stack.pop()
        stack.extend(mod.children[name] for name in sorted(mod.children, reverse=True))
        diags += check_required(mod.settings.required_providers, installed)
    return diags


def _check_version(tree: list[ModuleNeeds]) -> list[Diagnostic]:
    from govctl.plugins.registry import ConstraintError, satisfies

    diags: list[Diagnostic] = []
    for mod in tree:
        wanted = mod.module.settings.required_version
        if not wanted:
            continue
        where = mod.address or "the root module"
        try:
            ok = satisfies(__version__, wanted)
        except ConstraintError as exc:
            diags.append(error("Invalid required_version", f"In {where}: {exc}"))
            continue
        if not ok:
            diags.append(error(
                "Unsupported govctl version",
                f'{mod.address or "The root module"} requires govctl version '
                f'"{wanted}", but this is govctl {__version__}. Use a govctl version that '
                "meets the constraint, or change the constraint."))
    return diags


@dataclass(frozen=True)
class InitOptions:
    migrate_state: bool = False
    reconfigure: bool = False
    force_copy: bool = False
    vars: list[Any] = field(default_factory=list)     # -var/-var-file: encryption keys


def _backend(root: m.Module, diags: list[Diagnostic], opts: InitOptions) -> str | None:
    """Set up the configured backend: copy the states over from the previous one
    when asked (govctl.state.migrate), remember it once it works, and say where
    the current workspace's state is; None after a diagnostic."""
    from govctl.commands.run import _Stop, backends_for, encryption_values
    from govctl.state import migrate

    try:
        configured = backends_for(root, encryption_values(root, opts.vars), initialised=False)
        prior = None if opts.reconfigure else migrate.previous(
            root.path, configured, **configured.extras)
        if prior is not None:
            prior.accept_plain = True
            if not opts.migrate_state:
                migrate.check_initialised(root.path, configured)
            print(f"- migrating state from {prior.describe()} to {configured.describe()}")
            configured.accept_plain = True      # unencrypted state is being encrypted now
            migrate.copy_all(prior, configured, force=opts.force_copy,
                             report=lambda line: print("  " + line))
        advice = configured.advice()
        diags += advice
        if _errors(advice):
            # not recorded: once the block is fixed, init must not take this
            # backend, which never held a state, for one to migrate from
            return None
        backend = configured.current(root.path)
        migrate.record(root.path, configured)
    except _Stop as stop:
        diags += stop.diags
        return None
    except DiagnosticError as exc:
        diags += exc.diagnostics
        return None
    path = getattr(backend, "path", None)
    if path is None:
        return f"{backend.kind}: state in {backend.where}"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        diags.append(error("Failed to create the state directory",
                           f"{display_path(path.parent)}: {exc.strerror}."))
        return None
    return f"local: state in {display_path(path)}"


def _errors(diags: list[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in diags)


def run(directory: Path, colour: bool | None = None, opts: InitOptions | None = None) -> int:
    from govctl.plugins.registry import discover

    root, diags = load_config(directory)
    if _errors(diags):
        print_diagnostics(diags, colour=colour)
        return 1
    tree = requirements(root)
    modules = [(mod.address, mod.module) for mod in tree if mod.address]
    if modules:
        print("Initializing modules...")
        for address, module in modules:
            print(f"- {address} in {display_path(module.path)}")
        print()
    diags += _check_version(tree)
    print("Initializing the backend...")
    where = _backend(root, diags, opts or InitOptions())
    if where is not None:
        print(f"- {where}")
    print("\nInitializing provider plugins...")
    found = discover()
    problems = check_providers(tree, found.providers)
    # A plugin that fails to load matters only when the configuration needs it,
    # and then check_providers reports it missing: otherwise it is a warning.
    plugin_diags = found.diagnostics if _errors(problems) else \
        [warning(d.summary, d.detail, d.range) for d in found.diagnostics]
    diags += problems + plugin_diags
    names = sorted({n.name for mod in tree for n in mod.needs})
    for name in names:
        cls = found.providers.get(name)
        if cls is not None:
            meta = cls.meta
            print(f"- {name}: {meta.source} v{meta.version} ({found.origins[name]})")
    if not names:
        print("- the configuration needs no providers")
    print_diagnostics(diags, colour=colour)
    if _errors(diags):
        print("\ngovctl init failed: fix the problems above and run it again.")
        return 1
    print("\ngovctl has been successfully initialized!\n\n"
          'You may now begin working with govctl. Try running "govctl plan" to see any\n'
          "changes that are required for your infrastructure.")
    return 0


__all__ = ["ModuleNeeds", "Need", "check_providers", "required_problems", "requirements",
           "run"]
