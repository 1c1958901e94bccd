"""Drift audit benchmark: `govctl drift` against Cloud Custodian on one moto server (issue 5).

    python bench/drift_vs_custodian.py [--runs 3] [--timeout 900]

Starts the AWS sandbox (`govctl sandbox -env-file F`, as bench/aws_refresh.py does) in a
process of its own and seeds it once:
  - a configuration of 200 buckets, each with SSE-KMS default encryption, and 20 KMS keys
    with `enable_key_rotation = true` is written to bench/out/drift_vs_custodian/ and
    applied with `govctl apply -auto-approve`, so govctl has a state to compare with;
  - then, outside govctl (boto3), DeleteBucketEncryption on every other bucket (100) and
    DisableKeyRotation on every other key (10): 110 drifted objects.
Then, `--runs` times over, interleaved:
  - `govctl drift -json DIR` (exit 2 expected), its API calls counted through
    GOVCTL_AWS_CALL_LOG; the JSON must report exactly the 100 encryption configurations
    and 10 keys that were changed;
  - `custodian run --cache-period 0 -s OUT policies.yml --region eu-west-1` from c7n in a
    virtual environment of its own (bench/out/c7n-venv, created on first use with
    `pip install c7n`), with the sandbox's environment (AWS_ENDPOINT_URL); two policies, no
    actions: `s3` + `bucket-encryption` state false, `kms-key` + `key-rotation-status`
    KeyRotationEnabled false. It must find the same 100 buckets and 10 keys. Its API calls
    are counted by a wrapper that runs c7n's own `main` with botocore's
    `BaseClient._make_api_call` counted (one dictionary increment per call).
Target: median govctl time <= 1/3 x median Custodian time. The sandbox is stopped in every
case. Results are printed as a table and written to bench/out/drift_vs_custodian.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import boto3

# bench/ is on sys.path when this file is run as a script
from aws_refresh import OUT, REGION, clean_env, fmt, reset, sandbox, start
from run import Run, machine, run_child, tail, write_results

WORK = OUT / "drift_vs_custodian"
C7N_VENV = OUT / "c7n-venv"
BUCKETS = 200
KEYS = 20
TARGET_RATIO = 1 / 3   # govctl drift <= 1/3 x custodian
BUCKET_PREFIX = "govctl-drift-bench-"
POLICY_S3 = "s3-without-encryption"
POLICY_KMS = "kms-key-without-rotation"


def bucket_names() -> list[str]:
    return [f"{BUCKET_PREFIX}{i:03d}" for i in range(BUCKETS)]


def key_names() -> list[str]:
    return [f"k{i:02d}" for i in range(KEYS)]


def drifted(names: list[str]) -> list[str]:
    """Every other name: the half changed outside govctl."""
    return names[1::2]


# --- Cloud Custodian, in a virtual environment of its own ---------------------------

def custodian_python() -> Path:
    """bench/out/c7n-venv/bin/python, with c7n installed (made on first use)."""
    python = C7N_VENV / "bin" / "python"
    if not (C7N_VENV / "bin" / "custodian").exists():
        print(f"installing c7n into {C7N_VENV} ...", flush=True)
        subprocess.run([shutil.which("python3") or sys.executable, "-m", "venv",
                        str(C7N_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "c7n"], check=True)
    return python


def custodian_versions(python: Path) -> dict[str, str]:
    out = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m, json; print(json.dumps("
         "{p: m.version(p) for p in ('c7n', 'boto3', 'botocore')}))"],
        capture_output=True, text=True, check=True).stdout
    return dict(json.loads(out))


# c7n's console script is `from c7n.cli import main; sys.exit(main())`; this is the same,
# with every botocore API call counted (as govctl's before-call counter does)
COUNTING_WRAPPER = '''\
import atexit, collections, os, sys, threading
import botocore.client

calls = collections.Counter()
lock = threading.Lock()
make_api_call = botocore.client.BaseClient._make_api_call


def counted(self, operation_name, api_params):
    with lock:
        calls[f"{self.meta.service_model.endpoint_prefix}:{operation_name}"] += 1
    return make_api_call(self, operation_name, api_params)


botocore.client.BaseClient._make_api_call = counted


@atexit.register
def dump():
    with open(os.environ["C7N_CALL_LOG"], "w") as f:
        f.writelines(f"{op}\\n" * n for op, n in sorted(calls.items()))


from c7n.cli import main

sys.argv[0] = "custodian"
sys.exit(main())
'''

POLICIES = f'''\
policies:
  - name: {POLICY_S3}
    resource: s3
    filters:
      - type: bucket-encryption
        state: false
  - name: {POLICY_KMS}
    resource: kms-key
    filters:
      - type: key-rotation-status
        key: KeyRotationEnabled
        value: false
'''


# --- the configuration and the seed -------------------------------------------------

def write_config(directory: Path, url: str) -> None:
    """Buckets encrypted with the first key, every key rotating: what the drift breaks."""
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.iterdir():
        if old.is_file():
            old.unlink()
        elif old.name == ".govctl":
            shutil.rmtree(old)
    (directory / "main.hcl").write_text(f'''\
provider "aws" {{
  region     = "{REGION}"
  access_key = "bench"
  secret_key = "bench"
  endpoints {{
    kms = "{url}"
    s3  = "{url}"
    sts = "{url}"
  }}
}}

locals {{
  buckets = toset([for i in range({BUCKETS}) : format("{BUCKET_PREFIX}%03d", i)])
  keys    = toset([for i in range({KEYS}) : format("k%02d", i)])
}}

resource "aws_kms_key" "this" {{
  for_each                = local.keys
  description             = each.key
  enable_key_rotation     = true
  deletion_window_in_days = 7
  tags                    = {{ bench = "drift_vs_custodian" }}
}}

resource "aws_s3_bucket" "this" {{
  for_each = local.buckets
  bucket   = each.key
  tags     = {{ bench = "drift_vs_custodian" }}
}}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {{
  for_each = local.buckets
  bucket   = aws_s3_bucket.this[each.key].id
  rule {{
    apply_server_side_encryption_by_default {{
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.this["k00"].arn
    }}
    bucket_key_enabled = true
  }}
}}
''')
    (directory / "policies.yml").write_text(POLICIES)
    (directory / "c7n_counted.py").write_text(COUNTING_WRAPPER)


def seed(url: str, govctl: list[str], directory: Path, timeout: float) -> dict[str, Any]:
    """Apply the configuration, then break half of it with boto3 (not timed as a tool)."""
    reset(url)
    write_config(directory, url)
    run = run_child([*govctl, "apply", "-auto-approve", "-no-color", str(directory)],
                    cwd=directory, env=clean_env(), timeout=timeout)
    if not run.ok:
        raise SystemExit(f"the seeding apply failed (exit {run.returncode}); "
                         f"{run.output_tail()}")
    print(f"   apply (seed): {run.seconds:.2f} s", flush=True)
    session = boto3.Session(aws_access_key_id="bench", aws_secret_access_key="bench",
                            region_name=REGION)
    s3 = session.client("s3", endpoint_url=url)
    kms = session.client("kms", endpoint_url=url)
    for name in drifted(bucket_names()):
        s3.delete_bucket_encryption(Bucket=name)
    by_name = {}
    for page in kms.get_paginator("list_keys").paginate():
        for entry in page["Keys"]:
            meta = kms.describe_key(KeyId=entry["KeyId"])["KeyMetadata"]
            by_name[meta.get("Description")] = meta["KeyId"]
    if sorted(by_name) != key_names():
        raise SystemExit(f"the sandbox holds unexpected keys: {sorted(by_name)}")
    for name in drifted(key_names()):
        kms.disable_key_rotation(KeyId=by_name[name])
    return {"apply_s": run.seconds, "key_ids": by_name}


# --- the runs -----------------------------------------------------------------------

def run_keeping_stdout(cmd: list[str], *, cwd: Path, env: dict[str, str], timeout: float
                       ) -> tuple[Run, str]:
    """`run_child` (wall time and peak RSS of the child), keeping all of stdout: the
    JSON report. stdout goes to a file, so reading it costs the child nothing."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start_t = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=err)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - start_t
        proc.returncode = os.waitstatus_to_exitcode(status)
        timed_out = proc.returncode < 0 and seconds >= timeout
        out.seek(0)
        stdout = out.read().decode(errors="replace")
        return Run(seconds, usage.ru_maxrss, proc.returncode, tail(err), tail(out),
                   timed_out), stdout


