"""Resource and data blocks checked against the schemas of installed providers.

`govctl validate` needs no provider, as Terraform's does not need a cloud: a
type whose provider is not installed is left to `govctl init`. For the others
the names are checked statically (unknown arguments and block types, missing
required ones, computed-only ones set); values are checked by plan, once known.
"""

from __future__ import annotations

from govctl.config import model as m
from govctl.diagnostics import Diagnostic


def check_schemas(module: m.Module, own_files: frozenset[str] | None = None
                  ) -> list[Diagnostic]:
    """`own_files`: only blocks declared in these files (parallel validation)."""
    from importlib.metadata import entry_points

    names: set[str] = set()
    stack = [module]
    while stack:
        mod = stack.pop()
        stack.extend(mod.children.values())
        names.update(r.provider_name for r in mod.all_resources())
    # the plugin machinery (pydantic) costs more than a large validate's checks:
    # import it only when a provider the configuration uses is registered
    if not names & {ep.name for ep in entry_points(group="govctl.providers")}:
        return []
    from govctl.lang.values import unknown
    from govctl.plugins.registry import installed
    from govctl.plugins.schema import check_config, schema_from_model

    providers = installed(only=names)
    if not providers:
        return []
    out: list[Diagnostic] = []
    stack = [module]
    while stack:
        mod = stack.pop()
        stack.extend(mod.children.values())
        for res in mod.all_resources():
            if own_files is not None and mod is module and \
                    res.block.src.filename not in own_files:
                continue
            cls = providers.get(res.provider_name)
            if cls is None:
                continue
            table = cls.resources if res.mode == "managed" else cls.data_sources
            model = table.get(res.type)
            if model is not None:
                out += check_config(schema_from_model(model), unknown(), res.body, res.type,
                                    header=res.block.def_range)
    return out
