"""The S3 state storage against a moto server over HTTP: conditional writes as
compare-and-swap, the `.tflock` lock, workspace layout, and races between
real threads and real processes that each have their own client."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from typing import Any

import pytest

from govctl.state.lockinfo import LockInfo, now, who
from govctl.state.s3 import (
    S3Locker,
    S3Settings,
    S3Store,
    client_for,
    list_workspaces,
    storage_for,
    versioning_enabled,
    workspace_key,
)
from govctl.state.storage import Blob, Conflict, StorageError

REGION = "eu-west-1"
KEY = "ml/govctl.tfstate"


def make_bucket(moto: Any, name: str) -> str:
    moto.client("s3").create_bucket(Bucket=name,
                                    CreateBucketConfiguration={"LocationConstraint": REGION})
    return name


@pytest.fixture
def bucket(moto: Any) -> str:
    return make_bucket(moto, f"state-{uuid.uuid4().hex[:12]}")


@pytest.fixture
def settings(moto: Any, bucket: str) -> S3Settings:
    return S3Settings(bucket=bucket, key=KEY, region=REGION, endpoint=moto.url)


@pytest.fixture
def client(settings: S3Settings) -> Any:
    return client_for(settings)


@pytest.fixture
def store(client: Any, bucket: str) -> S3Store:
    return S3Store(client, bucket, KEY)


@pytest.fixture
def locker(client: Any, bucket: str) -> S3Locker:
    return S3Locker(client, bucket, KEY)


def lock_info(operation: str = "apply", *, pid: int | None = None,
              owner: str | None = None) -> LockInfo:
    return LockInfo(id=str(uuid.uuid4()), who=owner or who(),
                    pid=os.getpid() if pid is None else pid, operation=operation,
                    created=now(), path=KEY, version="0.1.0")


def object_body(moto: Any, bucket: str, key: str) -> bytes | None:
    s3 = moto.client("s3")
    try:
        return s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        return None


# --- the state object ------------------------------------------------------------

def test_get_put_round_trip_with_etags(moto, store, bucket):
    assert store.where == f"s3://{bucket}/{KEY}"
    assert store.get() is None
    first = store.put(b'{"serial": 1}', None)
    assert store.get() == Blob(b'{"serial": 1}', first)
    second = store.put(b'{"serial": 2}', first)
    assert second != first
    assert store.get() == Blob(b'{"serial": 2}', second)
    head = moto.client("s3").head_object(Bucket=bucket, Key=KEY)
    assert head["ETag"] == second
    assert head["ServerSideEncryption"] == "AES256"
    assert head["ContentType"] == "application/json"


def test_put_with_a_stale_etag_conflicts_and_leaves_the_object(moto, store, bucket):
    first = store.put(b"one", None)
    second = store.put(b"two", first)
    with pytest.raises(Conflict, match=f"s3://{bucket}/{KEY}"):
        store.put(b"three", first)
    assert object_body(moto, bucket, KEY) == b"two"
    assert store.get() == Blob(b"two", second)


def test_create_onto_an_existing_object_conflicts(moto, store, bucket):
    moto.client("s3").put_object(Bucket=bucket, Key=KEY, Body=b"someone else's")
    with pytest.raises(Conflict):
        store.put(b"mine", None)
    assert object_body(moto, bucket, KEY) == b"someone else's"


def test_replace_of_a_deleted_object_conflicts(moto, store, bucket):
    version = store.put(b"one", None)
    moto.client("s3").delete_object(Bucket=bucket, Key=KEY)
    with pytest.raises(Conflict):
        store.put(b"two", version)
    assert object_body(moto, bucket, KEY) is None


def test_a_refused_write_of_the_bytes_already_there_succeeds(store):
    """What botocore's retry of a write whose answer was lost looks like."""
    version = store.put(b"same", None)
    assert store.put(b"same", None) == version
    assert store.put(b"same", "\"0000\"") == version


def test_delete_removes_the_object_and_absent_is_fine(moto, store, bucket):
    store.put(b"x", None)
    store.delete()
    assert object_body(moto, bucket, KEY) is None
    store.delete()
    assert store.get() is None


