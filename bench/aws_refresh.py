"""AWS refresh benchmark: `govctl plan` with refresh against a moto server (issue 4, "Speed").

    python bench/aws_refresh.py [--sizes 200,1000] [--runs 3] [--timeout 1800]

Starts the AWS sandbox (`govctl sandbox -env-file F`: moto on 127.0.0.1 and a free port) in
a process of its own, then for each size N:
  - writes a configuration of N buckets, each with its encryption, public access block and
    versioning (4N resources, `for_each` over a set of names) into bench/out/aws_refresh/N/,
  - empties the server and seeds it with `govctl apply -auto-approve` (timed, once),
  - times `govctl plan -detailed-exitcode` with refresh at the default -parallelism (10) and
    at -parallelism=20, and `govctl plan -refresh=false`; `--runs` runs each, interleaved,
    median; every plan must exit 0 (no changes), or its row is marked FAILED,
  - counts the API calls of each plan (GOVCTL_AWS_CALL_LOG),
  - replays exactly those calls (same operations, same buckets) from 10 threads sharing one
    boto3 client, configured as the provider's, after each round of plans, and takes the
    server's raw throughput (median).
Target: plan time <= 1.5 x calls / raw throughput. The sandbox is stopped in every case.

Results are printed as a table and written to bench/out/aws_refresh.json.
"""

from __future__ import annotations

import argparse
import compileall
import itertools
import os
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import botocore.config
from botocore.exceptions import ClientError

# bench/ is on sys.path when this file is run as a script
from run import Run, govctl_command, machine, parse_sizes, run_child, write_results

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"
WORK = OUT / "aws_refresh"
REGION = "eu-west-1"
ACCOUNT = "123456789012"  # moto's default account
KMS_KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
RESOURCE_TYPES = ("aws_s3_bucket", "aws_s3_bucket_server_side_encryption_configuration",
                  "aws_s3_bucket_public_access_block", "aws_s3_bucket_versioning")
RAW_THREADS = 10
TARGET_FACTOR = 1.5  # plan(refresh) <= 1.5 x calls / raw throughput
SANDBOX_START_S = 60.0


# --- the sandbox -------------------------------------------------------------------

@contextmanager
def sandbox(govctl: list[str]) -> Iterator[str]:
    """`govctl sandbox` in its own process; its URL. Stopped (SIGTERM, then SIGKILL)
    however the benchmark ends, so no server is left behind."""
    with tempfile.TemporaryDirectory(prefix="govctl-aws-bench-") as tmp:
        env_file, log = Path(tmp) / "sandbox.env", Path(tmp) / "sandbox.log"
        with log.open("wb") as out:
            proc = subprocess.Popen([*govctl, "sandbox", "-name", "aws", "-env-file",
                                     str(env_file)], stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT, env=clean_env(), cwd=REPO)
        try:
            yield wait_for_url(proc, env_file, log)
        finally:
            stop(proc)


