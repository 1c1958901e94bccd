"""The dependency graph of a configuration: which block must be evaluated
(or applied) before which.

One node per declared object of the whole module tree, named as Terraform
writes addresses, with the calling modules as a prefix and no instance keys
(`var.x`, `local.y`, `output.z`, `aws_s3_bucket.b`, `data.aws_iam_role.r`,
`module.m`, `provider.aws`, `provider.aws.west`, `module.m.var.x`, ...):
count/for_each expansion happens later, on this graph, so the graph must not
depend on values.

An edge A -> B means "A depends on B": B is evaluated first. Each edge keeps
the source ranges of the references that created it, so a cycle can be
reported with the exact place of every link, and `govctl graph` can show why
two objects are connected.

Edges come from the static references of every expression of a block
(govctl.config.refs), its depends_on, and three structural rules: a child
module's variable depends on the caller's expression for it, everything in a
child module depends on its module call (which expands it), and a resource
depends on the provider configuration that serves it. A reference to
something undeclared is skipped here, because validate reports it with a
suggestion, and one message per mistake is enough.
"""

from __future__ import annotations

import graphlib
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from govctl.config import model as m
from govctl.config.refs import Key, Ref, references
from govctl.diagnostics import Diagnostic, Range, Severity, error, warning
from govctl.gcpause import paused
from govctl.hcl import ast

if TYPE_CHECKING:
    import networkx as nx

VARIABLE = "variable"
LOCAL = "local"
OUTPUT = "output"
RESOURCE = "resource"
DATA = "data"
MODULE = "module"
PROVIDER = "provider"

RESOURCE_KINDS = frozenset({RESOURCE, DATA})
"""Kinds that are planned and applied; everything else is only evaluated."""

MAX_CYCLES = 10
"""Cycles reported per run: a dense knot of references has exponentially many,
and the first few are enough to find the knot."""

GRAPH_TYPES = ("plan", "apply")
"""`govctl graph -type=...`: before expansion both walk the same graph."""

# roots that name no node: values of the block being evaluated or of the run
_CONTEXT_ROOTS = frozenset({"count", "each", "self", "path", "terraform", "govctl"})


# --------------------------------------------------------------------------- build


def build(root: m.Module) -> tuple[nx.DiGraph, list[Diagnostic]]:
    """The dependency graph of the module tree under `root`, and its problems.

    The diagnostics are the cycles (find_cycles), because a graph with a
    cycle cannot be walked; references to undeclared objects are not
    reported here (validate does). Node attributes: `kind`, `model` (the
    config object, None for an implicit provider configuration), `range`
    (where it is declared, None when implicit) and `module` (the tuple of
    module call names it lives in). Edge attribute: `refs`, the ranges of
    the references that created the edge, in the order they were met (a
    RefRanges sequence: converted to line and column on first access).
    """
    import networkx as nx

    with paused():
        builder = _Builder()
        builder.module(_Scope(root, ()))
        graph = nx.DiGraph()
        graph.add_nodes_from(builder.nodes.items())
        graph.add_edges_from((a, b, {"refs": refs}) for (a, b), refs in builder.edges.items())
        return graph, find_cycles(graph)


@dataclass
class _Scope:
    """One module of the tree: where its names resolve and how it was called."""

    module: m.Module
    path: tuple[str, ...]
    parent: _Scope | None = None
    call: m.ModuleCall | None = None
    prefix: str = field(init=False)
    call_node: str | None = field(init=False)

    def __post_init__(self) -> None:
        self.prefix = "".join(f"module.{name}." for name in self.path)
        self.call_node = self.prefix[:-1] if self.path else None