def test_kms_key_encrypts_with_aws_kms(moto, client, bucket):
    key_id = moto.client("kms").create_key()["KeyMetadata"]["KeyId"]
    S3Store(client, bucket, KEY, kms_key_id=key_id).put(b"x", None)
    head = moto.client("s3").head_object(Bucket=bucket, Key=KEY)
    assert head["ServerSideEncryption"] == "aws:kms"
    assert key_id in head["SSEKMSKeyId"]


def test_encryption_can_be_turned_off(moto, client, bucket):
    S3Store(client, bucket, KEY, encrypt=False).put(b"x", None)
    assert "ServerSideEncryption" not in moto.client("s3").head_object(Bucket=bucket, Key=KEY)


def test_missing_bucket_is_a_storage_error_naming_it(moto, client):
    store = S3Store(client, "no-such-bucket-here", KEY)
    for call in (store.get, lambda: store.put(b"x", None), store.delete,
                 lambda: S3Locker(client, "no-such-bucket-here", KEY).try_acquire(lock_info())):
        with pytest.raises(StorageError) as exc:
            call()
        assert "s3://no-such-bucket-here/ml/govctl.tfstate" in str(exc.value)
        assert "NoSuchBucket" in str(exc.value)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_endpoint_fails_in_seconds(moto):
    settings = S3Settings(bucket="b", key=KEY, region=REGION,
                          endpoint=f"http://127.0.0.1:{closed_port()}")
    store = S3Store(client_for(settings), "b", KEY)
    start = time.monotonic()
    with pytest.raises(StorageError) as exc:
        store.get()
    assert time.monotonic() - start < 10       # retried, not hung
    text = str(exc.value)
    assert "s3://b/ml/govctl.tfstate" in text and "cannot be reached" in text
    assert "testing" not in text                # no credential in the message


def test_endpoint_from_the_environment_and_path_style(moto, bucket, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto.url)     # the S3 one wins, as in boto3
    settings = S3Settings(bucket=bucket, key=KEY)           # region from AWS_REGION
    assert settings.resolved_endpoint() == moto.url and settings.path_style()
    store, _ = storage_for(settings, "default")
    store.put(b"via env", None)
    assert object_body(moto, bucket, KEY) == b"via env"
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3")
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    assert not S3Settings(bucket=bucket, key=KEY).path_style()


def test_settings_keep_keys_out_of_repr_and_check_the_key(moto):
    s = S3Settings(bucket="b", key=KEY, access_key="AKIAEXAMPLE", secret_key="s3cr3t-value")
    assert "s3cr3t-value" not in repr(s) and "AKIAEXAMPLE" not in repr(s)
    for bad in ("", "/state", "state/"):
        with pytest.raises(StorageError, match="key"):
            S3Settings(bucket="b", key=bad)
    with pytest.raises(StorageError, match="workspace_key_prefix"):
        S3Settings(bucket="b", key=KEY, workspace_key_prefix="env:/")


def test_without_boto3_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "boto3", None)     # as if not installed
    with pytest.raises(StorageError, match=r"govctl\[aws\]"):
        client_for(S3Settings(bucket="b", key=KEY, region=REGION))


# --- the lock ----------------------------------------------------------------------

def test_lock_acquire_holder_release(moto, locker, bucket):
    assert locker.where == f"s3://{bucket}/{KEY}.tflock"
    assert locker.holder() is None
    info = lock_info("plan")
    assert locker.try_acquire(info)
    assert json.loads(object_body(moto, bucket, f"{KEY}.tflock") or b"") == \
        dataclasses.asdict(info)
    assert locker.holder() == (info, False)
    locker.release(info)
    assert locker.holder() is None
    assert object_body(moto, bucket, f"{KEY}.tflock") is None


def test_second_acquire_fails_and_holder_names_the_first(locker, client, bucket):
    first, second = lock_info("apply"), lock_info("plan")
    assert locker.try_acquire(first)
    other = S3Locker(client_for(S3Settings(bucket=bucket, key=KEY, region=REGION,
                                           endpoint=client.meta.endpoint_url)), bucket, KEY)
    assert not other.try_acquire(second)
    assert other.holder() == (first, False)


