"""Validate a large root module on two processes.

Parsing (tree-sitter, then the walk into our AST) and checking resource bodies
are most of `govctl validate`'s time, and both are independent per file; a
second process halves them on a two-core machine. The work is split by files:

    parent: files[:k]                     child: files[k:]
      parse own files                       parse own files
      <- receive child's skeleton  <-------  send skeleton (headers + globals)
      send skeleton ---------------------->  receive parent's skeleton
      decode own files + child skeleton     decode parent skeleton + own files
      evaluate own resources and all        evaluate own resources
      module-wide values and checks
      <- receive child's diagnostics <-----  send diagnostics and own
         and links                            resources' links, exit
      look for cycles in all links

A skeleton is a file with resource and data blocks cut down to their headers
and what other files may need from them (`count`/`for_each`, which shape
references).
Every other block is kept whole, so both sides decode the same module and
report duplicates the same way; diagnostics are merged without repeats.

A dependency cycle may run through resources of both halves, and neither half
sees the other's resource bodies: each sends, for the resources it owns, the
resources each one first reaches (govctl.graph.resource_dependencies_of), and
the parent looks for a cycle in their union. Only when there is one, rare and
an error, does the parent read the child's files whole, to report it exactly
as the serial path and plan do.
"""

from __future__ import annotations

import graphlib
import os
import pickle
import sys
from pathlib import Path

from govctl.config import model as m
from govctl.config.evaluate import Options
from govctl.config.loader import config_files, decode_module, finish_root, parse_files
from govctl.config.schemas import check_schemas, evaluate, graph_cycles, with_cycles
from govctl.diagnostics import Diagnostic, Severity, error
from govctl.hcl import ast
from govctl.hcl.source import SourceFile

# Resource node -> the resource nodes it first reaches; None: a cycle was seen.
Links = dict[str, set[str]] | None

# Below this many bytes of configuration a second process costs more than it saves.
MIN_BYTES = 256 * 1024
_SHAPING = ("count", "for_each")


def enabled() -> bool:
    return hasattr(os, "fork") and sys.platform == "linux" and \
        os.environ.get("GOVCTL_PARALLEL", "1") != "0"


# The parent also evaluates module-wide values and checks, so it takes a little
# less of the files than the child.
PARENT_SHARE = 0.45


def split(paths: list[Path]) -> int:
    """Index that splits `paths` into two runs (order kept), the first about
    PARENT_SHARE of the bytes."""
    sizes = [p.stat().st_size for p in paths]
    total, acc = sum(sizes), 0
    for i, size in enumerate(sizes):
        acc += size
        if acc >= total * PARENT_SHARE:
            return max(1, min(i + 1, len(paths) - 1))
    return len(paths) // 2


def validate(root: Path, min_bytes: int = MIN_BYTES) -> list[Diagnostic] | None:
    """Diagnostics of `govctl validate`, or None when the serial path is better."""
    root = root.resolve()
    if not enabled() or not root.is_dir():
        return None
    paths = config_files(root)
    if len(paths) < 2 or sum(p.stat().st_size for p in paths) < min_bytes:
        return None
    k = split(paths)
    to_parent_r, to_parent_w = os.pipe()
    to_child_r, to_child_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        code = 0
        try:
            os.close(to_parent_r)
            os.close(to_child_w)
            _child(root, paths[k:], to_parent_w, to_child_r)
        except BaseException:  # the parent reports a dead worker
            code = 1
        finally:
            os._exit(code)
    os.close(to_parent_w)
    os.close(to_child_r)
    with os.fdopen(to_parent_r, "rb") as inbox, os.fdopen(to_child_w, "wb") as outbox:
        own, diags = parse_files(paths[:k])
        try:
            sent, their_errors = pickle.load(inbox)
            pickle.dump(([skeleton(f) for f in own], _has_errors(diags)), outbox,
                        pickle.HIGHEST_PROTOCOL)
            outbox.flush()
            theirs = [rebuild(sk) for sk in sent]
        except (EOFError, BrokenPipeError, pickle.UnpicklingError):
            theirs = None
        if theirs is not None:
            mine, links = _check(root, own + theirs, _names(own), True,
                                 their_errors or _has_errors(diags))
            diags += mine
            try:
                their_diags, their_links = pickle.load(inbox)
            except (EOFError, pickle.UnpicklingError):
                theirs = None
            else:
                diags = with_cycles(diags + their_diags,
                                    _cycles(root, own, paths[k:], links, their_links))
    _, status = os.waitpid(pid, 0)
    if theirs is None or status != 0:
        diags.append(error("Internal error in parallel validation",
                           "A worker process failed; run again with GOVCTL_PARALLEL=0."))
    return _unique(diags)


