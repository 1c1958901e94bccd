"""Parse/validate benchmark: `govctl validate` against `terraform validate` on twin configs.

    python bench/run.py [--sizes 1000,5000,10000] [--repeat 3] [--keep DIR]

For each size, generates the twin configurations (bench/generate.py), then times
  - `govctl validate <size>/govctl`,
  - `terraform validate` in <size>/terraform, after an untimed `terraform init -backend=false`
    (skipped with a note when terraform is not on PATH),
and once `govctl --version` (best of 5). Wall time is measured around each child process,
peak RSS is the child's own ru_maxrss from os.wait4. A failing `govctl validate` marks its
row FAILED and prints the end of its stderr; the exit status is still 0.

Results are printed as a table and written to bench/out/results.json.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from generate import generate  # bench/ is on sys.path when this file is run as a script

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"
VERSION_RUNS = 5
TAIL_LINES = 15

TARGET_RATIO = 0.5  # govctl validate(5000) <= 0.5 x terraform validate(5000)
TARGET_GROWTH = 2.2  # govctl t(10000) / t(5000) <= 2.2
TARGET_VERSION_S = 0.3  # govctl --version


@dataclass
class Run:
    seconds: float
    peak_kib: int
    returncode: int
    stderr_tail: str
    stdout_tail: str
    timed_out: bool = False

    def output_tail(self) -> str:
        """The end of stderr, or of stdout when stderr is empty (some tools report there)."""
        if self.stderr_tail:
            return f"stderr tail:\n{self.stderr_tail}"
        return f"stdout tail:\n{self.stdout_tail}" if self.stdout_tail else "(no output)"

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


@dataclass
class Measure:
    """Repeated runs of one command; `note` explains a skip or a failure."""

    command: list[str]
    runs: list[Run] = field(default_factory=list)
    note: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.runs) and not self.note

    @property
    def best(self) -> float | None:
        return min(r.seconds for r in self.runs) if self.ok else None

    @property
    def median(self) -> float | None:
        return statistics.median(r.seconds for r in self.runs) if self.ok else None

    @property
    def peak_mb(self) -> float | None:
        return max(r.peak_kib for r in self.runs) / 1024 if self.ok else None

    def summary(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "note": self.note,
            "command": self.command,
            "best_s": self.best,
            "median_s": self.median,
            "peak_mb": self.peak_mb,
            "runs": [asdict(r) for r in self.runs],
        }


def run_child(cmd: list[str], *, cwd: Path, env: dict[str, str], timeout: float) -> Run:
    """Run `cmd`, returning its wall time and its own peak RSS (ru_maxrss, KiB on Linux)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=err)
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            proc.kill()

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped: keep Popen consistent
        stdout_tail, stderr_tail = tail(out), tail(err)
    return Run(seconds, usage.ru_maxrss, proc.returncode, stderr_tail, stdout_tail,
               killed.is_set())


def tail(f: IO[bytes]) -> str:
    f.seek(0)
    return "\n".join(f.read().decode(errors="replace").splitlines()[-TAIL_LINES:])


def govctl_command() -> list[str]:
    """The console script next to this interpreter, else `python -m govctl.cli`."""
    script = Path(sys.executable).parent / "govctl"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "govctl.cli"]


def terraform_env() -> dict[str, str]:
    return {**os.environ, "TF_CLI_CONFIG_FILE": "/dev/null", "CHECKPOINT_DISABLE": "1"}


def terraform_version(terraform: str) -> str | None:
    try:
        out = subprocess.run([terraform, "version", "-json"], env=terraform_env(),
                             capture_output=True, text=True, timeout=60, check=True).stdout
        return str(json.loads(out)["terraform_version"])
    except (OSError, subprocess.SubprocessError, ValueError, KeyError):
        return None