class RefRanges(Sequence[Range]):
    """The ranges of the references behind one edge, in the order they were met.

    Converting a byte offset to a line and character column costs more than
    building the rest of the graph (measured: 1.0 s of 1.4 s at 5,000
    resources), and only a cycle report or a debugging session ever looks at
    them; so the syntax nodes are kept and converted on first access.
    """

    __slots__ = ("_nodes", "_ranges")

    def __init__(self, *nodes: ast.Node):
        self._nodes: list[ast.Node] = list(nodes)
        self._ranges: list[Range] | None = None

    def add(self, node: ast.Node) -> None:
        self._nodes.append(node)
        self._ranges = None

    def _all(self) -> list[Range]:
        if self._ranges is None:
            # a block stands for its header, where Terraform points too
            self._ranges = [n.def_range if isinstance(n, ast.Block) else n.range
                            for n in self._nodes]
        return self._ranges

    @overload
    def __getitem__(self, i: int) -> Range: ...
    @overload
    def __getitem__(self, i: slice) -> list[Range]: ...
    def __getitem__(self, i: int | slice) -> Range | list[Range]:
        return self._all()[i]

    def __len__(self) -> int:
        return len(self._nodes)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RefRanges | list):
            return self._all() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"RefRanges({', '.join(map(str, self._all()))})"