class Tool:
    """Repeated runs of one tool: wall times, API calls, findings."""

    def __init__(self, label: str, command: list[str], expected_exit: int):
        self.label, self.command, self.expected_exit = label, command, expected_exit
        self.runs: list[Run] = []
        self.calls: list[Counter[str]] = []
        self.findings: list[dict[str, Any]] = []
        self.note = ""

    @property
    def ok(self) -> bool:
        return bool(self.runs) and not self.note

    @property
    def median(self) -> float | None:
        return statistics.median(r.seconds for r in self.runs) if self.ok else None

    def record(self, run: Run, calls: Counter[str], findings: dict[str, Any],
               problem: str) -> None:
        self.runs.append(run)
        self.calls.append(calls)
        self.findings.append(findings)
        if run.timed_out or run.returncode != self.expected_exit:
            why = "timed out" if run.timed_out else f"exit {run.returncode}"
            problem = f"{why}, {self.expected_exit} expected" + (f"; {problem}" if problem
                                                                  else "")
        if problem:
            self.note = f"FAILED ({problem})"
            print(f"-- {self.label} {self.note}; {run.output_tail()}", file=sys.stderr)
            return
        print(f"   {self.label}: {run.seconds:.2f} s, {sum(calls.values())} calls", flush=True)

    def summary(self) -> dict[str, Any]:
        calls = self.calls[0] if self.calls else Counter()
        return {"ok": self.ok, "note": self.note, "command": self.command,
                "median_s": self.median,
                "best_s": min(r.seconds for r in self.runs) if self.ok else None,
                "runs_s": [r.seconds for r in self.runs],
                "peak_mb": max(r.peak_kib for r in self.runs) / 1024 if self.runs else None,
                "calls": sum(calls.values()) if self.calls else None,
                "calls_per_run": [sum(c.values()) for c in self.calls],
                "calls_by_operation": dict(sorted(calls.items())),
                "findings": self.findings[0] if self.findings else {}}