def run_once(m: Measure, *, cwd: Path, env: dict[str, str], timeout: float) -> None:
    """One more run of `m`, unless it was skipped or has failed (no point repeating that)."""
    if m.note:
        return
    run = run_child(m.command, cwd=cwd, env=env, timeout=timeout)
    m.runs.append(run)
    if not run.ok:
        why = f"timed out after {timeout:.0f} s" if run.timed_out else f"exit {run.returncode}"
        m.note = f"FAILED ({why})"


def bench_size(size: int, workdir: Path, args: argparse.Namespace, govctl: list[str],
               terraform: str | None) -> dict[str, Any]:
    stats = generate(size, workdir, args.files)
    print(f"\n== {size} resources ({stats.lines['govctl']} lines of govctl HCL, "
          f"{stats.bytes['govctl'] / 1024:.0f} KiB) in {workdir}", flush=True)
    env, tf_env = dict(os.environ), terraform_env()
    gv = Measure([*govctl, "validate", str(workdir / "govctl")])
    tf_dir = f"-chdir={workdir / 'terraform'}"
    tf = Measure([terraform or "terraform", tf_dir, "validate", "-no-color"])
    if terraform is None:
        tf.note = "skipped: terraform not on PATH"
    else:  # one-time set-up, not timed
        init = run_child([terraform, tf_dir, "init", "-backend=false", "-input=false",
                          "-no-color"], cwd=REPO, env=tf_env, timeout=args.timeout)
        if not init.ok:
            tf.note = f"FAILED (terraform init exit {init.returncode})"
            print(f"-- terraform init failed; {init.output_tail()}", file=sys.stderr)

    for _ in range(args.repeat):  # interleaved, so drift in machine load hits both alike
        run_once(gv, cwd=REPO, env=env, timeout=args.timeout)
        run_once(tf, cwd=REPO, env=tf_env, timeout=args.timeout)

    for label, m in (("govctl validate", gv), ("terraform validate", tf)):
        if m.note.startswith("FAILED") and m.runs:
            print(f"-- {label} {m.note}; {m.runs[-1].output_tail()}", file=sys.stderr)
    return {"size": size, "files": args.files, "lines": stats.lines, "bytes": stats.bytes,
            "govctl": gv.summary(), "terraform": tf.summary()}


def add_ratios(rows: list[dict[str, Any]]) -> None:
    """ratio = govctl / terraform (medians); growth = govctl t(size) / t(previous size)."""
    prev: dict[str, Any] | None = None
    for row in rows:
        g, t = row["govctl"]["median_s"], row["terraform"]["median_s"]
        row["ratio"] = g / t if g is not None and t is not None else None
        p = prev["govctl"]["median_s"] if prev else None
        row["growth"] = g / p if g is not None and p else None
        row["growth_from"] = prev["size"] if prev else None
        prev = row


def targets(rows: list[dict[str, Any]], version: Measure) -> list[dict[str, Any]]:
    by_size = {r["size"]: r for r in rows}
    r5, r10 = by_size.get(5000), by_size.get(10000)
    g5 = r5["govctl"]["median_s"] if r5 else None
    g10 = r10["govctl"]["median_s"] if r10 else None
    checks = [
        ("govctl validate(5000) / terraform validate(5000)", r5["ratio"] if r5 else None,
         TARGET_RATIO, "x"),
        ("govctl validate t(10000) / t(5000)", g10 / g5 if g10 and g5 else None,
         TARGET_GROWTH, "x"),
        ("govctl --version (best of 5)", version.best, TARGET_VERSION_S, "s"),
    ]
    return [{"what": what, "value": value, "limit": limit, "unit": unit,
             "met": None if value is None else value <= limit}
            for what, value, limit, unit in checks]


def fmt_time(m: dict[str, Any]) -> str:
    note = str(m["note"])
    if note:
        return "skipped" if note.startswith("skipped") else note
    return f"{m['best_s']:.3f} / {m['median_s']:.3f}"


