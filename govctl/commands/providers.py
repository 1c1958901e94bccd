"""`govctl providers`: the providers a configuration needs, module by module
(as `terraform providers` draws them), the providers its state refers to, and
what every installed provider offers (its resource and data source types)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from govctl.commands.init import ModuleNeeds, Need, requirements
from govctl.config import model as m
from govctl.config.loader import load_config
from govctl.diagnostics import Diagnostic, DiagnosticError, Severity, warning
from govctl.render.diagnostics import print_diagnostics


def _errors(diags: list[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in diags)


def _need_line(need: Need, installed: Mapping[str, Any]) -> str:
    text = f"provider[{need.source}]"
    if need.version:
        text += f" {need.version}"
    if need.name not in installed:
        text += " (not installed)"
    return text


def tree_lines(root: m.Module, tree: list[ModuleNeeds],
               installed: Mapping[str, Any]) -> list[str]:
    """The requirement tree: "." for the root module, then its providers and
    the modules it calls, each with theirs."""
    by_address = {mod.address: mod for mod in tree}
    lines = ["."]

    def draw(module: m.Module, address: str, indent: str) -> None:
        entries: list[tuple[str, str | None, m.Module | None]] = [
            (_need_line(n, installed), None, None) for n in by_address[address].needs]
        for name in sorted(module.children):
            child = f"{address}.module.{name}" if address else f"module.{name}"
            entries.append((f"module.{name}", child, module.children[name]))
        for i, (text, child_address, child_module) in enumerate(entries):
            last = i == len(entries) - 1
            lines.append(f"{indent}{'└── ' if last else '├── '}{text}")
            if child_address is not None and child_module is not None:
                draw(child_module, child_address, indent + ("    " if last else "│   "))

    draw(root, "", "")
    return lines


def _state_providers(root: m.Module, diags: list[Diagnostic]) -> list[str]:
    from govctl.commands.run import _Stop, backend_for

    try:
        backend = backend_for(root)
        if not backend.exists():
            return []
        state = backend.read()
    except _Stop as stop:
        diags += stop.diags
        return []
    except DiagnosticError as exc:
        diags += exc.diagnostics
        return []
    return sorted({rs.provider for _, rs, _ in state.instances()})


def run(directory: Path, colour: bool | None = None) -> int:
    from govctl.plugins.registry import discover

    root, diags = load_config(directory)
    if _errors(diags):
        print_diagnostics(diags, colour=colour)
        return 1
    found = discover()
    installed = found.providers
    tree = requirements(root)
    print("\nProviders required by configuration:")
    print("\n".join(tree_lines(root, tree, installed)))
    in_state = _state_providers(root, diags)
    if in_state:
        print("\nProviders required by state:\n")
        for p in in_state:
            print(f"    {p}")
    print("\nInstalled providers:\n")
    if not installed:
        print("    none: providers are Python packages registering a \"govctl.providers\" "
              "entry point")
    for name, cls in sorted(installed.items()):
        meta = cls.meta
        print(f"- {name}: {meta.source} v{meta.version} ({found.origins[name]})")
        resources = ", ".join(sorted(cls.resources)) or "none"
        data = ", ".join(sorted(cls.data_sources)) or "none"
        print(f"    resource types:    {resources}")
        print(f"    data source types: {data}")
    print_diagnostics([*diags, *(warning(d.summary, d.detail, d.range)
                                 for d in found.diagnostics)], colour=colour)
    return 1 if _errors(diags) else 0


__all__ = ["run", "tree_lines"]
