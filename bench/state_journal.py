"""State journal benchmark: the cost of recording each finished change.

    python bench/state_journal.py [--count 10000] [--existing 10000] [--dir DIR]

Apply records every finished change durably. Rewriting the whole state file
each time (as Terraform does) costs O(state size) per change and O(n^2) per
apply; the journal appends one fsynced line per change instead. This writes a
state of `--existing` instances, then appends `--count` "set" entries (each a
realistic instance of 15 attributes) through `LocalBackend.journal()`, and
prints the total, the mean per append, the first and last thousand appends
(flat when appending is O(1)), the fold at the end, and for comparison one
full atomic state write, which rewriting after every change would pay each time.

The directory defaults to a temporary one under bench/out (the repository's
disk: fsync costs what it costs there). Timings include the fsync of every line.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from govctl.addrs import parse_instance  # noqa: E402
from govctl.state.local import LocalBackend  # noqa: E402
from govctl.state.model import InstanceState, State  # noqa: E402
from govctl.state.statefile import instance_to_json  # noqa: E402

PROVIDER = 'provider["govctl/aws"]'


def _instance(i: int) -> InstanceState:
    attrs = {
        "bucket": f"ml-artifacts-{i:06d}", "arn": f"arn:aws:s3:::ml-artifacts-{i:06d}",
        "id": f"ml-artifacts-{i:06d}", "region": "eu-west-1", "force_destroy": False,
        "object_lock_enabled": True, "versioning": [{"enabled": True, "mfa_delete": False}],
        "tags": {"team": f"team-{i % 17}", "cost-centre": "ml", "owner": "platform"},
        "lifecycle_days": 30 + i % 5, "ratio": Decimal("0.125"), "kms_key_id": None,
        "policy": '{"Version":"2012-10-17","Statement":[]}', "acl": "private",
        "hosted_zone_id": "Z1BKCTXD74EZPE", "request_payer": "BucketOwner",
    }
    return InstanceState(None, attrs, dependencies=["aws_kms_key.data"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=10_000, help="journal appends")
    ap.add_argument("--existing", type=int, default=10_000,
                    help="instances already in the state file")
    ap.add_argument("--dir", type=Path, help="where to put the state (default: temporary)")
    args = ap.parse_args()
    (BENCH / "out").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.dir or BENCH / "out") as tmp:
        run(Path(tmp) / "govctl.tfstate", args.count, args.existing)


def run(path: Path, count: int, existing: int) -> None:
    backend = LocalBackend(path)
    state = State()
    for i in range(existing):
        state.set_instance(parse_instance(f"aws_s3_bucket.old[{i}]"), PROVIDER, _instance(i))
    t = time.perf_counter()
    backend.write(state)
    full_write = time.perf_counter() - t
    size = path.stat().st_size

    entries = []
    for i in range(count):
        inst = _instance(i)
        entries.append({"kind": "set", "addr": f'aws_s3_bucket.new["b{i}"]',
                        "provider": PROVIDER, "instance": instance_to_json(inst)})
    batch = max(1, min(1000, count // 10))
    with backend.lock("benchmark"):
        state = backend.read()
        journal = backend.journal()
        times = []
        start = time.perf_counter()
        for e in entries:
            journal.append(e)
            times.append(time.perf_counter())
        total = times[-1] - start
        first = times[batch - 1] - start
        last = times[-1] - times[-batch - 1]
        journal_size = backend.journal_path.stat().st_size
        t = time.perf_counter()
        folded = backend.read()         # folds the journal into the state file
        fold = time.perf_counter() - t
    assert len(list(folded.instances())) == existing + count

    print(f"state file: {existing:,} instances, {size / 1e6:.1f} MB; "
          f"one full atomic write: {full_write * 1e3:.0f} ms")
    print(f"journal: {count:,} appends in {total:.2f} s "
          f"({total / count * 1e6:.0f} us per append, fsync included; "
          f"{journal_size / 1e6:.1f} MB)")
    print(f"  first {batch:,} appends: {first * 1e3:.0f} ms; last {batch:,}: "
          f"{last * 1e3:.0f} ms (ratio {last / first:.2f}: O(1) per append)")
    print(f"fold into the state file at the end: {fold:.2f} s")
    print(f"rewriting the state after every change instead: about "
          f"{count * full_write:.0f} s for these {count:,} changes (and growing with the "
          "state)")


if __name__ == "__main__":
    main()