def expected_drift() -> tuple[set[str], set[str]]:
    enc = {f'aws_s3_bucket_server_side_encryption_configuration.this["{n}"]'
           for n in drifted(bucket_names())}
    keys = {f'aws_kms_key.this["{n}"]' for n in drifted(key_names())}
    return enc, keys


def run_govctl(tool: Tool, directory: Path, timeout: float) -> None:
    if tool.note:
        return
    with tempfile.NamedTemporaryFile(prefix="calls-", suffix=".log") as log:
        run, stdout = run_keeping_stdout(tool.command, cwd=directory, timeout=timeout,
                                         env=clean_env(GOVCTL_AWS_CALL_LOG=log.name))
        calls = Counter(Path(log.name).read_text().split())
    findings: dict[str, Any] = {}
    problem = ""
    try:
        doc = json.loads(stdout)
    except ValueError:
        doc = None
        problem = "no JSON report on stdout"
    if doc is not None:
        items = doc["drift"]
        enc = {i["address"] for i in items
               if i["type"] == "aws_s3_bucket_server_side_encryption_configuration"}
        keys = {i["address"] for i in items if i["type"] == "aws_kms_key"}
        findings = {
            "drifted": doc["summary"]["drifted"],
            "buckets_without_encryption": len(enc),
            "keys_without_rotation": len(keys),
            "other_items": len(items) - len(enc) - len(keys),
            "kinds": dict(Counter(f'{i["type"]}:{i["kind"]}' for i in items)),
            "key_attributes": dict(Counter(a["name"] for i in items
                                           if i["type"] == "aws_kms_key"
                                           for a in i["attributes"])),
            "unmanaged": doc["summary"]["unmanaged"],
            "coverage": doc["coverage"]["text"]}
        want_enc, want_keys = expected_drift()
        if enc != want_enc or keys != want_keys or findings["other_items"]:
            problem = (f"drift reports {len(enc)} encryption configurations, {len(keys)} "
                       f"keys and {findings['other_items']} other items; 100 and 10 "
                       "(exactly those changed) expected")
    tool.record(run, calls, findings, problem)


