"""Time the dependency graph on a generated configuration (not a timed test).

    .venv/bin/python bench/graph_bench.py [--resources 5000] [--repeat 5] [--keep DIR]

Generates the govctl side of bench/generate.py's configuration, loads it once
(parsing is measured by bench/run.py, not here), then times graph.build() and
the functions run on its result. Each figure is the best and the median of
--repeat runs, each on a freshly loaded tree: build() caches references on the
syntax nodes, so a second build on the same tree would measure a warm cache
that a real run never has.

Target: build() well under a second at 5,000 resources, on top of loading.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from generate import generate  # bench/ is on sys.path when this file is run as a script

from govctl import graph
from govctl.config.loader import load_config


def _timed(fn: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--resources", type=int, default=5000, metavar="N")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--keep", type=Path, metavar="DIR",
                    help="generate into DIR and keep it (default: a temporary directory)")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="govctl-graph-") as tmp:
        out = args.keep or Path(tmp)
        generate(args.resources, out)
        directory = out / "govctl"
        times: dict[str, list[float]] = {}
        load_times: list[float] = []
        shape = ""
        for _ in range(args.repeat):
            t, (module, diags) = _timed(load_config, directory)
            load_times.append(t)
            if diags:
                print("\n".join(d.render() for d in diags), file=sys.stderr)
                return 1
            t, (g, gdiags) = _timed(graph.build, module)
            times.setdefault("build", []).append(t)
            if gdiags:
                print("\n".join(d.render() for d in gdiags), file=sys.stderr)
                return 1
            shape = f"{g.number_of_nodes()} nodes, {g.number_of_edges()} edges"
            for name, fn in (("find_cycles", graph.find_cycles),
                             ("resource_order", graph.resource_order),
                             ("resource_dependencies", graph.resource_dependencies),
                             ("to_dot", graph.to_dot)):
                t, _ = _timed(fn, g)
                times.setdefault(name, []).append(t)

    print(f"{args.resources} resources: {shape}; load (not part of the graph) "
          f"median {statistics.median(load_times):.2f} s")
    print(f"{'step':<22} {'best':>8} {'median':>8}")
    for name, ts in times.items():
        print(f"{name:<22} {min(ts):>7.3f}s {statistics.median(ts):>7.3f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