class _Builder:
    """Collects nodes and edges in plain dicts, handed to networkx once at the
    end: adding edge by edge through networkx costs several times more."""

    def __init__(self) -> None:
        self.nodes: dict[str, dict[str, Any]] = {}
        self.edges: dict[tuple[str, str], RefRanges] = {}
        self._provider_maps: dict[int, dict[str, str]] = {}

    # --- primitives -----------------------------------------------------------
    def node(self, scope: _Scope, name: str, kind: str, model: object,
             rng: Range | None) -> str:
        """Add a node; inside a child module it also depends on the module
        call, which decides its expansion (count/for_each) and carries the
        call's depends_on, as Terraform's module expansion node does."""
        full = scope.prefix + name
        self.nodes[full] = {"kind": kind, "model": model, "range": rng, "module": scope.path}
        if scope.call is not None and scope.call_node is not None:
            self.edge(full, scope.call_node, scope.call.block)
        return full

    def edge(self, src: str, dst: str, at: ast.Node) -> None:
        """`at`: the reference expression, or a block for its header."""
        refs = self.edges.get((src, dst))
        if refs is None:
            self.edges[(src, dst)] = RefRanges(at)
        else:
            refs.add(at)

    def depend(self, src: str, scope: _Scope, refs: Iterable[Ref],
               whole_modules: bool = False) -> None:
        """Edges from `src` to whatever each reference names in `scope`."""
        for ref in refs:
            for target in self.resolve(scope, ref, whole_modules):
                self.edge(src, target, ref.node)

    # --- references -----------------------------------------------------------
    def resolve(self, scope: _Scope, ref: Ref, whole_modules: bool = False) -> list[str]:
        """The nodes a reference names; empty when it names nothing declared.

        `whole_modules`: a depends_on reference to `module.m` waits for every
        resource inside it, not only for what its outputs happen to use."""
        root = ref.root
        if root in _CONTEXT_ROOTS:
            return []
        name = ref.attr(0)
        if name is None:
            return []
        mod = scope.module
        p = scope.prefix
        if root == "var":
            return [f"{p}var.{name}"] if name in mod.variables else []
        if root == "local":
            return [f"{p}local.{name}"] if name in mod.locals else []
        if root == "module":
            return self._module_ref(scope, ref, name, whole_modules)
        if root == "data":
            key = f"data.{name}.{ref.attr(1)}"
            return [p + key] if key in mod.data else []
        key = f"{root}.{name}"
        return [p + key] if key in mod.resources else []

    def _module_ref(self, scope: _Scope, ref: Ref, name: str, whole: bool) -> list[str]:
        child = scope.module.children.get(name)
        if child is None or name not in scope.module.module_calls:
            return []   # undeclared, or not loaded: both already reported
        base = f"{scope.prefix}module.{name}."
        steps = ref.steps[1:]
        if steps and isinstance(steps[0], Key):
            steps = steps[1:]   # module.m[0].out
        if steps and isinstance(steps[0], str):
            return [f"{base}output.{steps[0]}"] if steps[0] in child.outputs else []
        # the whole module object (or one instance of it): every output
        targets = [f"{base}output.{o}" for o in child.outputs]
        if whole:
            targets.extend(_subtree_resources(child, base))
        return targets or [base[:-1]]

    # --- modules --------------------------------------------------------------
    def module(self, scope: _Scope) -> None:
        mod = scope.module
        for var in mod.variables.values():
            self.variable(scope, var)
        for loc in mod.locals.values():
            n = self.node(scope, f"local.{loc.name}", LOCAL, loc, loc.attr.name_range)
            self.depend(n, scope, references(loc.attr.expr))
        for out in mod.outputs.values():
            n = self.node(scope, f"output.{out.name}", OUTPUT, out, out.block.def_range)
            self.depend(n, scope, references(out.value))
            self.depend(n, scope, _refs_of(out.depends_on), whole_modules=True)
            self.depend(n, scope, _condition_refs(out.preconditions))
        for pc in mod.providers.values():
            n = self.node(scope, f"provider.{pc.key}", PROVIDER, pc, pc.block.def_range)
            self.depend(n, scope, _body_refs(pc.body, frozenset()))
        for res in mod.resources.values():
            self.resource(scope, res, RESOURCE)
        for res in mod.data.values():
            self.resource(scope, res, DATA)
        for imp in mod.imports:
            self.import_(scope, imp)
        for call in mod.module_calls.values():
            n = self.node(scope, f"module.{call.name}", MODULE, call, call.block.def_range)
            self.depend(n, scope, _refs_of([call.count, call.for_each]))
            self.depend(n, scope, _refs_of(call.depends_on), whole_modules=True)
            child = mod.children.get(call.name)
            if child is not None:
                self.module(_Scope(child, (*scope.path, call.name), scope, call))

    def variable(self, scope: _Scope, var: m.Variable) -> None:
        n = self.node(scope, f"var.{var.name}", VARIABLE, var, var.block.def_range)
        # a validation reads its own variable: that is not a dependency
        own = [r for r in _condition_refs(var.validations)
               if r.root != "var" or r.attr(0) != var.name]
        self.depend(n, scope, own)
        call, parent = scope.call, scope.parent
        if call is not None and parent is not None and var.name in call.inputs:
            # the value comes from the caller: resolve its references there
            self.depend(n, parent, references(call.inputs[var.name].expr))

    def resource(self, scope: _Scope, res: m.Resource, kind: str) -> None:
        n = self.node(scope, res.key, kind, res, res.block.def_range)
        self.depend(n, scope, _refs_of([res.count, res.for_each]))
        self.depend(n, scope, _body_refs(res.body, frozenset()))
        self.depend(n, scope, _refs_of(res.depends_on), whole_modules=True)
        lc = res.lifecycle
        self.depend(n, scope, _refs_of(lc.replace_triggered_by))
        self.depend(n, scope, _condition_refs([*lc.preconditions, *lc.postconditions]))
        # lifecycle.ignore_changes names attributes of this resource: no edges
        if res.provider is not None:
            name, alias = res.provider
            key = f"{name}.{alias}" if alias else name
        else:
            key = res.provider_name
        provider = self.provider(scope, key)
        if provider is not None:
            self.edge(n, provider, res.provider_expr or res.block)

    def import_(self, scope: _Scope, imp: m.Import) -> None:
        """The import target cannot be read before its id is known."""
        targets = references(imp.to)
        if len(targets) != 1 or targets[0].root in ("module", "data", "var", "local"):
            return
        for target in self.resolve(scope, targets[0]):
            self.depend(target, scope, references(imp.id))

    # --- providers ------------------------------------------------------------
    def provider(self, scope: _Scope, key: str) -> str | None:
        """The provider configuration node serving `key` (name or name.alias) in
        `scope`: declared there, passed by the module call's `providers` map,
        or (default configurations only) inherited from the caller. The root
        module gets an implicit empty configuration for a default provider it
        does not configure, as Terraform does."""
        s: _Scope = scope
        while True:
            if key in s.module.providers:
                return f"{s.prefix}provider.{key}"
            if s.parent is None or s.call is None:
                if "." in key:
                    return None   # an alias nobody declared: nothing to depend on
                full = f"provider.{key}"
                if full not in self.nodes:
                    self.nodes[full] = {"kind": PROVIDER, "model": None, "range": None,
                                        "module": ()}
                return full
            if s.call.providers is not None:
                # an explicit map replaces implicit inheritance entirely
                mapped = self._provider_map(s.call).get(key)
                if mapped is None:
                    return None
                key = mapped
            elif "." in key:
                return None   # aliases are never inherited implicitly
            s = s.parent

    def _provider_map(self, call: m.ModuleCall) -> dict[str, str]:
        """`providers = { aws = aws.west, "aws.east" = aws }` -> child key: parent key."""
        cached = self._provider_maps.get(id(call))
        if cached is not None:
            return cached
        out: dict[str, str] = {}
        if isinstance(call.providers, ast.ObjectCons):
            for k, v in call.providers.items:
                child, parent = _provider_key(k), _provider_key(v)
                if child is not None and parent is not None:
                    out[child] = parent
        self._provider_maps[id(call)] = out
        return out


