"""S3 backend benchmark: the state lock's acquire and release latency, and a
state read and write, against the AWS sandbox (issue 7, "figures of lock
acquire/release latency on the moto server").

    python bench/s3_lock.py [--cycles 200] [--warmup 20] [--state-kib 64]

Starts a moto server on 127.0.0.1 (the same ThreadedMotoServer the sandbox
uses, with conditional writes made atomic), creates a bucket, then times with
govctl's own S3 storage classes (govctl.state.s3):
  - acquire: one conditional PutObject of `<key>.tflock` (If-None-Match: *);
  - release: GetObject of the lock (its id checked) and DeleteObject with If-Match;
  - through govctl.state.backend.Backend: `lock()` + `read()` + `write()` of a state
    of about --state-kib KiB, i.e. what a plan that finds nothing to change costs
    beyond its own work (the write is skipped when nothing changed; a changed state
    is timed separately).
Prints median and p95 in milliseconds; writes bench/out/s3_lock.json.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"
sys.path.insert(0, str(BENCH.parent))


def figures(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return {"median_ms": statistics.median(ordered) * 1000, "p95_ms": p95 * 1000}


def timed(fn: Callable[[], object], cycles: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(cycles):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cycles", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--state-kib", type=int, default=64)
    args = ap.parse_args()

    from moto.server import ThreadedMotoServer

    from govctl_aws.moto_conditional import make_conditional_writes_atomic

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    make_conditional_writes_atomic()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                       "AWS_REGION": "eu-west-1", "AWS_ENDPOINT_URL": f"http://{host}:{port}",
                       "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"})
    try:
        return run(args)
    finally:
        server.stop()


def run(args: argparse.Namespace) -> int:
    from govctl.addrs import parse_instance
    from govctl.state.backend import Backend
    from govctl.state.lockinfo import LockInfo, now, who
    from govctl.state.model import InstanceState, State
    from govctl.state.s3 import S3Settings, client_for, storage_for

    settings = S3Settings(bucket="bench-state", key="bench/govctl.tfstate")
    client = client_for(settings)
    client.create_bucket(Bucket="bench-state",
                         CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    store, locker = storage_for(settings, "default", client)

    def info() -> LockInfo:
        return LockInfo(id=os.urandom(8).hex(), who=who(), pid=os.getpid(), operation="bench",
                        created=now(), path=store.where, version="bench")

    acquire, release = [], []
    for i in range(args.warmup + args.cycles):
        held = info()
        t0 = time.perf_counter()
        assert locker.try_acquire(held)
        t1 = time.perf_counter()
        locker.release(held)
        t2 = time.perf_counter()
        if i >= args.warmup:
            acquire.append(t1 - t0)
            release.append(t2 - t1)

    with tempfile.TemporaryDirectory() as tmp:
        backend = Backend(store, locker, Path(tmp) / "bench.journal")
        state = State()
        padding = "x" * 1024
        for n in range(args.state_kib):
            state.set_instance(parse_instance(f"mem_object.o{n}"), 'provider["govctl/mem"]',
                               InstanceState(key=None, attributes={"id": str(n), "value": padding}))
        backend.write(state)

        def unchanged() -> None:
            with backend.lock("plan"):
                backend.write(backend.read())

        def changed() -> None:
            with backend.lock("apply"):
                s = backend.read()
                s.outputs = {}
                s.set_instance(parse_instance("mem_object.counter"), 'provider["govctl/mem"]',
                               InstanceState(key=None, attributes={"id": os.urandom(4).hex()}))
                backend.write(s)

        cycle_unchanged = timed(unchanged, args.cycles // 4, args.warmup // 4)
        cycle_changed = timed(changed, args.cycles // 4, args.warmup // 4)

    results = {"acquire": figures(acquire), "release": figures(release),
               "lock+read+unchanged write+unlock": figures(cycle_unchanged),
               f"lock+read+write {args.state_kib} KiB+unlock": figures(cycle_changed)}
    print(f"{'operation':<40} {'median ms':>10} {'p95 ms':>10}")
    for name, f in results.items():
        print(f"{name:<40} {f['median_ms']:>10.1f} {f['p95_ms']:>10.1f}")
    from run import write_results

    write_results("s3_lock.json", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