def run_custodian(tool: Tool, directory: Path, url: str, timeout: float) -> None:
    if tool.note:
        return
    out = directory / "c7n-out"
    shutil.rmtree(out, ignore_errors=True)
    env = clean_env(AWS_ENDPOINT_URL=url, AWS_DEFAULT_REGION=REGION,
                    HOME=str(directory / "c7n-home"))  # no ~/.cache or ~/.aws of the user
    with tempfile.NamedTemporaryFile(prefix="c7n-calls-", suffix=".log") as log:
        env["C7N_CALL_LOG"] = log.name
        run = run_child(tool.command, cwd=directory, env=env, timeout=timeout)
        calls = Counter(Path(log.name).read_text().split())
    findings: dict[str, Any] = {}
    problem = ""
    try:
        buckets = {b["Name"] for b in
                   json.loads((out / POLICY_S3 / "resources.json").read_text())}
        keys = {k.get("Description") for k in
                json.loads((out / POLICY_KMS / "resources.json").read_text())}
        findings = {"buckets_without_encryption": len(buckets),
                    "keys_without_rotation": len(keys)}
        if buckets != set(drifted(bucket_names())) or keys != set(drifted(key_names())):
            problem = (f"custodian found {len(buckets)} buckets and {len(keys)} keys; "
                       "100 and 10 (exactly those changed) expected")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        problem = f"no resources.json: {exc}"
    tool.record(run, calls, findings, problem)


# --- calls: the audit proper and discovery -------------------------------------------

def split_govctl_calls(calls: Counter[str]) -> dict[str, Any]:
    """Refresh calls (each managed instance's `refresh_calls`, once: KMS reads four, an
    S3 setting one) and the rest, which is discovery of unmanaged objects (ListBuckets +
    a GetBucketEncryption per bucket, ListKeys + a DescribeKey per key)."""
    from govctl_aws.resources import RESOURCES

    instances = {"aws_s3_bucket": BUCKETS, "aws_kms_key": KEYS,
                 "aws_s3_bucket_server_side_encryption_configuration": BUCKETS}
    refresh: Counter[str] = Counter()
    for t in RESOURCES:
        for op in t.refresh_calls if t.name in instances else ():
            refresh[op] += instances[t.name]
    refresh = Counter({op: min(n, calls[op]) for op, n in refresh.items()})
    discovery = calls - refresh
    return {"refresh": sum(refresh.values()), "discovery": sum(discovery.values()),
            "refresh_by_operation": dict(sorted(refresh.items())),
            "discovery_by_operation": dict(sorted(discovery.items()))}


def by_service(calls: Counter[str]) -> dict[str, int]:
    out: Counter[str] = Counter()
    for op, n in calls.items():
        out[op.split(":")[0]] += n
    return dict(out)


# --- report -------------------------------------------------------------------------