def test_release_by_a_non_holder_leaves_the_lock(locker):
    mine, theirs = lock_info(), lock_info()
    assert locker.try_acquire(mine)
    locker.release(theirs)
    locker.force_release(theirs)
    assert locker.holder() == (mine, False)


def test_force_release_removes_that_lock_only(locker):
    crashed = lock_info()
    assert locker.try_acquire(crashed)
    locker.force_release(crashed)
    assert locker.holder() is None
    # the crashed run comes back and releases after another run took the lock
    newer = lock_info()
    assert locker.try_acquire(newer)
    locker.release(crashed)
    assert locker.holder() == (newer, False)


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_dead_local_holder_is_stale(locker, client, bucket):
    crashed = lock_info(pid=dead_pid())
    assert locker.try_acquire(crashed)
    assert locker.holder() == (crashed, True)
    assert S3Locker(client, bucket, KEY, host_pid_check=False).holder() == (crashed, False)


def test_a_remote_or_live_holder_is_not_stale(client, bucket):
    remote = S3Locker(client, bucket, "remote")
    on_another_host = lock_info(pid=dead_pid(), owner="ci@some-other-host.example")
    assert remote.try_acquire(on_another_host)
    assert remote.holder() == (on_another_host, False)
    live = S3Locker(client, bucket, "live")
    alive = lock_info(pid=os.getpid())
    assert live.try_acquire(alive)
    assert live.holder() == (alive, False)


def test_an_unreadable_lock_has_no_holder_and_is_kept(moto, locker, bucket):
    moto.client("s3").put_object(Bucket=bucket, Key=f"{KEY}.tflock", Body=b"\x00garbage")
    assert locker.holder() == (None, False)
    assert not locker.try_acquire(lock_info())
    locker.force_release(lock_info())
    assert object_body(moto, bucket, f"{KEY}.tflock") == b"\x00garbage"


# --- workspaces and versioning -------------------------------------------------------

def test_workspace_keys_follow_terraform():
    s = S3Settings(bucket="b", key=KEY)
    assert workspace_key(s, "default") == KEY
    assert workspace_key(s, "prod") == f"env:/prod/{KEY}"
    custom = dataclasses.replace(s, workspace_key_prefix="teams/ml")
    assert workspace_key(custom, "prod") == f"teams/ml/prod/{KEY}"
    assert workspace_key(dataclasses.replace(s, workspace_key_prefix=""), "prod") == f"prod/{KEY}"


def test_list_workspaces(moto, settings, client, bucket):
    assert list_workspaces(client, settings) == ["default"]
    for name in ("prod", "dev"):
        store, locker = storage_for(settings, name, client)
        store.put(b"{}", None)
        assert locker.try_acquire(lock_info())      # a lock is not a workspace
    s3 = moto.client("s3")
    s3.put_object(Bucket=bucket, Key="env:/other/another.tfstate", Body=b"{}")
    s3.put_object(Bucket=bucket, Key=f"env:/nested/deeper/{KEY}", Body=b"{}")
    s3.put_object(Bucket=bucket, Key=f"env:/only-a-lock/{KEY}.tflock", Body=b"{}")
    assert list_workspaces(client, settings) == ["default", "dev", "prod"]
    store, _ = storage_for(settings, "default", client)
    store.put(b"{}", None)
    assert list_workspaces(client, settings) == ["default", "dev", "prod"]


def test_list_workspaces_reads_every_page(moto, settings, client, bucket):
    s3 = moto.client("s3")
    names = [f"ws{i}" for i in range(7)]
    for n in names:
        s3.put_object(Bucket=bucket, Key=f"env:/{n}/{KEY}", Body=b"")
        s3.put_object(Bucket=bucket, Key=f"env:/{n}/{KEY}.tflock", Body=b"")
    assert list_workspaces(client, settings, page_size=2) == ["default", *names]


