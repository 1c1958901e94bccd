"""What `govctl validate` checks beyond evaluation: blocks against the schemas
of installed providers, and the dependency graph's cycles.

`govctl validate` needs no provider, as Terraform's does not need a cloud: a
type whose provider is not installed is left to `govctl init`. For the others
the names are checked statically (unknown arguments and block types, missing
required ones, computed-only ones set), and so are the values validate already
knows (literals, and whatever does not depend on root variables or on other
resources), with the words plan uses; the rest is checked by plan, once known.
Provider blocks are checked the same way, as they are once more when a command
configures the providers (govctl.plan.providers).

Plan refuses a configuration whose graph has a cycle; so does validate. The
evaluator finds some of those cycles too ("Cycle in references"), but only the
graph sees every one, each link with its place: its report replaces those.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from govctl.config import model as m
from govctl.config.evaluate import Instance, ModuleEval, Options, Result
from govctl.diagnostics import Diagnostic, Range, error
from govctl.hcl import ast
from govctl.lang.values import Value

if TYPE_CHECKING:
    from govctl.plugins.protocol import Provider

#: the evaluator's summary for a cycle it met, which the graph reports better
EVALUATOR_CYCLE = "Cycle in references"

#: arguments of a provider block that configure govctl, not the provider
PROVIDER_META = frozenset({"alias"})


def evaluate(module: m.Module, opts: Options) -> tuple[Result, dict[str, Value]]:
    """evaluate_config's result, and the value of each root provider block
    (by key, "aws.west") for check_schemas: the evaluator evaluates them for
    their errors but keeps no value. Empty when `opts` leaves module-wide
    values to another worker (parallel validation)."""
    me = ModuleEval(module, {}, opts, module.path, Result())
    me.run()
    values = {key: me.body.evaluate(pc.body, {}, skip=PROVIDER_META)
              for key, pc in module.providers.items()} if opts.module_wide else {}
    return me.result, values


def check_schemas(module: m.Module, own_files: frozenset[str] | None = None,
                  instances: Iterable[Instance] = (),
                  providers: Mapping[str, Value] | None = None) -> list[Diagnostic]:
    """`own_files`: only blocks declared in these files (parallel validation).
    `instances`: the evaluated instances, whose known values are checked (a
    resource without one is checked by name only). `providers`: the values of
    the root module's provider blocks (evaluate()); None leaves provider
    blocks to another worker."""
    from importlib.metadata import entry_points

    names = _provider_names(module, providers is not None)
    # the plugin machinery (pydantic) costs more than a large validate's checks:
    # import it only when a provider the configuration uses is registered
    if not names & {ep.name for ep in entry_points(group="govctl.providers")}:
        return []
    from govctl.plugins.registry import installed

    found = installed(only=names)
    if not found:
        return []
    configs: dict[int, list[Value]] = {}
    for inst in instances:
        configs.setdefault(id(inst.resource), []).append(inst.config)
    out: list[Diagnostic] = []
    stack = [module]
    while stack:
        mod = stack.pop()
        stack.extend(mod.children.values())
        for res in mod.all_resources():
            if own_files is not None and mod is module and \
                    res.block.src.filename not in own_files:
                continue
            out += _check_resource(found, res, configs.get(id(res), []))
    for key, value in (providers or {}).items():
        pc = module.providers[key]
        cls = found.get(pc.name)
        if cls is not None:
            out += check_provider(cls, pc, value)
    # instances of one block share its expressions: one report per mistake
    return list(dict.fromkeys(out))


def _provider_names(module: m.Module, with_blocks: bool) -> set[str]:
    """The providers the module tree uses: by its resources, and by the root's
    provider blocks when those are checked here."""
    names = {pc.name for pc in module.providers.values()} if with_blocks else set()
    stack = [module]
    while stack:
        mod = stack.pop()
        stack.extend(mod.children.values())
        names.update(r.provider_name for r in mod.all_resources())
    return names


def _check_resource(found: Mapping[str, type[Provider]], res: m.Resource,
                    configs: list[Value]) -> list[Diagnostic]:
    from govctl.lang.values import unknown
    from govctl.plugins.schema import check_config, schema_from_model

    cls = found.get(res.provider_name)
    if cls is None:
        return []
    table = cls.resources if res.mode == "managed" else cls.data_sources
    model = table.get(res.type)
    if model is None:
        return []
    schema = schema_from_model(model)
    return [d for config in configs or [unknown()]
            for d in check_config(schema, config, res.body, res.type,
                                  header=res.block.def_range)]


def check_provider(cls: type[Provider], pc: m.ProviderConfig, value: Value
                   ) -> list[Diagnostic]:
    """A provider block against its provider's config_schema, in Terraform's
    words ("is not expected here"): validate checks it statically and with
    the values it knows, and configuring checks it again with every value
    known, so that a wrong one is a diagnostic, not a provider's traceback."""
    if cls.config_schema is None:
        return []
    from govctl.plan.provider_errors import provider_message
    from govctl.plugins.schema import check_config, schema_from_model, to_provider

    schema = schema_from_model(cls.config_schema)
    problems = check_config(schema, value, _provider_body(pc), "", header=pc.block.def_range)
    if problems:
        return problems
    config, _ = to_provider(schema, value)      # UNKNOWN where not yet known
    try:
        found = cls().validate_config(config)
    except Exception as exc:  # a provider bug: reported with the others, at the block
        found = [exc]
    return [error(f'Invalid provider configuration for "{pc.key}"', provider_message(exc),
                  provider_error_range(pc, exc)) for exc in found]


def provider_error_range(pc: m.ProviderConfig, exc: Exception) -> Range:
    """Where a provider's error about its block points: the argument (or nested
    block) it names, as govctl.plan.provider_errors.where does for a
    resource's, else the block's header."""
    from govctl.plugins.protocol import ProviderError

    attr = exc.attribute.split(".")[0] if isinstance(exc, ProviderError) and \
        exc.attribute else None
    if attr in pc.body.attributes:
        return pc.body.attributes[attr].expr.range
    blocks = pc.body.blocks_of(attr) if attr else []
    return blocks[0].def_range if blocks else pc.block.def_range


def _provider_body(pc: m.ProviderConfig) -> ast.Body:
    """The block's body without govctl's own arguments (`alias`), which the
    provider's schema does not know."""
    body = pc.body
    if not PROVIDER_META & body.attributes.keys():
        return body
    attrs = {k: a for k, a in body.attributes.items() if k not in PROVIDER_META}
    return ast.Body(body.src, body.start, body.end, attrs, body.blocks)


def graph_cycles(module: m.Module) -> list[Diagnostic]:
    """The cycles plan would refuse (govctl.graph.find_cycles). An acyclic
    graph, the usual case, is told apart without networkx, whose import and
    graph cost more than the rest of a small validate."""
    from govctl.graph import build, resource_dependencies_of

    if resource_dependencies_of(module) is not None:
        return []
    return build(module)[1]


def with_cycles(diags: list[Diagnostic], cycles: list[Diagnostic]) -> list[Diagnostic]:
    """`diags` with the graph's `cycles`, in place of the evaluator's reports of
    the same knots: one report per cycle, the one that shows every link."""
    if not cycles:
        return diags
    return [d for d in diags if d.summary != EVALUATOR_CYCLE] + cycles
