"""Plan/apply (engine) benchmark: govctl against Terraform on twin configurations.

    python bench/engine_run.py [--sizes 1000,5000,10000] [--repeat 1] [--keep DIR]
                               [--tf-apply-timeout 120] [--no-terraform] [--no-latency]

For each size, generates the twin configurations (bench/engine_generate.py, the in-memory
provider "mem" at zero latency, its world in process memory) and measures, from a fresh
state each time (everything is created):
  - `govctl plan -refresh=false -out PLAN <size>/govctl`,
  - `govctl apply PLAN` (then checks that govctl.tfstate holds every instance),
  - `terraform plan -refresh=false -out PLAN` and `terraform apply PLAN` in <size>/terraform,
    after an untimed `terraform init`; the apply is killed after --tf-apply-timeout seconds
    and reported as "> N s".
Then the latency case: 1,000 resources (999 instances of 853 generated blocks) whose provider
calls sleep 20 ms, planned and applied with -parallelism=10, --latency-repeat times (default 3,
judged on the median); the apply should take at most 1.5 x 999 x 20 ms / 10 = 3.0 s.

Wall time is measured around each child process, peak RSS is its own ru_maxrss (os.wait4).
A failing run is marked FAILED with the end of its stderr; the exit status is still 0.
Results are printed as a table and written to bench/out/engine_results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import run

# bench/ is on sys.path when this file is run as a script
from engine_generate import generate
from run import parse_sizes, run_child, terraform_env

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"

TARGET_PLAN_RATIO = 0.5      # govctl plan(5000) <= 0.5 x terraform plan(5000)
TARGET_APPLY_S = 30.0        # govctl apply(5000) < 30 s
TARGET_GROWTH = 2.2          # govctl t(10000) / t(5000) <= 2.2
TARGET_PEAK_MB = 1024.0      # govctl peak RSS at 10000 < 1 GB
# "1,000 resources": 853 generated blocks expand (count, for_each) to 999 resource instances,
# one provider call each. The limit is 1.5 x the ideal for the instances actually applied,
# the formula (1.5 x 1000 x 20 ms / 10 = 3 s).
LATENCY_SIZE, LATENCY_MS, LATENCY_PARALLELISM = 853, 20, 10
LATENCY_FACTOR = 1.5


@dataclass(kw_only=True)
class Measure(run.Measure):
    """run.Measure with a label for progress lines and a cap: a Terraform apply
    killed at its timeout is a figure ("> N s"), not a failure."""

    label: str
    capped_at: float | None = None

    @property
    def peak_mb(self) -> float | None:
        # a capped run still tells its peak memory
        return max(r.peak_kib for r in self.runs) / 1024 if self.runs else None

    def summary(self) -> dict[str, Any]:
        return {**super().summary(), "capped_at_s": self.capped_at}


def measure(m: Measure, *, cwd: Path, env: dict[str, str], timeout: float,
            cap_ok: bool = False) -> bool:
    """One run of `m`; False (and `m.note` set, the stderr tail printed) when it failed.
    With `cap_ok`, a timeout is a cap ("> N s"), not a failure."""
    if m.note:
        return False
    run = run_child(m.command, cwd=cwd, env=env, timeout=timeout)
    m.runs.append(run)
    if run.timed_out and cap_ok:
        m.capped_at = timeout
        m.note = f"> {timeout:.0f} s (killed)"
        print(f"-- {m.label}: still running after {timeout:.0f} s, killed", file=sys.stderr)
        return False
    if not run.ok:
        why = f"timed out after {timeout:.0f} s" if run.timed_out else f"exit {run.returncode}"
        m.note = f"FAILED ({why})"
        print(f"-- {m.label} {m.note}; {run.output_tail()}", file=sys.stderr)
        return False
    print(f"   {m.label}: {run.seconds:.2f} s, {run.peak_kib / 1024:.0f} MiB", flush=True)
    return True


def fresh_state(directory: Path, *names: str) -> None:
    for pattern in names:
        for p in directory.glob(pattern):
            if p.is_dir():
                shutil.rmtree(p)
            else:
                p.unlink()


def state_instances(path: Path) -> int | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return sum(len(r.get("instances", [])) for r in data.get("resources", [])
                   if r.get("mode", "managed") == "managed")
    except (OSError, ValueError, TypeError, AttributeError):
        return None


def govctl_pair(label: str, gdir: Path, plan_file: Path, govctl: list[str],
                extra: list[str], expected: int, args: argparse.Namespace,
                repeat: int | None = None) -> tuple[Measure, Measure, int | None]:
    """govctl plan -refresh=false -out and govctl apply PLAN, `repeat` (default
    `args.repeat`) times from an empty state; returns both measures and the
    instances found in the state."""
    env = dict(os.environ)
    plan = Measure(label=f"govctl plan ({label})",
                   command=[*govctl, "plan", "-refresh=false", "-no-color", *extra,
                    "-out", str(plan_file), str(gdir)])
    apply = Measure(label=f"govctl apply ({label})",
                    command=[*govctl, "apply", "-no-color", *extra, str(plan_file)])
    found: int | None = None
    for _ in range(repeat or args.repeat):
        fresh_state(gdir, "govctl.tfstate*", ".govctl*", "govctl.audit.jsonl")
        plan_file.unlink(missing_ok=True)
        if not measure(plan, cwd=gdir, env=env, timeout=args.timeout):
            apply.note = apply.note or "skipped: plan failed"
            break
        if not measure(apply, cwd=gdir, env=env, timeout=args.timeout):
            break
        found = state_instances(gdir / "govctl.tfstate")
        if found != expected:
            apply.note = f"FAILED (state holds {found} instances, expected {expected})"
            print(f"-- {apply.label} {apply.note}", file=sys.stderr)
            break
    return plan, apply, found


def terraform_pair(size: int, tdir: Path, terraform: str | None, args: argparse.Namespace
                   ) -> tuple[Measure, Measure]:
    env = terraform_env()
    chdir = f"-chdir={tdir}"
    plan = Measure(label=f"terraform plan ({size})",
                   command=[terraform or "terraform", chdir, "plan", "-refresh=false",
                            "-input=false", "-no-color", "-out=tf.plan"])
    apply = Measure(label=f"terraform apply ({size})",
                    command=[terraform or "terraform", chdir, "apply", "-input=false", "-no-color",
                     "tf.plan"])
    if terraform is None or args.no_terraform:
        plan.note = apply.note = ("skipped: --no-terraform" if args.no_terraform
                                  else "skipped: terraform not on PATH")
        return plan, apply
    init = run_child([terraform, chdir, "init", "-input=false", "-no-color"], cwd=REPO,
                     env=env, timeout=args.timeout)  # one-time set-up, not timed
    if not init.ok:
        plan.note = apply.note = f"FAILED (terraform init exit {init.returncode})"
        print(f"-- terraform init failed; {init.output_tail()}", file=sys.stderr)
        return plan, apply
    for n in range(args.repeat):
        fresh_state(tdir, "terraform.tfstate*", ".terraform.tfstate.lock.info", "tf.plan")
        if not measure(plan, cwd=REPO, env=env, timeout=args.timeout):
            apply.note = apply.note or "skipped: plan failed"
            break
        if n == 0 or args.repeat_tf_apply:
            measure(apply, cwd=REPO, env=env, timeout=args.tf_apply_timeout, cap_ok=True)
    fresh_state(tdir, "terraform.tfstate*", ".terraform.tfstate.lock.info", "tf.plan")
    return plan, apply


def bench_size(size: int, workdir: Path, args: argparse.Namespace, govctl: list[str],
               terraform: str | None) -> dict[str, Any]:
    stats = generate(size, workdir, args.files, 0)
    print(f"\n== {size} resource blocks ({stats.instances} instances, "
          f"{stats.lines['govctl']} lines of govctl HCL) in {workdir}", flush=True)
    gplan, gapply, found = govctl_pair(str(size), workdir / "govctl",
                                       workdir / "govctl.plan", govctl, [],
                                       stats.instances, args)
    tplan, tapply = terraform_pair(size, workdir / "terraform", terraform, args)
    return {"size": size, "instances": stats.instances, "files": stats.files,
            "lines": stats.lines, "bytes": stats.bytes, "state_instances": found,
            "govctl_plan": gplan.summary(), "govctl_apply": gapply.summary(),
            "terraform_plan": tplan.summary(), "terraform_apply": tapply.summary()}


def bench_latency(workdir: Path, args: argparse.Namespace, govctl: list[str]
                  ) -> dict[str, Any]:
    stats = generate(LATENCY_SIZE, workdir, args.files, LATENCY_MS)
    print(f"\n== latency: {LATENCY_SIZE} resource blocks ({stats.instances} instances), "
          f"latency_ms = {LATENCY_MS}, -parallelism={LATENCY_PARALLELISM}", flush=True)
    plan, apply, found = govctl_pair("latency", workdir / "govctl", workdir / "govctl.plan",
                                     govctl, [f"-parallelism={LATENCY_PARALLELISM}"],
                                     stats.instances, args,
                                     repeat=max(args.repeat, args.latency_repeat))
    ideal = stats.instances * LATENCY_MS / 1000 / LATENCY_PARALLELISM
    return {"size": LATENCY_SIZE, "instances": stats.instances, "latency_ms": LATENCY_MS,
            "parallelism": LATENCY_PARALLELISM, "ideal_s": ideal,
            "limit_s": LATENCY_FACTOR * ideal, "state_instances": found,
            "govctl_plan": plan.summary(), "govctl_apply": apply.summary()}


def targets(rows: list[dict[str, Any]], latency: dict[str, Any] | None
            ) -> list[dict[str, Any]]:
    by = {r["size"]: r for r in rows}

    def med(size: int, key: str) -> float | None:
        return by[size][key]["median_s"] if size in by else None

    def ratio(a: float | None, b: float | None) -> float | None:
        return a / b if a is not None and b else None

    def peak(size: int, key: str) -> float | None:
        return by[size][key]["peak_mb"] if size in by and by[size][key]["ok"] else None

    checks = [
        ("govctl plan(5000) / terraform plan(5000)",
         ratio(med(5000, "govctl_plan"), med(5000, "terraform_plan")), TARGET_PLAN_RATIO, "x"),
        ("govctl apply(5000)", med(5000, "govctl_apply"), TARGET_APPLY_S, "s"),
        ("govctl plan t(10000) / t(5000)",
         ratio(med(10000, "govctl_plan"), med(5000, "govctl_plan")), TARGET_GROWTH, "x"),
        ("govctl apply t(10000) / t(5000)",
         ratio(med(10000, "govctl_apply"), med(5000, "govctl_apply")), TARGET_GROWTH, "x"),
        ("govctl plan peak RSS (10000)", peak(10000, "govctl_plan"), TARGET_PEAK_MB, "MB"),
        ("govctl apply peak RSS (10000)", peak(10000, "govctl_apply"), TARGET_PEAK_MB, "MB"),
        (f"govctl apply ({latency['instances'] if latency else '?'} x {LATENCY_MS} ms, "
         f"-parallelism={LATENCY_PARALLELISM})",
         latency["govctl_apply"]["median_s"] if latency else None,
         latency["limit_s"] if latency else LATENCY_FACTOR * 2.0, "s"),
    ]
    return [{"what": what, "value": value, "limit": limit, "unit": unit,
             "met": None if value is None else value <= limit}
            for what, value, limit, unit in checks]


def fmt_time(m: dict[str, Any]) -> str:
    note = str(m["note"])
    if m.get("capped_at_s"):
        return f"> {m['capped_at_s']:.0f}"
    if note:
        return "skipped" if note.startswith("skipped") else note
    if len(m["runs"]) > 1:
        return f"{m['best_s']:.2f} / {m['median_s']:.2f}"
    return f"{m['median_s']:.2f}"


def fmt_mb(m: dict[str, Any]) -> str:
    return "-" if m["peak_mb"] is None or not m["runs"] else f"{m['peak_mb']:.0f}"


def print_table(rows: list[dict[str, Any]], latency: dict[str, Any] | None,
                checks: list[dict[str, Any]], repeat: int) -> None:
    header = ["size", "instances", "govctl plan s", "MB", "govctl apply s", "MB",
              "tf plan s", "MB", "tf apply s", "MB", "plan g/tf"]
    table = [header]
    for r in rows:
        g, t = r["govctl_plan"]["median_s"], r["terraform_plan"]["median_s"]
        table.append([str(r["size"]), str(r["instances"]),
                      fmt_time(r["govctl_plan"]), fmt_mb(r["govctl_plan"]),
                      fmt_time(r["govctl_apply"]), fmt_mb(r["govctl_apply"]),
                      fmt_time(r["terraform_plan"]), fmt_mb(r["terraform_plan"]),
                      fmt_time(r["terraform_apply"]), fmt_mb(r["terraform_apply"]),
                      "-" if g is None or not t else f"{g / t:.2f}"])
    if latency:
        table.append([f"{latency['size']}@{latency['latency_ms']}ms", str(latency["instances"]),
                      fmt_time(latency["govctl_plan"]), fmt_mb(latency["govctl_plan"]),
                      fmt_time(latency["govctl_apply"]), fmt_mb(latency["govctl_apply"]),
                      "-", "-", "-", "-", "-"])
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    print()
    for n, row in enumerate(table):
        print("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))
    print(f"\ntimes in seconds ({'best / median of ' + str(repeat) if repeat > 1 else 'one run'}"
          "), MB = peak RSS in MiB; '> N' = killed after N s")
    if latency:
        print(f"latency row: -parallelism={latency['parallelism']}, ideal "
              f"{latency['ideal_s']:.2f} s")
    print("\ntargets:")
    for c in checks:
        status = "n/a" if c["met"] is None else ("met" if c["met"] else "MISSED")
        value = "-" if c["value"] is None else f"{c['value']:.2f} {c['unit']}"
        print(f"  {c['what']:<52} {value:>11}  (limit {c['limit']:g} {c['unit']})  {status}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=parse_sizes, default=[1000, 5000, 10000],
                    help="comma-separated resource-block counts (default 1000,5000,10000)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="plan+apply cycles per size (default 1)")
    ap.add_argument("--repeat-tf-apply", action="store_true",
                    help="also repeat Terraform's apply (default: once per size)")
    ap.add_argument("--keep", type=Path, metavar="DIR",
                    help="generate into DIR/<size>/ and keep it "
                         "(default: bench/out/engine_work, deleted afterwards)")
    ap.add_argument("--files", type=int, default=10, help="files per configuration")
    ap.add_argument("--timeout", type=float, default=600,
                    help="seconds per govctl run and Terraform plan (default 600)")
    ap.add_argument("--tf-apply-timeout", type=float, default=120,
                    help="Terraform's apply is killed after this many seconds "
                         "and reported as '> N s' (default 120)")
    ap.add_argument("--no-terraform", action="store_true", help="measure govctl only")
    ap.add_argument("--no-latency", action="store_true", help="skip the latency case")
    ap.add_argument("--latency-repeat", type=int, default=3,
                    help="plan+apply cycles of the latency case, judged on their median "
                         "(default 3: one run swings by a second on a shared machine)")
    args = ap.parse_args(argv)
    if args.repeat < 1 or args.latency_repeat < 1:
        ap.error("--repeat and --latency-repeat must be at least 1")

    govctl, terraform, tf_version = run.start()

    base = args.keep or OUT / "engine_work"
    rows: list[dict[str, Any]] = []
    latency: dict[str, Any] | None = None
    try:
        for size in args.sizes:
            rows.append(bench_size(size, base / str(size), args, govctl, terraform))
        if not args.no_latency:
            latency = bench_latency(base / "latency", args, govctl)
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)

    checks = targets(rows, latency)
    print_table(rows, latency, checks, args.repeat)
    results = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": run.machine(),
        "terraform_version": tf_version,
        "repeat": args.repeat,
        "tf_apply_timeout_s": args.tf_apply_timeout,
        "rows": rows,
        "latency": latency,
        "targets": checks,
    }
    run.write_results("engine_results.json", results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