def _provider_key(expr: ast.Expr) -> str | None:
    """`aws`, `aws.west`, `(aws.west)` or "aws.west" -> "aws" / "aws.west"."""
    while isinstance(expr, ast.Paren):
        expr = expr.inner
    if isinstance(expr, ast.Literal) and isinstance(expr.value, str):
        return expr.value
    if isinstance(expr, ast.Variable):
        return expr.name
    if isinstance(expr, ast.GetAttr) and isinstance(expr.obj, ast.Variable):
        return f"{expr.obj.name}.{expr.name}"
    return None


def _refs_of(exprs: Iterable[ast.Expr | None]) -> Iterator[Ref]:
    for e in exprs:
        if e is not None:
            yield from references(e)


def _condition_refs(conditions: Iterable[m.Validation]) -> Iterator[Ref]:
    for c in conditions:
        yield from references(c.condition)
        yield from references(c.error_message)


def _body_refs(body: ast.Body, bound: frozenset[str]) -> Iterator[Ref]:
    """References of every attribute and nested block; inside a `dynamic`
    block the iterator (its label, or `iterator = name`) is a local name,
    not a reference: `setting.value` must not look like a resource."""
    for attr in body.attributes.values():
        yield from references(attr.expr, bound)
    for block in body.blocks:
        if block.type != "dynamic" or len(block.labels) != 1:
            yield from _body_refs(block.body, bound)
            continue
        attrs = block.body.attributes
        iterator = block.labels[0]
        it = attrs.get("iterator")
        if it is not None and isinstance(it.expr, ast.Variable):
            iterator = it.expr.name
        if "for_each" in attrs:
            yield from references(attrs["for_each"].expr, bound)
        inner = bound | {iterator}
        if "labels" in attrs:
            yield from references(attrs["labels"].expr, inner)
        for content in block.body.blocks_of("content"):
            yield from _body_refs(content.body, inner)


def _subtree_resources(module: m.Module, prefix: str) -> Iterator[str]:
    for res in module.all_resources():
        yield prefix + res.key
    for name, child in module.children.items():
        yield from _subtree_resources(child, f"{prefix}module.{name}.")


# --------------------------------------------------------------------------- cycles


