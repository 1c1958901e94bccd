"""What other people and machines do to the shared state in the walkthrough,
made with boto3 against the sandbox (never a real account: the sandbox's
environment points every call at 127.0.0.1).

    python3 team_actors.py show-object        # the state object, as S3 holds it
    python3 team_actors.py hold-lock SECONDS  # another runner holding the lock
    python3 team_actors.py replay             # put an older version back
    python3 team_actors.py undo-replay        # and the newest one again
"""

from __future__ import annotations

import json
import sys
import time

import boto3

BUCKET = "acme-govctl-state"
KEY = "ml-platform/govctl.tfstate"
s3 = boto3.client("s3")


def show_object() -> None:
    data = s3.get_object(Bucket=BUCKET, Key=KEY)["Body"].read()
    doc = json.loads(data)
    print(f"s3://{BUCKET}/{KEY}: {len(data)} bytes, sealed by {doc['key_provider']}, "
          f"lineage {doc['lineage']}, serial {doc['serial']}")
    for word in (b"ml-engineer-default", b"ml artifacts", b"aws_iam_role"):
        print(f"  contains {word.decode()!r}: {word in data}")


def hold_lock(seconds: float) -> None:
    """A lock exactly as another govctl run writes it (the `.tflock` object)."""
    info = {"id": "2f6f1c1e-runner-b", "who": "ci@runner-b", "pid": 4242,
            "operation": "apply", "created": time.strftime("%Y-%m-%dT%H:%M:%S.000000Z",
                                                           time.gmtime()),
            "path": f"s3://{BUCKET}/{KEY}", "version": "0.1.0"}
    s3.put_object(Bucket=BUCKET, Key=KEY + ".tflock", Body=json.dumps(info).encode(),
                  IfNoneMatch="*")
    print(f"runner-b holds the lock for {seconds:g} s", flush=True)
    time.sleep(seconds)
    s3.delete_object(Bucket=BUCKET, Key=KEY + ".tflock")
    print("runner-b released the lock", flush=True)


def versions() -> list[tuple[int, bytes]]:
    """Every stored version of the state as (serial, bytes), oldest serial first."""
    found = s3.list_object_versions(Bucket=BUCKET, Prefix=KEY)["Versions"]
    bodies = [s3.get_object(Bucket=BUCKET, Key=KEY, VersionId=v["VersionId"])["Body"].read()
              for v in found if v["Key"] == KEY]
    return sorted((json.loads(body)["serial"], body) for body in bodies)


def put_back(serial: int, body: bytes, what: str) -> None:
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=body)
    print(f"{what} the version of serial {serial}")


def replay() -> None:
    """Someone with write access to the bucket puts an older state back."""
    put_back(*versions()[0], "put back")


def undo_replay() -> None:
    put_back(*versions()[-1], "restored")


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "show-object":
        show_object()
    elif command == "hold-lock":
        hold_lock(float(sys.argv[2]))
    elif command == "replay":
        replay()
    elif command == "undo-replay":
        undo_replay()
    else:
        sys.exit(f"unknown command {command}")