def wait_for_url(proc: subprocess.Popen[bytes], env_file: Path, log: Path) -> str:
    """The sandbox writes its environment file once the server listens."""
    deadline = time.monotonic() + SANDBOX_START_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the sandbox exited ({proc.returncode}):\n{log.read_text()}")
        if env_file.exists():
            for line in env_file.read_text().splitlines():
                words = shlex.split(line)
                if len(words) == 2 and words[1].startswith("GOVCTL_SANDBOX="):
                    return words[1].partition("=")[2]
        time.sleep(0.1)
    raise SystemExit(f"the sandbox did not start within {SANDBOX_START_S:.0f} s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def reset(url: str) -> None:
    req = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(req, timeout=30) as resp:
        resp.read()


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without AWS settings: fake credentials only, no profile or config
    file on the machine can send a benchmark run to a real account."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "GOVCTL_AWS_", "GOVCTL_SANDBOX"))}
    env.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_REGION=REGION,
               AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    env.update(extra)
    return env


# --- the configuration -------------------------------------------------------------

def bucket_names(size: int) -> list[str]:
    return [f"govctl-bench-{size}-{i:05d}" for i in range(size)]


def write_config(directory: Path, size: int, url: str) -> None:
    """One file: the provider block and four `for_each` resources over the same set of
    bucket names; the settings reference their bucket, as a real configuration does."""
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*"):
        if old.is_file():
            old.unlink()
    (directory / "main.hcl").write_text(f'''\
provider "aws" {{
  region     = "{REGION}"
  access_key = "bench"
  secret_key = "bench"
  endpoints {{
    s3  = "{url}"
    sts = "{url}"
  }}
}}

locals {{
  buckets = toset([for i in range({size}) : format("govctl-bench-{size}-%05d", i)])
}}

resource "aws_s3_bucket" "this" {{
  for_each = local.buckets
  bucket   = each.key
  tags     = {{ bench = "aws_refresh", size = "{size}" }}
}}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {{
  for_each = local.buckets
  bucket   = aws_s3_bucket.this[each.key].id
  rule {{
    apply_server_side_encryption_by_default {{
      sse_algorithm     = "aws:kms"
      kms_master_key_id = "{KMS_KEY_ARN}"
    }}
    bucket_key_enabled = true
  }}
}}

resource "aws_s3_bucket_public_access_block" "this" {{
  for_each                = local.buckets
  bucket                  = aws_s3_bucket.this[each.key].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}}

resource "aws_s3_bucket_versioning" "this" {{
  for_each = local.buckets
  bucket   = aws_s3_bucket.this[each.key].id
  versioning_configuration {{
    status = "Enabled"
  }}
}}
''')


# --- timed govctl runs -------------------------------------------------------------

@dataclass
class Measure:
    """Repeated runs of one govctl command, with the API calls each run made."""

    label: str
    command: list[str]
    runs: list[Run] = field(default_factory=list)
    calls: list[Counter[str]] = field(default_factory=list)
    note: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.runs) and not self.note

    @property
    def median(self) -> float | None:
        return statistics.median(r.seconds for r in self.runs) if self.ok else None

    @property
    def call_count(self) -> int | None:
        return sum(self.calls[0].values()) if self.calls else None

    def summary(self) -> dict[str, Any]:
        return {"ok": self.ok, "note": self.note, "command": self.command,
                "median_s": self.median,
                "best_s": min(r.seconds for r in self.runs) if self.ok else None,
                "runs_s": [r.seconds for r in self.runs],
                "peak_mb": max(r.peak_kib for r in self.runs) / 1024 if self.runs else None,
                "calls": sum(self.calls[0].values()) if self.calls else None,
                "calls_by_operation": dict(sorted(self.calls[0].items())) if self.calls else {},
                "calls_per_run": [sum(c.values()) for c in self.calls]}


def measure(m: Measure, *, cwd: Path, timeout: float) -> None:
    """One more run of `m` (none once it has failed); exit 0 is required, so a plan that
    finds changes fails, as the brief wants a no-op plan."""
    if m.note:
        return
    with tempfile.NamedTemporaryFile(prefix="calls-", suffix=".log") as log:
        run = run_child(m.command, cwd=cwd, env=clean_env(GOVCTL_AWS_CALL_LOG=log.name),
                        timeout=timeout)
        calls = Counter(Path(log.name).read_text().split())
    m.runs.append(run)
    m.calls.append(calls)
    if not run.ok:
        why = f"timed out after {timeout:.0f} s" if run.timed_out else f"exit {run.returncode}"
        m.note = f"FAILED ({why})"
        print(f"-- {m.label} {m.note}; {run.output_tail()}", file=sys.stderr)
        return
    print(f"   {m.label}: {run.seconds:.2f} s, {sum(calls.values())} calls", flush=True)


# --- raw throughput ----------------------------------------------------------------

def raw_clients(url: str, services: set[str]) -> dict[str, Any]:
    """One client per service, shared by the threads, configured as the provider's
    (govctl_aws/session.py: adaptive retries, 25 attempts, a pool of 64 connections)."""
    config = botocore.config.Config(retries={"mode": "adaptive", "total_max_attempts": 25},
                                    max_pool_connections=64)
    session = boto3.Session(aws_access_key_id="bench", aws_secret_access_key="bench",
                            region_name=REGION)
    return {s: session.client(s, endpoint_url=url, config=config) for s in sorted(services)}


def replay_list(calls: Counter[str], names: list[str], clients: dict[str, Any]
                ) -> list[tuple[Any, dict[str, str]]]:
    """The plan's calls as (bound method, arguments): an operation on a bucket is spread
    over the buckets in turn (the plan made one per bucket), as the plan ordered its reads,
    bucket by bucket."""
    per_op = []
    for name, count in sorted(calls.items()):
        service, op = name.split(":")
        client = clients[service]
        method = getattr(client, {v: k for k, v in client.meta.method_to_api_mapping.items()}[op])
        members = client.meta.service_model.operation_model(op).input_shape.members
        per_op.append([(method, {"Bucket": names[i % len(names)]} if "Bucket" in members
                        else {}) for i in range(count)])
    return [c for group in itertools.zip_longest(*per_op) for c in group if c is not None]