def find_cycles(graph: nx.DiGraph) -> list[Diagnostic]:
    """One error per cycle (at most MAX_CYCLES), each listing every edge with
    the location of the reference that creates it: a cycle is fixed by
    removing one of those references, so the user needs to see them all.

    Cycles are rotated to start at their smallest node and sorted, so the
    output does not depend on set iteration order."""
    import networkx as nx

    found: list[list[str]] = []
    # a cycle lies inside one strongly connected component: search only the
    # knotted ones, not a copy of the whole (normally acyclic) graph
    for comp in nx.strongly_connected_components(graph):
        if len(found) > MAX_CYCLES:
            break
        if len(comp) == 1:
            node = next(iter(comp))
            if graph.has_edge(node, node):
                found.append([node])
            continue
        cycles = nx.simple_cycles(graph.subgraph(comp))
        found.extend(_rotate(c) for c in islice(cycles, MAX_CYCLES + 1 - len(found)))
    more = len(found) > MAX_CYCLES
    diags: list[Diagnostic] = []
    for cycle in sorted(found[:MAX_CYCLES], key=lambda c: (len(c), c)):
        lines: list[str] = []
        first: Range | None = None
        for a, b in zip(cycle, [*cycle[1:], cycle[0]], strict=True):
            refs: list[Range] = graph.edges[a, b].get("refs") or []
            rng = refs[0] if refs else None
            first = first or rng
            lines.append(f"{a} -> {b}" + (f" ({_at(rng)})" if rng is not None else ""))
        diags.append(error("Cycle in dependencies", "\n".join(lines), first))
    if more:
        diags.append(warning("More dependency cycles",
                             f"Only the first {MAX_CYCLES} cycles are reported; break these "
                             "and run again to see the others."))
    return diags


def _rotate(cycle: list[str]) -> list[str]:
    i = cycle.index(min(cycle))
    return cycle[i:] + cycle[:i]


def _at(rng: Range) -> str:
    return f"{rng.filename}:{rng.start.line},{rng.start.column}"


# --------------------------------------------------------------------------- order


def resource_order(graph: nx.DiGraph) -> list[str]:
    """Resource and data nodes, every one after all it depends on (through
    any chain of other nodes); ties broken by name, so the order is stable.

    Raises ValueError on a cyclic graph (build() reports its cycles)."""
    import networkx as nx

    try:
        order = nx.lexicographical_topological_sort(graph.reverse(copy=False))
        return [n for n in order if graph.nodes[n]["kind"] in RESOURCE_KINDS]
    except nx.NetworkXUnfeasible as exc:
        raise ValueError("The dependency graph has cycles; see find_cycles().") from exc


def resource_dependencies(graph: nx.DiGraph) -> dict[str, set[str]]:
    """For each resource/data node, the resource/data nodes it depends on
    directly: reached through locals, variables, outputs, module calls and
    providers, but not through another resource (that one's dependencies are
    its own). This is what Terraform records as "dependencies" in state, to
    destroy in the right order once the configuration is gone.

    Raises ValueError on a cyclic graph."""
    import networkx as nx

    try:
        order = list(nx.topological_sort(graph))   # dependents first
    except nx.NetworkXUnfeasible as exc:
        raise ValueError("The dependency graph has cycles; see find_cycles().") from exc
    kinds = {node: data["kind"] for node, data in graph.nodes(data=True)}
    return _first_resources(kinds, graph.succ, reversed(order))


def resource_dependencies_of(root: m.Module) -> dict[str, set[str]] | None:
    """resource_dependencies(build(root)[0]), None when the graph has a cycle,
    computed without networkx: apply needs nothing else from the graph, and
    importing networkx and building its graph took a sixth of the time before
    an apply's first provider call (1,000 resources)."""
    with paused():
        builder = _Builder()
        builder.module(_Scope(root, ()))
    kinds = {node: data["kind"] for node, data in builder.nodes.items()}
    needs: dict[str, list[str]] = {node: [] for node in kinds}
    for a, b in builder.edges:
        needs.setdefault(a, []).append(b)
    try:
        order = list(graphlib.TopologicalSorter(needs).static_order())  # dependencies first
    except graphlib.CycleError:
        return None
    return _first_resources(kinds, needs, order)