def test_list_workspaces_of_a_missing_bucket_is_a_storage_error(moto, client):
    settings = S3Settings(bucket="absent-bucket", key=KEY)
    with pytest.raises(StorageError, match=r"s3://absent-bucket/env:/.*NoSuchBucket"):
        list_workspaces(client, settings)


def test_versioning_check_both_ways(moto, client, bucket):
    assert versioning_enabled(client, bucket) is False
    s3 = moto.client("s3")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    assert versioning_enabled(client, bucket) is True
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    assert versioning_enabled(client, bucket) is False
    with pytest.raises(StorageError, match=r"s3://absent-bucket.*NoSuchBucket"):
        versioning_enabled(client, "absent-bucket")


# --- races ---------------------------------------------------------------------------

@pytest.fixture
def race_window(monkeypatch):
    """Holds every write in moto's storage layer, after the handler has checked
    If-None-Match, for 10 ms. Unwidened, the check-then-write window is some
    microseconds and requests rarely meet in it, so without the atomicity fix
    these races would still pass most rounds; widened, a missing lock gives
    several winners in every round. The pause is in the fake server, never in
    the client."""
    from moto.s3.models import S3Backend

    write = S3Backend.put_object

    def paused(self: Any, *args: Any, **kwargs: Any) -> Any:
        time.sleep(0.01)
        return write(self, *args, **kwargs)

    monkeypatch.setattr(S3Backend, "put_object", paused)


def test_twenty_threads_racing_a_create_have_one_winner_per_round(moto, bucket, race_window):
    clients = [moto.client("s3") for _ in range(20)]
    for round_no in range(10):
        key = f"race/{round_no}"
        barrier = threading.Barrier(len(clients))

        def create(index: int, key: str = key, barrier: threading.Barrier = barrier) -> bool:
            s3 = clients[index]
            barrier.wait(timeout=60)
            try:
                s3.put_object(Bucket=bucket, Key=key, Body=str(index).encode(), IfNoneMatch="*")
            except s3.exceptions.ClientError as exc:
                assert exc.response["Error"]["Code"] == "PreconditionFailed"
                return False
            return True

        with concurrent.futures.ThreadPoolExecutor(len(clients)) as pool:
            won = list(pool.map(create, range(len(clients))))
        assert won.count(True) == 1, f"round {round_no}: {won.count(True)} winners"
        assert object_body(moto, bucket, key) == str(won.index(True)).encode()


def race_for_locks(endpoint: str, bucket: str, rounds: int, barrier: Any,
                   results: Any) -> None:
    """One racing process: its own client, warmed up, then one try_acquire per
    round, all processes released together by the barrier."""
    client = client_for(S3Settings(bucket=bucket, key="k", region=REGION, endpoint=endpoint,
                                   access_key="testing", secret_key="testing"))
    client.head_bucket(Bucket=bucket)
    for round_no in range(rounds):
        barrier.wait(timeout=120)
        info = lock_info()
        won = S3Locker(client, bucket, f"race/{round_no}").try_acquire(info)
        results.put((round_no, info.id if won else None))


def test_twenty_processes_racing_for_the_lock_have_one_winner_per_round(moto, bucket, client,
                                                                         race_window):
    # a fork server that has imported boto3 once: 20 fresh interpreters importing
    # it would cost most of this test's time
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["boto3", "govctl.state.s3", "tests.state.test_s3_storage"])
    count, rounds = 20, 5
    barrier, results = ctx.Barrier(count), ctx.Queue()
    procs = [ctx.Process(target=race_for_locks, args=(moto.url, bucket, rounds, barrier, results))
             for _ in range(count)]
    for p in procs:
        p.start()
    try:
        answers = [results.get(timeout=120) for _ in range(count * rounds)]
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.exitcode is None:
                p.kill()
                p.join()
    assert [p.exitcode for p in procs] == [0] * count
    for round_no in range(rounds):
        winners = [lock_id for r, lock_id in answers if r == round_no and lock_id]
        assert len(winners) == 1, f"round {round_no}: {len(winners)} winners"
        found = S3Locker(client, bucket, f"race/{round_no}").holder()
        assert found is not None and found[0] is not None and found[0].id == winners[0]