def replay(todo: list[tuple[Any, dict[str, str]]]) -> tuple[float, int]:
    """Every call once, from RAW_THREADS threads taking the next call from one shared
    counter; the seconds it took and how many calls AWS answered with an error."""
    counter = itertools.count()   # next() on it is atomic under the GIL
    errors = Counter[str]()
    lock = threading.Lock()

    def worker() -> None:
        while (i := next(counter)) < len(todo):
            method, args = todo[i]
            try:
                method(**args)
            except ClientError as exc:
                with lock:
                    errors[exc.response.get("Error", {}).get("Code", "?")] += 1

    threads = [threading.Thread(target=worker) for _ in range(RAW_THREADS)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start, sum(errors.values())


class RawThroughput:
    """The plan's calls replayed from RAW_THREADS threads, once per plan round, so that
    drift in the machine's load hits the plans and the replays alike."""

    def __init__(self, url: str, calls: Counter[str], names: list[str]):
        clients = raw_clients(url, {c.split(":")[0] for c in calls})
        self.todo = replay_list(calls, names, clients)
        self.timings: list[tuple[float, int]] = []
        replay(self.todo[: RAW_THREADS * 5])  # warm-up: connections open, endpoints resolved

    def run(self) -> None:
        seconds, errors = replay(self.todo)
        self.timings.append((seconds, errors))
        print(f"   raw replay ({RAW_THREADS} threads): {seconds:.2f} s, "
              f"{len(self.todo) / seconds:.0f} calls/s"
              + (f", {errors} errors" if errors else ""), flush=True)

    def summary(self) -> dict[str, Any]:
        seconds = statistics.median(t for t, _ in self.timings)
        return {"calls": len(self.todo), "threads": RAW_THREADS,
                "runs_s": [t for t, _ in self.timings], "median_s": seconds,
                "calls_per_s": len(self.todo) / seconds,
                "errors": max(e for _, e in self.timings)}


# --- one size ----------------------------------------------------------------------

def calls_by_type(calls: Counter[str]) -> dict[str, int]:
    """Calls of each resource type, by the operations its `refresh_calls` names."""
    from govctl_aws.resources import RESOURCES

    owner = {op: t.name for t in RESOURCES if t.name in RESOURCE_TYPES
             for op in t.refresh_calls}
    by_type: Counter[str] = Counter()
    for op, n in calls.items():
        by_type[owner.get(op, "(other)")] += n
    return dict(by_type)


def bench_size(size: int, url: str, govctl: list[str], args: argparse.Namespace
               ) -> dict[str, Any]:
    directory = WORK / str(size)
    resources = size * len(RESOURCE_TYPES)
    print(f"\n== {size} buckets, {resources} resources, in {directory}", flush=True)
    reset(url)
    write_config(directory, size, url)
    apply = Measure("apply (seed)", [*govctl, "apply", "-auto-approve", "-no-color",
                                     str(directory)])
    measure(apply, cwd=directory, timeout=args.timeout)
    plan = [*govctl, "plan", "-no-color", "-detailed-exitcode"]
    plans = [Measure("plan", [*plan, str(directory)]),
             Measure("plan -parallelism=20", [*plan, "-parallelism=20", str(directory)]),
             Measure("plan -refresh=false", [*plan, "-refresh=false", str(directory)])]
    if not apply.ok:
        for m in plans:
            m.note = "skipped: apply failed"
    refresh = plans[0]
    raw: RawThroughput | None = None
    for _ in range(args.runs):  # interleaved, so drift in the machine's load hits all alike
        for m in plans:
            measure(m, cwd=directory, timeout=args.timeout)
        if refresh.ok:
            raw = raw or RawThroughput(url, refresh.calls[0], bucket_names(size))
            raw.run()
    row: dict[str, Any] = {
        "size": size, "resources": resources, "apply": apply.summary(),
        "plan": refresh.summary(), "plan_p20": plans[1].summary(),
        "plan_no_refresh": plans[2].summary(), "raw": None, "target": None}
    if not refresh.ok or raw is None:
        return row
    calls = refresh.calls[0]
    row["calls_per_resource"] = sum(calls.values()) / resources
    row["calls_by_type"] = {t: {"calls": n, "per_resource": n / size}
                            for t, n in calls_by_type(calls).items()}
    if any(c != calls for c in refresh.calls):
        print("-- the plans' calls differ from run to run: "
              f"{[sum(c.values()) for c in refresh.calls]}", file=sys.stderr)
    row["raw"] = raw.summary()
    ideal = row["raw"]["calls"] / row["raw"]["calls_per_s"]
    ratio = refresh.median / ideal if refresh.median is not None else None
    # what refreshing adds to a plan, against the same calls made raw
    fixed = plans[2].median
    refresh_s = refresh.median - fixed if refresh.median is not None and fixed else None
    row["target"] = {"ideal_s": ideal, "limit_s": TARGET_FACTOR * ideal, "ratio": ratio,
                     "ratio_p20": (plans[1].median / ideal if plans[1].median else None),
                     "refresh_s": refresh_s,
                     "refresh_ratio": refresh_s / ideal if refresh_s is not None else None,
                     "met": ratio is not None and ratio <= TARGET_FACTOR}
    return row


# --- report ------------------------------------------------------------------------

def fmt(value: float | None, spec: str = ".2f") -> str:
    return "-" if value is None else format(value, spec)


def cell(m: dict[str, Any]) -> str:
    return fmt(m["median_s"]) if m["ok"] else (m["note"] or "-")


def print_table(rows: list[dict[str, Any]], runs: int) -> None:
    header = ["buckets", "resources", "apply s", "plan s", "plan -p20 s", "no-refresh s",
              "calls", "calls/res", "raw calls/s", "ideal s", "plan/ideal", f"<= {TARGET_FACTOR}x"]
    table = [header]
    for r in rows:
        t, raw = r["target"] or {}, r["raw"] or {}
        table.append([str(r["size"]), str(r["resources"]), cell(r["apply"]), cell(r["plan"]),
                      cell(r["plan_p20"]), cell(r["plan_no_refresh"]),
                      str(r["plan"]["calls"] or "-"), fmt(r.get("calls_per_resource")),
                      fmt(raw.get("calls_per_s"), ".0f"), fmt(t.get("ideal_s")),
                      fmt(t.get("ratio")),
                      "-" if not t else ("met" if t["met"] else "MISSED")])
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    print()
    for n, row in enumerate(table):
        print("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))
    print(f"\nplan times: median of {runs}; apply: one run (seeding); ideal = calls / raw "
          f"throughput ({RAW_THREADS} threads, median of {runs})")
    for r in rows:
        by_type = r.get("calls_by_type") or {}
        if by_type:
            print(f"calls per resource at {r['size']}: " + ", ".join(
                f"{t} {v['per_resource']:.2f}" for t, v in sorted(by_type.items())))
        t = r["target"]
        if t:
            print(f"  {r['size']}: plan {r['plan']['median_s']:.2f} s vs limit "
                  f"{t['limit_s']:.2f} s ({TARGET_FACTOR} x {t['ideal_s']:.2f} s): "
                  f"{'met' if t['met'] else 'MISSED'}; -parallelism=20: "
                  f"{fmt(t['ratio_p20'])}x ideal; plan minus no-refresh plan "
                  f"{fmt(t['refresh_s'])} s = {fmt(t['refresh_ratio'])}x ideal")


def start() -> list[str]:
    """govctl measured as installed: bytecode written, as a wheel install has it
    (PYTHONDONTWRITEBYTECODE on these machines would otherwise compile it every run)."""
    OUT.mkdir(parents=True, exist_ok=True)
    for package in (REPO / "govctl", REPO / "providers" / "aws" / "govctl_aws"):
        compileall.compile_dir(str(package), quiet=1)
    govctl = govctl_command()
    print(f"govctl: {' '.join(govctl)}")
    return govctl


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=parse_sizes, default=[200, 1000],
                    help="comma-separated bucket counts (default 200,1000)")
    ap.add_argument("--runs", type=int, default=3,
                    help="runs of each plan and of the raw replay (default 3)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per govctl run")
    args = ap.parse_args(argv)
    if args.runs < 1:
        ap.error("--runs must be at least 1")

    govctl = start()
    rows = []
    with sandbox(govctl) as url:
        print(f"sandbox: {url}")
        for size in args.sizes:
            rows.append(bench_size(size, url, govctl, args))

    print_table(rows, args.runs)
    results = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine(boto3=boto3.__version__),
        "runs": args.runs, "raw_threads": RAW_THREADS, "target_factor": TARGET_FACTOR,
        "rows": rows,
    }
    write_results("aws_refresh.json", results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