def _first_resources(kinds: dict[str, str], needs: Any, order: Iterable[str]
                     ) -> dict[str, set[str]]:
    """The resource/data nodes first reached from each resource/data node;
    `needs[n]`: what n depends on directly, `order`: every node after all it
    depends on."""
    reach: dict[str, frozenset[str]] = {}
    out: dict[str, set[str]] = {}
    empty: frozenset[str] = frozenset()
    for node in order:
        found: set[str] = set()
        for dep in needs.get(node, ()):
            if kinds.get(dep) in RESOURCE_KINDS:
                found.add(dep)
            else:
                found |= reach.get(dep, empty)
        if kinds.get(node) in RESOURCE_KINDS:
            out[node] = found
        reach[node] = frozenset(found) if found else empty
    return {n: out[n] for n in sorted(out)}


# --------------------------------------------------------------------------- DOT

_SHAPES = {RESOURCE: "box", DATA: "box", PROVIDER: "diamond", MODULE: "folder",
           OUTPUT: "note", VARIABLE: "ellipse", LOCAL: "ellipse"}


def to_dot(graph: nx.DiGraph) -> str:
    """DOT text: one line per node (label without the module prefix, since the
    module is the enclosing cluster), then one line per edge `"A" -> "B"`
    meaning A depends on B, as `terraform graph` draws it. Everything is
    sorted, so the same configuration always gives the same text."""
    by_module: dict[tuple[str, ...], list[str]] = {}
    for node, data in graph.nodes(data=True):
        by_module.setdefault(data.get("module", ()), []).append(node)
    lines = ['digraph "govctl" {', '  compound = "true";', '  newrank = "true";']
    _dot_cluster(graph, (), by_module, lines, 1)
    for a, b in sorted(graph.edges):
        lines.append(f"  {_q(a)} -> {_q(b)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_cluster(graph: nx.DiGraph, path: tuple[str, ...],
                 by_module: dict[tuple[str, ...], list[str]], lines: list[str],
                 depth: int) -> None:
    pad = "  " * depth
    prefix = "".join(f"module.{n}." for n in path)
    for node in sorted(by_module.get(path, ())):
        data = graph.nodes[node]
        label = node[len(prefix):] if node.startswith(prefix) else node
        shape = _SHAPES.get(data.get("kind", ""), "ellipse")
        style = ', style="dashed"' if data.get("kind") == DATA or data.get("model") is None \
            else ""
        lines.append(f"{pad}{_q(node)} [label={_q(label)}, shape={_q(shape)}{style}];")
    children = sorted({p[len(path)] for p in by_module
                       if len(p) > len(path) and p[:len(path)] == path})
    for name in children:
        sub = (*path, name)
        addr = "".join(f"module.{n}." for n in sub)[:-1]
        lines.append(f"{pad}subgraph {_q('cluster_' + addr)} {{")
        lines.append(f"{pad}  label = {_q(addr)};")
        _dot_cluster(graph, sub, by_module, lines, depth + 1)
        lines.append(f"{pad}}}")


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --------------------------------------------------------------------------- command


def command(directory: Path, type_: str = "plan") -> int:
    """`govctl graph`: the DOT text on stdout, or the diagnostics on stderr and 1."""
    from govctl.config.loader import load_config
    from govctl.render.diagnostics import print_diagnostics

    if type_ not in GRAPH_TYPES:
        print_diagnostics([error("Invalid graph type",
                                 f'The graph type "{type_}" is not supported; use one of '
                                 + ", ".join(GRAPH_TYPES) + ".")])
        return 1
    module, diags = load_config(directory)
    dot = ""
    if not _has_errors(diags):
        graph, gdiags = build(module)
        diags = diags + gdiags
        dot = to_dot(graph)
    if diags:
        print_diagnostics(diags)
    if _has_errors(diags):
        return 1
    sys.stdout.write(dot)
    return 0


def _has_errors(diags: Iterable[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in diags)


__all__ = ["DATA", "GRAPH_TYPES", "LOCAL", "MAX_CYCLES", "MODULE", "OUTPUT", "PROVIDER",
           "RESOURCE", "RESOURCE_KINDS", "VARIABLE", "build", "command", "find_cycles",
           "resource_dependencies", "resource_dependencies_of", "resource_order", "to_dot"]
