"""`moved` blocks: renames recorded in the configuration, applied to the prior
state before planning, so that a renamed resource, instance or module call is
planned as the object it already is instead of a destroy and a create.

As in Terraform:

- `from` and `to` are static addresses relative to the module that declares
  the block, and a block in a child module applies to every instance of it;
- a resource or module address without an instance key moves every instance
  with its key when the other side has no key either; when only one side has
  a key, the keyless side means the keyless instance (`a` -> `a[0]` when
  `count` is added);
- chains (`a` -> `b`, `b` -> `c`) are followed whatever order the blocks are
  written in, and a state from before any of them ends at `c`;
- implied moves need no block: adding `count` moves `a` to `a[0]`, removing
  it moves `a[0]` back to `a`.

A move whose destination is already in state is an error at the block (the
user has to decide which object is meant), except when both addresses hold
the same object: that is a move an interrupted apply half wrote (apply
records the destination before it forgets the source), and it is completed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from govctl.addrs import InstanceAddr, Key, ModulePath, ResourceAddr
from govctl.config import model as m
from govctl.diagnostics import Diagnostic, error, warning
from govctl.hcl import ast
from govctl.state.model import State


class _All:
    """No index written: every instance, or the keyless one (see the docstring)."""

    def __repr__(self) -> str:
        return "ALL"


ALL = _All()

StepKey = Key | _All


@dataclass(frozen=True)
class Endpoint:
    """One side of a moved block, relative to its module.

    A module endpoint has `resource` None and its last module step's key may
    be ALL; a resource endpoint's module steps are concrete and its `key` may
    be ALL.
    """

    module: tuple[tuple[str, StepKey], ...]
    resource: tuple[str, str, str] | None = None     # (mode, type, name)
    key: StepKey = ALL

    def __str__(self) -> str:
        parts = [f"module.{n}{_key_text(k)}" for n, k in self.module]
        if self.resource is not None:
            mode, type_, name = self.resource
            parts.append(f"{'data.' if mode == 'data' else ''}{type_}.{name}"
                         f"{_key_text(self.key)}")
        return ".".join(parts)


def _key_text(k: StepKey) -> str:
    from govctl.addrs import key_str

    return "" if isinstance(k, _All) else key_str(k)


@dataclass(frozen=True)
class Move:
    """One instance's move, as the plan shows it."""

    from_: InstanceAddr
    to: InstanceAddr


@dataclass
class _Statement:
    where: tuple[str, ...]          # names of the module calls leading to the declaring module
    from_: Endpoint
    to: Endpoint
    block: ast.Block | None         # None for an implied move
    implied: bool = False


# --- addresses ----------------------------------------------------------------

class _BadAddress(Exception):
    pass


@dataclass(frozen=True)
class _KeyStep:
    value: Key


def _steps(expr: ast.Expr) -> list[object]:
    """`module.a[0].aws_x.b["k"]` -> ["module", "a", _KeyStep(0), "aws_x", "b",
    _KeyStep("k")]: names as str, instance keys wrapped so "a" the key is not
    "a" the name."""
    out: list[object] = []
    node = expr
    while isinstance(node, ast.GetAttr | ast.Index):
        if isinstance(node, ast.GetAttr):
            out.append(node.name)
        else:
            key = node.key
            if isinstance(key, ast.Literal) and isinstance(key.value, str | int) \
                    and not isinstance(key.value, bool):
                out.append(_KeyStep(key.value))
            elif isinstance(key, ast.Template) and all(isinstance(p, str) for p in key.parts):
                out.append(_KeyStep("".join(key.parts)))      # type: ignore[arg-type]
            else:
                raise _BadAddress("an instance key must be a literal number or string")
        node = node.obj
    if not isinstance(node, ast.Variable):
        raise _BadAddress("it must be a static address")
    out.append(node.name)
    out.reverse()
    return out


def parse_endpoint(expr: ast.Expr) -> Endpoint:
    """A moved block's `from` or `to`; raises _BadAddress saying what is wrong."""
    steps: list[object] = list(_steps(expr))
    module: list[tuple[str, StepKey]] = []
    i = 0
    while i < len(steps) and steps[i] == "module":
        if i + 1 >= len(steps) or not isinstance(steps[i + 1], str):
            raise _BadAddress('"module" must be followed by a module name')
        name = steps[i + 1]
        assert isinstance(name, str)
        i += 2
        key: StepKey = ALL
        step = steps[i] if i < len(steps) else None
        if isinstance(step, _KeyStep):
            key = step.value
            i += 1
        module.append((name, key))
    rest = steps[i:]
    if not rest:
        if not module:
            raise _BadAddress("it must name a resource or a module call")
        # only the last module step may mean "every instance"
        fixed = tuple((n, None if k is ALL else k) for n, k in module[:-1])
        return Endpoint((*fixed, module[-1]))
    fixed = tuple((n, None if k is ALL else k) for n, k in module)
    mode = "managed"
    if rest[0] == "data":
        raise _BadAddress("data resources cannot be moved: they hold no objects to keep")
    if len(rest) < 2 or not isinstance(rest[0], str) or not isinstance(rest[1], str):
        raise _BadAddress("a resource address is TYPE.NAME, optionally with an instance key")
    key2: StepKey = ALL
    last = rest[2] if len(rest) == 3 else None
    if isinstance(last, _KeyStep):
        key2 = last.value
    elif len(rest) > 2:
        raise _BadAddress("unexpected text after the resource name")
    return Endpoint(fixed, (mode, rest[0], rest[1]), key2)