def fmt_num(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def print_table(rows: list[dict[str, Any]], version: Measure, checks: list[dict[str, Any]],
                ) -> None:
    header = ["size", "govctl s (best / median)", "govctl MB", "terraform s (best / median)",
              "terraform MB", "govctl/tf", "growth"]
    table = [header]
    for r in rows:
        growth = f"{r['growth']:.2f} (vs {r['growth_from']})" if r["growth"] else "-"
        table.append([str(r["size"]), fmt_time(r["govctl"]), fmt_num(r["govctl"]["peak_mb"]),
                      fmt_time(r["terraform"]), fmt_num(r["terraform"]["peak_mb"]),
                      fmt_num(r["ratio"], ".2f"), growth])
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    print()
    for n, row in enumerate(table):
        print("  ".join(c.rjust(w) if i == 0 else c.ljust(w)
                        for i, (c, w) in enumerate(zip(row, widths, strict=True))).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))
    v = f"{version.best:.3f} s" if version.ok and version.best is not None else version.note
    print(f"\ngovctl --version: {v}  (best of {VERSION_RUNS})")
    print("ratio and growth use median times; MB = peak RSS in MiB\n\ntargets:")
    for c in checks:
        status = "n/a" if c["met"] is None else ("met" if c["met"] else "MISSED")
        value = "-" if c["value"] is None else f"{c['value']:.3f} {c['unit']}"
        print(f"  {c['what']:<50} {value:>9}  (limit {c['limit']} {c['unit']})  {status}")


def machine(**extra: Any) -> dict[str, Any]:
    """What a results file says about where it was measured."""
    return {"python": sys.version.split()[0], "platform": platform.platform(),
            "cpus": os.cpu_count(), **extra}


def write_results(name: str, results: dict[str, Any]) -> Path:
    """bench/out/NAME, every benchmark's machine-readable results."""
    path = OUT / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {path}")
    return path


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = sorted({int(s) for s in text.split(",") if s.strip()})
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a list of integers: {text}") from exc
    if not sizes or sizes[0] < 1:
        raise argparse.ArgumentTypeError("sizes must be positive")
    return sizes


def start() -> tuple[list[str], str | None, str | None]:
    """What every benchmark does first: the output folder, govctl measured as
    installed (bytecode written: an environment with PYTHONDONTWRITEBYTECODE
    would otherwise compile it afresh on every run), and the tools, printed."""
    OUT.mkdir(parents=True, exist_ok=True)
    compileall.compile_dir(str(REPO / "govctl"), quiet=1)
    govctl = govctl_command()
    terraform = shutil.which("terraform")
    tf_version = terraform_version(terraform) if terraform else None
    print(f"govctl: {' '.join(govctl)}")
    print(f"terraform: {terraform} ({tf_version})" if terraform
          else "terraform: not on PATH, its columns are skipped")
    return govctl, terraform, tf_version


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=parse_sizes, default=[1000, 5000, 10000],
                    help="comma-separated resource counts (default 1000,5000,10000)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement (default 3)")
    ap.add_argument("--keep", type=Path, metavar="DIR",
                    help="generate into DIR/<size>/ and keep the configurations "
                         "(default: bench/out/work, deleted afterwards)")
    ap.add_argument("--files", type=int, default=10, help="files per configuration (default 10)")
    ap.add_argument("--timeout", type=float, default=900, help="seconds per run (default 900)")
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")

    govctl, terraform, tf_version = start()

    version = Measure([*govctl, "--version"])
    for _ in range(VERSION_RUNS):
        run_once(version, cwd=REPO, env=dict(os.environ), timeout=args.timeout)
    if version.runs and not version.ok:
        print(f"-- govctl --version {version.note}; {version.runs[-1].output_tail()}",
              file=sys.stderr)

    base = args.keep or OUT / "work"
    rows = []
    try:
        for size in args.sizes:
            rows.append(bench_size(size, base / str(size), args, govctl, terraform))
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)

    add_ratios(rows)
    checks = targets(rows, version)
    print_table(rows, version, checks)
    results = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine(),
        "terraform_version": tf_version,
        "repeat": args.repeat,
        "govctl_version": version.summary(),
        "rows": rows,
        "targets": checks,
    }
    write_results("results.json", results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
