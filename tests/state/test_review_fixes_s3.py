"""The S3 backend and state migration after the review of issue 7: a bad
endpoint is a diagnostic, only what names the storage decides whether a
migration is needed, init records a backend only once it works, an unusable
record says how to proceed, and no audit log is lost to an overwrite or kept
without the bucket's server-side encryption. Against the moto server over HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from govctl.state import migrate
from govctl.state.encryption.keys import AwsKmsProvider, KeyUnavailable
from govctl.state.s3 import S3Settings
from govctl.state.s3backend import S3Backends
from tests.engine.conftest import _reset_provider  # noqa: F401
from tests.state.s3support import (
    KEY,
    REGION,
    Project,
    make_bucket,
    names_in,
    objects,
    start_project,
)

AUDIT_KEY = KEY + ".audit.jsonl"
REFUSAL = 'Backend initialization required, please run "govctl init"'


@pytest.fixture
def project(moto: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str],
            monkeypatch: pytest.MonkeyPatch) -> Project:
    return start_project(moto, tmp_path, capsys, monkeypatch)


def record_path(p: Project) -> Path:
    return p.root / ".govctl" / "backend.json"


def applied(p: Project, *names: str) -> None:
    p.write(objects(*names))
    code, out, err = p.init()
    assert code == 0, out + err
    code, out, err = p.apply()
    assert code == 0, out + err


# --- 1. a malformed endpoint --------------------------------------------------------------

def test_a_malformed_aws_endpoint_url_is_named(project: Project,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    p = project
    monkeypatch.setenv("AWS_ENDPOINT_URL", "not a url")
    p.use_s3(endpoint=None)
    p.write(objects("a"))
    code, _, err = p.init()
    assert code == 1
    assert "'not a url', set by AWS_ENDPOINT_URL, is not a valid URL" in err
    assert "Traceback" not in err
    assert not record_path(p).exists()


def test_a_malformed_kms_endpoint_is_key_unavailable(moto: Any,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_KMS", "not a url")
    provider = AwsKmsProvider("prod", "alias/govctl-state", region=REGION)
    with pytest.raises(KeyUnavailable) as caught:
        provider.new_key()
    message = str(caught.value)
    assert "alias/govctl-state" in message and "aws_kms.prod" in message
    assert "'not a url', set by AWS_ENDPOINT_URL_KMS, is not a valid URL" in message


# --- 2. what names the storage --------------------------------------------------------------

def test_only_the_storage_is_the_identity(moto: Any, tmp_path: Path) -> None:
    bucket = make_bucket(moto)
    plain = S3Settings(bucket=bucket, key=KEY, region=REGION, endpoint=moto.url)
    tuned = S3Settings(bucket=bucket, key=KEY, region="us-east-1", endpoint=moto.url,
                       profile="ops", access_key="AKIAEXAMPLE", secret_key="s",
                       use_path_style=True, max_retries=1, encrypt=False, kms_key_id="k")
    ident = migrate.identity(S3Backends(plain, tmp_path))
    assert ident == {"kind": "s3", "endpoint": moto.url, "bucket": bucket, "key": KEY,
                     "workspace_key_prefix": "env:"}
    assert migrate.identity(S3Backends(tuned, tmp_path)) == ident
    other = S3Settings(bucket=bucket, key=KEY, region=REGION, endpoint=moto.url,
                       workspace_key_prefix="teams")
    assert migrate.identity(S3Backends(other, tmp_path)) != ident


def test_a_backend_is_rebuilt_from_its_identity(moto: Any, tmp_path: Path) -> None:
    """Region, credentials and retries come from the configured S3 backend;
    without one, from the environment (the moto fixture's region)."""
    bucket = make_bucket(moto)
    recorded = {"kind": "s3", "endpoint": moto.url, "bucket": bucket, "key": "old/state",
                "workspace_key_prefix": "env:"}
    configured = S3Backends(S3Settings(bucket="new", key=KEY, region=REGION, endpoint=moto.url,
                                       max_retries=2, access_key="testing",
                                       secret_key="testing"), tmp_path)
    built = migrate.from_identity(tmp_path, recorded, configured)
    assert isinstance(built, S3Backends)
    settings = built.settings
    assert (settings.bucket, settings.key, settings.endpoint) == (bucket, "old/state", moto.url)
    assert (settings.region, settings.max_retries, settings.access_key) == (REGION, 2, "testing")
    assert migrate.identity(built) == recorded
    alone = migrate.from_identity(tmp_path, recorded)
    assert isinstance(alone, S3Backends) and alone.settings.region is None
    assert alone.names() == ["default"]                 # reached with AWS_REGION


def test_copy_all_onto_the_same_storage_copies_nothing(project: Project,
                                                       tmp_path: Path) -> None:
    p = project
    applied(p, "a")
    before = p.body()
    lines: list[str] = []
    same = S3Backends(S3Settings(bucket=p.bucket, key=KEY, region=REGION, endpoint=p.moto.url,
                                 max_retries=3), tmp_path)
    again = S3Backends(S3Settings(bucket=p.bucket, key=KEY, endpoint=p.moto.url), tmp_path)
    assert migrate.copy_all(same, again, force=True, report=lines.append) == 0
    assert lines == [f"- the states are already in s3://{p.bucket}/{KEY}"]
    assert p.body() == before
    assert p.body(KEY + ".tflock") is None


def test_a_record_of_the_old_format_is_still_read(project: Project) -> None:
    """Records written before the identity was narrowed hold every setting, the
    endpoint as configured; the extras are ignored."""
    p = project
    applied(p, "a")
    old = {"kind": "s3", "bucket": p.bucket, "key": KEY, "region": REGION,
           "endpoint": p.moto.url, "profile": None, "workspace_key_prefix": "env:",
           "use_path_style": None, "max_retries": 7, "encrypt": True, "kms_key_id": None}
    record_path(p).write_text(json.dumps(old))
    code, out, err = p.plan("-detailed-exitcode")
    assert code == 0, out + err
    old["bucket"] = "elsewhere"
    record_path(p).write_text(json.dumps(old))
    code, _, err = p.plan()
    assert code == 1 and REFUSAL in err and "s3://elsewhere/" in err


# --- 3. init's record ------------------------------------------------------------------------

def test_a_failed_init_records_nothing(project: Project) -> None:
    p = project
    p.bucket = "no-such-bucket-typo"
    p.use_s3()
    p.write(objects("a"))
    code, _, err = p.init()
    assert code == 1 and "no-such-bucket-typo" in err
    assert not record_path(p).exists()


@pytest.mark.parametrize("content, why", [
    ("{not json", "cannot be read"),
    ('{"kind": "s3", "bucket": "", "key": "k", "endpoint": null, '
     '"workspace_key_prefix": "env:"}', 'needs a "bucket"'),
    ('{"kind": "gcs", "bucket": "b"}', "kind 'gcs'"),
    ('{"kind": "local"}', "a local record needs a path"),
])
def test_an_unusable_record_says_how_to_proceed(project: Project, content: str,
                                                why: str) -> None:
    p = project
    applied(p, "a")
    record_path(p).write_text(content)
    code, _, err = p.plan()
    assert code == 1
    assert "Invalid backend record" in err and why in err
    assert 'govctl init -reconfigure' in err and "Traceback" not in err
    code, _, err = p.init()
    assert code == 1 and "govctl init -reconfigure" in err
    code, out, err = p.init("-reconfigure")
    assert code == 0, out + err
    code, out, err = p.plan("-detailed-exitcode")
    assert code == 0, out + err


def test_an_unreachable_recorded_backend_says_how_to_proceed(project: Project) -> None:
    p = project
    applied(p, "a")
    ident = json.loads(record_path(p).read_text())
    record_path(p).write_text(json.dumps({**ident, "endpoint": "not a url"}))
    code, _, err = p.plan()
    assert code == 1 and REFUSAL in err
    code, _, err = p.init("-migrate-state")
    assert code == 1
    assert "Cannot read the previous backend" in err and "not a url" in err
    assert "govctl init -reconfigure" in err and "Traceback" not in err


# --- 4. -force-copy keeps the audit log it overwrites ------------------------------------------

def test_force_copy_to_local_keeps_the_overwritten_audit_log(project: Project) -> None:
    p = project
    p.use_local()
    applied(p, "a")
    local_log = (p.root / "govctl.audit.jsonl").read_bytes()
    assert local_log
    p.use_s3()
    p.write(objects("b"))
    code, out, err = p.init("-reconfigure")
    assert code == 0, out + err
    assert p.apply()[0] == 0                        # another history, in the bucket
    s3_log = p.body(AUDIT_KEY)
    assert s3_log and s3_log != local_log
    p.use_local()
    p.write(objects("b"))
    code, _, err = p.init("-migrate-state")
    assert code == 1 and "Destination state is not empty" in err
    code, out, err = p.init("-migrate-state", "-force-copy")
    assert code == 0, out + err
    assert (p.root / "govctl.audit.jsonl").read_bytes() == s3_log
    kept = list((p.root / "govctl.tfstate.d" / ".deleted").glob("default-*.audit.jsonl"))
    assert len(kept) == 1 and kept[0].read_bytes() == local_log
    assert f"the audit log it replaces is kept as {kept[0]}" in out
    assert p.ok("workspace", "list").split() == ["*", "default"]   # .deleted is no workspace
    code, out, err = p.plan("-detailed-exitcode")
    assert code == 0, out + err


def test_force_copy_to_s3_keeps_the_overwritten_audit_log(project: Project) -> None:
    p = project
    applied(p, "b")                                 # a history in the bucket
    s3_log = p.body(AUDIT_KEY)
    assert s3_log
    record_path(p).unlink()
    p.use_local()
    p.write(objects("a"))
    code, out, err = p.init()
    assert code == 0, out + err
    assert p.apply()[0] == 0                        # another history, on disk
    local_log = (p.root / "govctl.audit.jsonl").read_bytes()
    p.use_s3()
    p.write(objects("a"))
    code, out, err = p.init("-migrate-state", "-force-copy")
    assert code == 0, out + err
    assert p.body(AUDIT_KEY) == local_log
    assert names_in(p.state()) == ["a"]
    kept = [k for k in p.object_keys() if k.startswith("env:/.deleted/default-")]
    assert len(kept) == 1 and kept[0].endswith(".audit.jsonl")
    assert p.body(kept[0]) == s3_log
    assert p.s3.head_object(Bucket=p.bucket, Key=kept[0])["ServerSideEncryption"] == "AES256"


def test_a_log_the_source_continues_is_not_kept_aside(project: Project) -> None:
    """Same lineage, destination behind: its log is the start of the source's,
    so nothing is lost and nothing is kept."""
    p = project
    p.use_local()
    applied(p, "a")
    p.use_s3()
    p.write(objects("a"))
    code, out, err = p.init("-migrate-state")
    assert code == 0, out + err
    p.write(objects("a", "b"))
    assert p.apply()[0] == 0                        # the bucket moves ahead
    p.use_local()
    p.write(objects("a", "b"))
    code, out, err = p.init("-migrate-state")
    assert code == 0, out + err
    assert (p.root / "govctl.audit.jsonl").read_bytes() == p.body(AUDIT_KEY)
    assert not (p.root / "govctl.tfstate.d" / ".deleted").exists()
    assert "kept as" not in out


# --- 5. a deleted workspace's log keeps the bucket's encryption settings ----------------------

def test_a_deleted_workspaces_audit_log_is_kept_with_the_kms_key(moto: Any,
                                                                 tmp_path: Path) -> None:
    kms = moto.client("kms")
    key_id = kms.create_key(Description="state")["KeyMetadata"]["KeyId"]
    bucket = make_bucket(moto)
    settings = S3Settings(bucket=bucket, key=KEY, region=REGION, endpoint=moto.url,
                          kms_key_id=key_id)
    backends = S3Backends(settings, tmp_path)
    backends.create("dev")
    backends.backend("dev").audit_store.put(b'{"record": 1}\n', None)  # type: ignore[attr-defined]
    kept = backends.delete("dev")
    assert kept is not None and kept.startswith(f"s3://{bucket}/env:/.deleted/dev-")
    s3 = moto.client("s3")
    head = s3.head_object(Bucket=bucket, Key=kept.removeprefix(f"s3://{bucket}/"))
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"].endswith(key_id)


def test_a_deleted_workspace_without_a_log_keeps_nothing(moto: Any, tmp_path: Path) -> None:
    bucket = make_bucket(moto)
    backends = S3Backends(S3Settings(bucket=bucket, key=KEY, region=REGION, endpoint=moto.url),
                          tmp_path)
    backends.create("dev")
    assert backends.delete("dev") is None
    assert moto.client("s3").list_objects_v2(Bucket=bucket).get("KeyCount") == 0