# --- the statements of a configuration ---------------------------------------------

def _walk(mod: m.Module, where: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...],
                                                                           m.Module]]:
    yield where, mod
    for name, child in sorted(mod.children.items()):
        yield from _walk(child, (*where, name))


def statements(root: m.Module) -> tuple[list[_Statement], list[Diagnostic]]:
    """Every explicit moved block of the module tree, checked on its own."""
    out: list[_Statement] = []
    diags: list[Diagnostic] = []
    for where, mod in _walk(root):
        for mv in mod.moved:
            try:
                src = parse_endpoint(mv.from_)
            except _BadAddress as exc:
                diags.append(error('Invalid "moved" address', f'The "from" address is not '
                                   f"valid: {exc}.", mv.from_.range))
                continue
            try:
                dst = parse_endpoint(mv.to)
            except _BadAddress as exc:
                diags.append(error('Invalid "moved" address', f'The "to" address is not '
                                   f"valid: {exc}.", mv.to.range))
                continue
            problem = _check_pair(src, dst)
            if problem is not None:
                diags.append(error('Invalid "moved" addresses',
                                   f"Cannot move {src} to {dst}: {problem}",
                                   mv.block.def_range))
                continue
            if src == dst:
                diags.append(warning("Redundant moved block",
                                     f"This statement moves {src} to itself; remove it.",
                                     mv.block.def_range))
                continue
            still = _still_declared(mod, src, dst)
            if still is not None:
                diags.append(error("Moved object still exists",
                                   f"This statement declares a move from {src}, but that "
                                   f"{still} is still declared in the configuration. Change "
                                   f"the configuration so that it is declared as {dst} "
                                   "instead.", mv.block.def_range))
                continue
            out.append(_Statement(where, src, dst, mv.block))
    return out, diags


def moved_diagnostics(root: m.Module) -> list[Diagnostic]:
    """What plan would say of the moved blocks before looking at any state: for
    `govctl validate`."""
    stmts, diags = statements(root)
    return diags + _order(stmts)[1]


def _check_pair(src: Endpoint, dst: Endpoint) -> str | None:
    if (src.resource is None) != (dst.resource is None):
        return ("a module call moves only to a module call, and a resource or instance only "
                "to a resource or instance.")
    if src.resource is not None and dst.resource is not None \
            and src.resource[1] != dst.resource[1]:
        return (f"the resource types differ ({src.resource[1]} and {dst.resource[1]}); an "
                "object keeps its type.")
    return None


def _still_declared(mod: m.Module, src: Endpoint, dst: Endpoint) -> str | None:
    """Moving a whole resource or module call away while it is still declared is
    a mistake: the next plan would create it again."""
    if src.resource is not None and dst.resource is not None:
        if src.module or src.resource == dst.resource:
            return None
        key = f"{src.resource[1]}.{src.resource[2]}"
        if isinstance(src.key, _All) and key in mod.resources:
            return "resource"
        return None
    if len(src.module) == 1 and isinstance(src.module[0][1], _All) \
            and src.module[0][0] != (dst.module[0][0] if dst.module else None) \
            and src.module[0][0] in mod.module_calls:
        return "module call"
    return None


def _implied(root: m.Module, state: State) -> list[_Statement]:
    """count added: `a` -> `a[0]`; count removed: `a[0]` -> `a` (as Terraform)."""
    out: list[_Statement] = []
    for where, mod in _walk(root):
        for res in mod.resources.values():
            r = ("managed", res.type, res.name)
            if res.count is not None:
                out.append(_Statement(where, Endpoint((), r, None), Endpoint((), r, 0), None,
                                      implied=True))
            elif res.for_each is None:
                out.append(_Statement(where, Endpoint((), r, 0), Endpoint((), r, None), None,
                                      implied=True))
    return out


# --- applying them -----------------------------------------------------------------

def _bases(state: State, where: tuple[str, ...]) -> list[ModulePath]:
    """The module instances in state that a statement declared in `where` applies to."""
    if not where:
        return [()]
    found = {r.module[:len(where)] for r in state.resources
             if tuple(n for n, _ in r.module[:len(where)]) == where}
    return sorted(found, key=repr)