def print_table(results: dict[str, Any]) -> None:
    objects = BUCKETS + KEYS
    header = ["tool", "wall s (median)", "runs s", "API calls", "calls/object",
              "S3 calls/bucket", "KMS calls/key", "buckets w/o enc", "keys w/o rot"]
    table = [header]
    for name in ("govctl", "custodian"):
        t = results[name]
        f, calls = t["findings"], t["calls_by_operation"]
        svc = by_service(Counter(calls))
        table.append([name, fmt(t["median_s"]) if t["ok"] else t["note"],
                      " ".join(f"{s:.2f}" for s in t["runs_s"]),
                      str(t["calls"] if t["calls"] is not None else "-"),
                      fmt(t["calls"] / objects if t["calls"] else None),
                      fmt(svc.get("s3", 0) / BUCKETS), fmt(svc.get("kms", 0) / KEYS),
                      str(f.get("buckets_without_encryption", "-")),
                      str(f.get("keys_without_rotation", "-"))])
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    print()
    for n, row in enumerate(table):
        print("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))
    g = results["govctl"]
    split = g.get("calls_split")
    if split:
        print(f"\ngovctl calls: refresh {split['refresh']} "
              f"({split['refresh'] / objects:.2f}/object: "
              + ", ".join(f"{k} {v}" for k, v in split["refresh_by_operation"].items())
              + f"); discovery of unmanaged objects {split['discovery']} ("
              + ", ".join(f"{k} {v}" for k, v in split["discovery_by_operation"].items())
              + ")")
    c = results["custodian"]
    if c["calls_by_operation"]:
        print("custodian calls: " + ", ".join(
            f"{k} {v}" for k, v in sorted(c["calls_by_operation"].items(),
                                          key=lambda kv: (-kv[1], kv[0]))))
    target = results["target"]
    if target["ratio"] is not None:
        print(f"\ngovctl / custodian = {target['ratio']:.3f} (target <= {TARGET_RATIO:.3f}): "
              f"{'met' if target['met'] else 'MISSED'}")
    else:
        print("\ngovctl / custodian: not measured (a tool failed)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="runs of each tool (default 3)")
    ap.add_argument("--timeout", type=float, default=900, help="seconds per tool run")
    args = ap.parse_args(argv)
    if args.runs < 1:
        ap.error("--runs must be at least 1")

    c7n_python = custodian_python()
    c7n_versions = custodian_versions(c7n_python)
    print(f"custodian: c7n {c7n_versions['c7n']}, boto3 {c7n_versions['boto3']} "
          f"({c7n_python})")
    govctl = start()
    directory = WORK
    gv = Tool("govctl drift -json", [*govctl, "drift", "-json", "-no-color", str(directory)],
              expected_exit=2)
    cu = Tool("custodian run", [str(c7n_python), str(directory / "c7n_counted.py"), "run",
                                "--cache-period", "0", "-s", str(directory / "c7n-out"),
                                "--region", REGION, str(directory / "policies.yml")],
              expected_exit=0)
    with sandbox(govctl) as url:
        print(f"sandbox: {url}\n\n== {BUCKETS} buckets ({len(drifted(bucket_names()))} "
              f"without encryption), {KEYS} keys ({len(drifted(key_names()))} without "
              f"rotation), in {directory}", flush=True)
        seeded = seed(url, govctl, directory, args.timeout)
        for _ in range(args.runs):   # interleaved, so the machine's load hits both alike
            run_govctl(gv, directory, args.timeout)
            run_custodian(cu, directory, url, args.timeout)

    results: dict[str, Any] = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine(load_average=os.getloadavg(), boto3=boto3.__version__),
        "custodian_versions": c7n_versions,
        "runs": args.runs, "buckets": BUCKETS, "keys": KEYS,
        "buckets_without_encryption": len(drifted(bucket_names())),
        "keys_without_rotation": len(drifted(key_names())),
        "seed_apply_s": seeded["apply_s"],
        "govctl": gv.summary(), "custodian": cu.summary(),
    }
    if gv.calls:
        results["govctl"]["calls_split"] = split_govctl_calls(gv.calls[0])
    ratio = gv.median / cu.median if gv.median is not None and cu.median else None
    results["target"] = {"ratio_max": TARGET_RATIO, "ratio": ratio,
                         "met": ratio is not None and ratio <= TARGET_RATIO}
    print_table(results)
    write_results("drift_vs_custodian.json", results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