def _child(root: Path, paths: list[Path], outbox_fd: int, inbox_fd: int) -> None:
    with os.fdopen(outbox_fd, "wb") as outbox, os.fdopen(inbox_fd, "rb") as inbox:
        own, diags = parse_files(paths)
        pickle.dump(([skeleton(f) for f in own], _has_errors(diags)), outbox,
                    pickle.HIGHEST_PROTOCOL)
        outbox.flush()
        sent, their_errors = pickle.load(inbox)
        theirs = [rebuild(sk) for sk in sent]
        mine, links = _check(root, theirs + own, _names(own), False,
                             their_errors or _has_errors(diags))
        pickle.dump((diags + mine, links), outbox, pickle.HIGHEST_PROTOCOL)
        outbox.flush()


def _names(files: list[ast.File]) -> frozenset[str]:
    return frozenset(f.src.filename for f in files)


def _has_errors(diags: list[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in diags)


def _check(root: Path, files: list[ast.File], own: frozenset[str], module_wide: bool,
           syntax_errors: bool) -> tuple[list[Diagnostic], Links]:
    """Decode and evaluate, and this half's links; as in the serial path, any
    syntax error anywhere in the module stops before evaluation (that error is
    reported by its half), and before the search for cycles."""
    files = sorted(files, key=lambda f: f.src.filename)
    module, diags = decode_module(root, files)
    diags = finish_root(module, root, diags)
    if syntax_errors or _has_errors(diags):
        return diags, {}
    result, providers = evaluate(module, Options(validate_only=True, own_files=own,
                                                 module_wide=module_wide))
    from govctl.config.settings_checks import settings_diagnostics
    from govctl.policy.checks import policy_diagnostics

    diags += result.diagnostics + check_schemas(
        module, own, result.instances, providers if module_wide else None)
    diags += policy_diagnostics(module, own) + settings_diagnostics(module, own)
    if module_wide:     # moved blocks are few and checked whole, by one half
        from govctl.config.moved import moved_diagnostics

        diags += moved_diagnostics(module)
    return diags, _links(module, own, module_wide)


def _links(module: m.Module, own: frozenset[str], module_wide: bool) -> Links:
    """The links this half knows whole: those of the root resources declared in
    its own files (the other half's are headers here), and, for the half that
    keeps module-wide values, those of the child modules' resources too."""
    from govctl.graph import resource_dependencies_of

    links = resource_dependencies_of(module)
    if links is None:
        return None
    where = {res.key: res.block.src.filename for res in module.all_resources()}
    return {node: found for node, found in links.items()
            if (where[node] in own if node in where else module_wide)}


def _cycles(root: Path, own: list[ast.File], their_paths: list[Path], links: Links,
            their_links: Links) -> list[Diagnostic]:
    """The cycle diagnostics of the whole module; none, at the cost of a
    topological sort, when the two halves' links have no cycle."""
    if links is not None and their_links is not None:
        try:
            tuple(graphlib.TopologicalSorter({**links, **their_links}).static_order())
            return []
        except graphlib.CycleError:
            pass
    theirs, _ = parse_files(their_paths)      # no syntax errors: links were made
    files = sorted(own + theirs, key=lambda f: f.src.filename)
    module, diags = decode_module(root, files)
    diags = finish_root(module, root, diags)
    return [] if _has_errors(diags) else graph_cycles(module)


def skeleton(f: ast.File) -> Skeleton:
    """What the other half needs of `f`: every block whole, except resource and
    data blocks, reduced to their header and count/for_each (the bulk of a
    large configuration, and of no use to the other half)."""
    items: list[ast.Block | _Stub] = []
    for b in f.body.blocks:
        if b.type in ("resource", "data"):
            shaping = {k: a for k, a in b.body.attributes.items() if k in _SHAPING}
            items.append((b.start, b.end, b.type, b.labels, b.label_spans, b.type_end,
                          b.body.start, b.body.end, shaping))
        else:
            items.append(b)
    return (f.src, f.start, f.end, f.body.start, f.body.end, f.body.attributes, items)


# A resource block header as plain data: pickles at C speed, unlike syntax trees.
_Stub = tuple[int, int, str, list[str], list[tuple[int, int]], int, int, int,
              dict[str, ast.Attribute]]
Skeleton = tuple[SourceFile, int, int, int, int, dict[str, ast.Attribute],
                 list[ast.Block | _Stub]]


def rebuild(sk: Skeleton) -> ast.File:
    src, start, end, body_start, body_end, attrs, items = sk
    blocks = []
    for item in items:
        if isinstance(item, ast.Block):
            blocks.append(item)
            continue
        b_start, b_end, type_, labels, spans, type_end, inner_start, inner_end, shaping = item
        body = ast.Body(src, inner_start, inner_end, shaping, [])
        blocks.append(ast.Block(src, b_start, b_end, type_, labels, spans, body, type_end))
    return ast.File(src, start, end, ast.Body(src, body_start, body_end, attrs, blocks))


def _unique(diags: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[tuple[str, str, str]] = set()
    out = []
    for d in diags:
        key = (d.summary, d.detail, str(d.range) if d.range else "")
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out
