"""`govctl import ADDR ID`: bring an existing cloud object under management.

As `terraform import`: the resource must be declared in the configuration
(the address needs a provider and a schema, and an object in state with no
configuration would be planned for destruction at once); the object is read
through its provider by id and written to state under the lock, and nothing
in the cloud changes. The next plan compares it with the configuration.

For imports reviewed in a plan, use `import` blocks instead
(govctl.plan.importing).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govctl.addrs import AddrError, InstanceAddr, parse_instance
from govctl.diagnostics import Diagnostic, DiagnosticError, Severity, error
from govctl.render.diagnostics import print_diagnostics

if TYPE_CHECKING:
    from govctl.commands.run import RunOptions
    from govctl.config import model as m
    from govctl.config.evaluate import InputValue


def run(directory: Path, addr: str, id: str, vars: Sequence[tuple[str, str]] = (),
        lock_timeout: float = 0.0, colour: bool | None = None) -> int:
    """Import the object `id` as `addr`; 0 on success, 1 with diagnostics."""
    from govctl.commands.run import RunOptions, _load, _Stop

    opts = RunOptions(directory=Path(directory), vars=list(vars), lock_timeout=lock_timeout)
    try:
        module, values, diags = _load(opts)
        target = _address(addr)
        result = _import(opts, module, values, target, id)
    except _Stop as stop:
        print_diagnostics(stop.diags, colour=colour)
        return stop.code
    except DiagnosticError as exc:
        print_diagnostics(exc.diagnostics, colour=colour)
        return 1
    print_diagnostics(diags + result, colour=colour)
    if any(d.severity is Severity.ERROR for d in result):
        return 1
    print(f"{target}: Import prepared!\n  Prepared {target.resource.type} for import\n"
          f"{target}: Refreshing state... [id={id}]\n\nImport successful!\n\n"
          "The resources that were imported are shown above. These resources are now in\n"
          "your govctl state and will henceforth be managed by govctl.")
    return 0


def _address(text: str) -> InstanceAddr:
    from govctl.commands.run import _Stop

    try:
        addr = parse_instance(text)
    except AddrError as exc:
        raise _Stop(1, [error("Invalid address", str(exc))]) from None
    if addr.resource.mode != "managed":
        raise _Stop(1, [error("Invalid address", f"{text}: data sources cannot be imported; "
                              "they are read, not managed.")])
    return addr


def _import(opts: RunOptions, module: m.Module, values: dict[str, InputValue],
            addr: InstanceAddr, id_: str) -> list[Diagnostic]:
    """Read the object and write it to state; the diagnostics say what went wrong."""
    from govctl.commands.run import _locked, _providers, _Stop, backend_for
    from govctl.config.evaluate import ModuleEval, Options, Result
    from govctl.graph import build, resource_dependencies
    from govctl.plan.importing import config_resource, import_object
    from govctl.plugins.schema import schema_from_model
    from govctl.state.model import InstanceState

    res = config_resource(module, addr)
    if res is None:
        where = "".join(f"module.{n}." for n, _ in addr.module)
        raise _Stop(1, [error(
            "Configuration for import target does not exist",
            f'Before importing this resource, please create its configuration in the '
            f'{"root module" if not where else where[:-1]}. For example:\n\n'
            f'resource "{addr.resource.type}" "{addr.resource.name}" {{\n'
            "  # (resource arguments)\n}")])
    if (addr.key is not None) != (res.count is not None or res.for_each is not None):
        raise _Stop(1, [error(
            "Invalid resource instance key",
            f"{addr}: {res.key} "
            + ("has count or for_each: the address needs an instance key." if addr.key is None
               else "has neither count nor for_each: the address takes no instance key."),
            res.block.def_range)])
    providers = _providers(module)
    probe = ModuleEval(module, values, Options(validate_only=False), module.path, Result())
    _check_declared(probe, res, addr)
    providers.configure(probe)
    diags = list(providers.diagnostics)
    if any(d.severity is Severity.ERROR for d in diags):
        return diags
    key = providers.key_for(res)
    provider = providers.get(key)
    if provider is None:
        return [error("Provider configuration not present",
                      f'{addr} needs the provider "{key}", which is not installed or not '
                      "configured.", res.block.def_range)]
    graph, gdiags = build(module)
    if any(d.severity is Severity.ERROR for d in gdiags):
        return gdiags
    deps = sorted(resource_dependencies(graph).get(addr.config_node, ()))
    backend = backend_for(module, values)
    with _locked(backend, "import", opts):
        state = backend.read()
        if state.instance(addr) is not None:
            return [error("Resource already managed by govctl",
                          f'govctl is already managing a remote object for {addr}. To import '
                          "to this address you must first remove the existing object from the "
                          "state (govctl state rm).")]
        obj, idiags = import_object(provider, addr, id_, None)
        if obj is None:
            return idiags
        schema = schema_from_model(provider.resources[res.type])
        secret = [[n] for n, a in sorted(schema.attributes.items()) if a.sensitive]
        state.set_instance(addr, providers.state_name(key),
                           InstanceState(addr.key, obj, sensitive_paths=secret,
                                         dependencies=deps))
        backend.write(state)
    return diags


def _check_declared(probe: Any, res: m.Resource, addr: InstanceAddr) -> None:
    """A key the resource's count or for_each does not give is refused, as an
    import block's is: the next plan would destroy the object at once. Only
    for root resources, whose keys do not depend on a module's expansion."""
    from govctl.commands.run import _Stop

    if addr.key is None or addr.module:
        return
    keys = probe.instance_keys(res, report=False)
    if keys is None or addr.key in {k for k, _ in keys}:
        return          # None: not known before apply; the plan will say
    raise _Stop(1, [error(
        "Configuration for import target does not exist",
        f"The configuration for the given import target {addr} does not exist: "
        f"{res.key} declares no such instance. All target instances must have an "
        "associated configuration to be imported.", res.block.def_range)])


__all__ = ["run"]