def _target(stmt: _Statement, base: ModulePath, addr: InstanceAddr) -> InstanceAddr | None:
    """Where `addr` goes under `stmt` applied in module instance `base`, or None."""
    src, dst = stmt.from_, stmt.to
    if addr.module[:len(base)] != base:
        return None
    rel = addr.module[len(base):]
    both_all = isinstance(src.key if src.resource else src.module[-1][1], _All) and \
        isinstance(dst.key if dst.resource else dst.module[-1][1], _All)
    if src.resource is not None:
        assert dst.resource is not None
        if rel != src.module or (addr.resource.mode, addr.resource.type,
                                 addr.resource.name) != src.resource:
            return None
        if both_all:
            key: Key = addr.key
        else:
            want = None if isinstance(src.key, _All) else src.key
            if addr.key != want:
                return None
            key = None if isinstance(dst.key, _All) else dst.key
        mode, type_, name = dst.resource
        module = base + tuple((n, None if isinstance(k, _All) else k) for n, k in dst.module)
        return InstanceAddr(ResourceAddr(module, mode, type_, name), key)
    n = len(src.module)
    if len(rel) < n:
        return None
    for i, ((name, k), (rname, rkey)) in enumerate(zip(src.module, rel[:n], strict=True)):
        if name != rname:
            return None
        last = i == n - 1
        if last and both_all:
            continue
        if (None if isinstance(k, _All) else k) != rkey:
            return None
    last_name, last_key = dst.module[-1]
    new_last: Key = rel[n - 1][1] if both_all else (None if isinstance(last_key, _All)
                                                     else last_key)
    head = tuple((nm, None if isinstance(k, _All) else k) for nm, k in dst.module[:-1])
    module = base + head + ((last_name, new_last),) + rel[n:]
    r = addr.resource
    return InstanceAddr(ResourceAddr(module, r.mode, r.type, r.name), addr.key)


def _order(stmts: list[_Statement]) -> tuple[list[_Statement], list[Diagnostic]]:
    """Chains in order: a statement runs before one that moves on from its `to`."""
    if not stmts:
        return [], []
    import networkx as nx  # here: most runs have no moved blocks

    g: nx.DiGraph = nx.DiGraph()
    g.add_nodes_from(range(len(stmts)))
    for i, a in enumerate(stmts):
        for j, b in enumerate(stmts):
            if i != j and a.where == b.where and a.to == b.from_:
                g.add_edge(i, j)
    try:
        order = list(nx.lexicographical_topological_sort(g))
    except nx.NetworkXUnfeasible:
        cycle = nx.find_cycle(g)
        first = stmts[cycle[0][0]]
        chain = " -> ".join(str(stmts[i].from_) for i, _ in cycle)
        return [], [error("Cyclic dependency in move statements",
                          f"The moved blocks form a cycle: {chain} -> "
                          f"{stmts[cycle[0][0]].from_}. A chain of moves must end somewhere.",
                          first.block.def_range if first.block else None)]
    return [stmts[i] for i in order], []


def apply_moves(root: m.Module, state: State) -> tuple[list[Move], list[Diagnostic]]:
    """Apply the configuration's moved blocks (and implied moves) to `state`, in
    place; returns each instance's move (chains joined: first address to last)."""
    explicit, diags = statements(root)
    ordered, odiags = _order(explicit)
    diags += odiags
    if any(d.severity == "error" for d in diags):
        return [], diags
    origin: dict[InstanceAddr, InstanceAddr] = {}
    for stmt in [*ordered, *_implied(root, state)]:
        for base in _bases(state, stmt.where):
            moves = [(a, t) for a, _, _ in state.instances()
                     if (t := _target(stmt, base, a)) is not None and t != a]
            for src, dst in moves:
                if not _move_one(state, src, dst, stmt, diags):
                    continue
                origin[dst] = origin.pop(src, src)
    return [Move(f, t) for t, f in sorted(origin.items(), key=lambda p: p[0])
            if f != t], diags


def _move_one(state: State, src: InstanceAddr, dst: InstanceAddr, stmt: _Statement,
              diags: list[Diagnostic]) -> bool:
    rs = state.resources[src.resource]
    inst = state.instance(src)
    assert inst is not None
    there = state.instance(dst)
    if there is not None:
        if there.attributes == inst.attributes:     # a half-written move: finish it
            state.remove_instance(src)
            return True
        if not stmt.implied:
            diags.append(error(
                "Moved object already exists",
                f"This statement moves {src} to {dst}, but {dst} already exists in the "
                f"state with another object. Remove one of them from the state (govctl "
                f"state rm) or change the moved block.",
                stmt.block.def_range if stmt.block else None))
        return False
    state.remove_instance(src)
    state.set_instance(dst, rs.provider, inst)
    if src.resource != dst.resource and stmt.from_.resource is not None \
            and isinstance(stmt.from_.key, _All):
        old, new = src.config_node, dst.config_node
        for _, _, other in state.instances():
            other.dependencies = [new if d == old else d for d in other.dependencies]
    return True


__all__ = ["ALL", "Endpoint", "Move", "apply_moves", "parse_endpoint", "statements"]
