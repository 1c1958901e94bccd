"""Regressions from a review of the remote-state and encryption change (issue 7):
one test per bug found, each asserting what a user running govctl against
production needs (all fixed). S3 runs against the moto server over HTTP; a
crashed apply is a real process killed by the in-memory provider
(GOVCTL_MEM_FAIL action "kill").
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from govctl.state import encryption
from govctl.state.model import OutputState
from govctl.state.s3 import S3Settings
from govctl.state.s3backend import S3Backends
from tests.engine.conftest import Workspace, _reset_provider, ws  # noqa: F401
from tests.state.encryption.conftest import OTHER_PASSPHRASE
from tests.state.encryption.conftest import PASSPHRASE as LOCAL_PASSPHRASE
from tests.state.encryption.test_cli import ENCRYPTION as LOCAL_ENCRYPTION
from tests.state.encryption.test_cli import NAME, configure
from tests.state.s3support import (
    KEY,
    REGION,
    Project,
    backend_block,
    make_bucket,
    names_in,
    objects,
    run_govctl,
    start_project,
    subprocess_env,
)
from tests.state.test_s3_replay import PASSPHRASE, SECRET, config

LOCK_KEY = KEY + ".tflock"
AUDIT_KEY = KEY + ".audit.jsonl"


@pytest.fixture
def project(moto: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str],
            monkeypatch: pytest.MonkeyPatch) -> Project:
    """An S3 project in `<tmp>/one`, with the passphrase of test_s3_replay's
    encryption block in the environment (used only by configurations that
    declare it) and a rollback memory of its own."""
    monkeypatch.setenv("GOVCTL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GOVCTL_VAR_passphrase", PASSPHRASE)
    (tmp_path / "one").mkdir()
    return start_project(moto, tmp_path / "one", capsys, monkeypatch)


@pytest.fixture
def local(ws: Workspace, tmp_path: Path,  # noqa: F811
          monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """The engine workspace, run from its directory with the local passphrase."""
    monkeypatch.setenv("GOVCTL_VAR_passphrase", LOCAL_PASSPHRASE)
    monkeypatch.setenv("GOVCTL_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(ws.root)
    return ws


def crash_apply(p: Project, name: str) -> None:
    """`govctl apply` in another process, killed just after the provider made
    `name`: its journal stays in `.govctl/journal/`, its lock in the bucket."""
    env = subprocess_env()
    env["GOVCTL_MEM_FAIL"] = json.dumps({"call": "apply", "name": name, "action": "kill"})
    done = run_govctl(p.root, "apply", "-no-color", "-auto-approve", env=env)
    assert done.returncode == -9, done.stdout + done.stderr
    assert p.world.find("mem_object", name) is not None


def journal_files(root: Path) -> list[Path]:
    return sorted((root / ".govctl" / "journal").glob("*"))


def lock_id(p: Project) -> str:
    data = p.body(LOCK_KEY)
    assert data is not None, "no lock in the bucket"
    return str(json.loads(data)["id"])


# --- 1. lost resources: a remote state's journal dropped as "obsolete" --------------------

def test_a_crashed_runs_journal_survives_another_runners_write(
        project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = project
    p.write(objects("a"))
    assert p.init()[0] == 0
    assert p.apply()[0] == 0
    two = tmp_path / "two"                  # another runner's checkout, at the same commit
    two.mkdir()
    shutil.copy(p.root / "main.hcl", two / "main.hcl")
    p.write(objects("a", "b"))
    crash_apply(p, "b")                     # b exists; only this checkout's journal knows
    assert journal_files(p.root)
    # the other runner breaks the stale lock, as the message tells it to, and
    # applies a change of its own
    monkeypatch.chdir(two)
    assert p.run("init", "-no-color", str(two))[0] == 0
    assert p.run("force-unlock", "-force", lock_id(p))[0] == 0
    (two / "main.hcl").write_text((two / "main.hcl").read_text().replace('"v"', '"w"'))
    assert p.run("apply", "-no-color", "-auto-approve", str(two))[0] == 0
    # back on the first runner: its journal is the only record that b was made
    monkeypatch.chdir(p.root)
    p.plan()
    assert journal_files(p.root) or "b" in names_in(p.state()), \
        "mem_object.b exists, but no state and no journal records it any more"


# --- 2. S3Backend._put loses the version it wrote -----------------------------------------

def test_a_backend_can_write_the_state_twice(moto: Any, tmp_path: Path) -> None:
    bucket = make_bucket(moto)
    settings = S3Settings(bucket=bucket, key=KEY, region=REGION, endpoint=moto.url)
    backend = S3Backends(settings, tmp_path).backend("default")
    with backend.lock("test"):
        state = backend.read()
        state.outputs["first"] = OutputState("1", "string")
        backend.write(state)
        state.outputs["second"] = OutputState("2", "string")
        backend.write(state)            # raises "State changed since it was read"
    stored = json.loads(moto.client("s3").get_object(Bucket=bucket, Key=KEY)["Body"].read())
    assert sorted(stored["outputs"]) == ["first", "second"]


def test_state_rm_after_a_crashed_apply_on_s3(project: Project) -> None:
    p = project
    p.write(objects("a"))
    assert p.init()[0] == 0
    assert p.apply()[0] == 0
    p.write(objects("a", "b"))
    crash_apply(p, "b")
    assert p.run("force-unlock", "-force", lock_id(p))[0] == 0
    code, out, err = p.run("state", "rm", "mem_object.a")
    assert code == 0, out + err
    # killed before b's object was recorded: its intent is, for the next plan to find it
    assert names_in(p.state()) == []
    assert [i["addr"] for i in p.state()["intents"]] == ["mem_object.b"]


# --- 3. an unencrypted journal is folded into an encrypted state ---------------------------

def test_an_unencrypted_journal_is_refused_when_the_state_is_encrypted(
        local: Workspace) -> None:
    w = local
    configure(w)
    assert w.apply()[0] == 0
    path = w.root / "govctl.tfstate"
    before = path.read_bytes()
    head = encryption.header(before)
    assert head is not None                     # the clear header names lineage and serial
    forged = [{"kind": "begin", "lineage": head.lineage, "serial": head.serial},
              {"kind": "remove", "addr": "mem_object.a"},
              {"kind": "set", "addr": "mem_object.forged", "provider": 'provider["govctl/mem"]',
               "instance": {"schema_version": 0, "attributes": {"name": "forged", "id": "f"}}}]
    (w.root / "govctl.tfstate.journal").write_text(
        "".join(json.dumps(e) + "\n" for e in forged))
    code, out, _ = w.plan()
    assert code == 1, out
    assert path.read_bytes() == before          # nothing sealed into the state
    code, out, _ = w.run("state", "list")
    assert "mem_object.forged" not in out


# --- 4. a journal line that fails authentication is taken for a torn write ----------------

def test_a_journal_sealed_with_another_key_is_not_dropped(
        local: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    from govctl.commands.run import backend_for
    from govctl.config.loader import load_config

    w = local
    configure(w, resources="")
    module, _ = load_config(w.root)
    backend = backend_for(module)
    with backend.lock("apply"):                 # a first apply that died after its intent
        backend.read()
        journal = backend.journal()
        journal.intent("mem_object.a", 'provider["govctl/mem"]', "mem_object", {"name": NAME})
        journal.close()
    assert backend.journal_path.exists()
    monkeypatch.setenv("GOVCTL_VAR_passphrase", OTHER_PASSPHRASE)       # a typo
    code, out, err = w.run("state", "list")
    assert code == 1, out + err
    assert backend.journal_path.exists(), "the intent to create mem_object.a was dropped"


# --- 5. the rollback check is keyed by lineage only --------------------------------------

def test_a_deleted_encrypted_state_is_a_rollback(project: Project) -> None:
    p = project
    p.write(config(1))
    assert p.init()[0] == 0
    assert p.apply()[0] == 0
    p.s3.delete_object(Bucket=p.bucket, Key=KEY)        # by someone who can write the bucket
    code, out, _ = p.plan()
    assert code == 1
    assert "will be created" not in out


def test_another_workspaces_state_put_in_place_is_refused(project: Project) -> None:
    p = project
    p.write(config(1))
    assert p.init()[0] == 0
    assert p.apply()[0] == 0
    p.ok("workspace", "new", "staging")
    p.write(config(1).replace('"o0"', '"s0"'))
    assert p.apply()[0] == 0
    p.ok("workspace", "select", "default")
    p.write(config(1))
    staging = p.body("env:/staging/" + KEY)
    assert staging is not None
    p.put(KEY, staging)                                  # staging's state as production's
    code, out, _ = p.plan()
    assert code == 1
    assert "mem_object.s0 will be destroyed" not in out


# --- 6. secrets in clear: the plan file of a state-only encryption -------------------------

def test_a_saved_plan_holds_neither_the_passphrase_nor_the_states_secrets(
        local: Workspace) -> None:
    w = local
    secret = "s3cr3t-value-nobody-may-read"
    w.write(LOCAL_ENCRYPTION.replace("    plan { method = method.aes_gcm.main }\n", "")
             % {"extra_providers": "", "extra_methods": "", "fallback": ""}
             + f'resource "mem_object" "a" {{\n  name   = "{NAME}"\n  secret = "{secret}"\n}}\n')
    assert w.apply()[0] == 0
    assert secret.encode() not in (w.root / "govctl.tfstate").read_bytes()
    plan = w.root / "p.plan"
    w.plan("-out", str(plan))
    data = plan.read_bytes() if plan.exists() else b""
    assert LOCAL_PASSPHRASE.encode() not in data, "the state's passphrase is in the plan file"
    assert secret.encode() not in data, "the state's sensitive values are in the plan file"


# --- 7. secrets in clear: the audit log beside an encrypted state ---------------------------

def test_the_audit_log_of_an_encrypted_state_holds_no_attribute_value(project: Project) -> None:
    p = project
    p.write(config(1))
    assert p.init()[0] == 0
    assert p.apply()[0] == 0
    state = p.body()
    assert state is not None and SECRET.encode() not in state
    audit = p.body(AUDIT_KEY)
    assert audit is not None
    assert SECRET.encode() not in audit
    for cached in (p.root / ".govctl" / "audit").glob("*"):
        assert SECRET.encode() not in cached.read_bytes(), cached


# --- 8. user errors that escape as tracebacks ---------------------------------------------

def test_a_malformed_endpoint_is_a_diagnostic(project: Project) -> None:
    p = project
    p.backend = backend_block(p.bucket, "not a url")
    p.write(objects("a"))
    code, _, err = p.init()
    assert code == 1
    assert "endpoint" in err


# --- 9. behaviour a Terraform user would not expect ----------------------------------------

def test_changing_max_retries_does_not_need_a_migration(project: Project) -> None:
    p = project
    p.write(objects("a"))
    assert p.init()[0] == 0
    assert p.apply()[0] == 0
    p.backend = p.backend.replace("  }\n}", "    max_retries = 3\n  }\n}")
    p.write(objects("a"))
    code, out, err = p.init("-migrate-state")
    assert code == 0, out + err
    code, out, err = p.plan("-detailed-exitcode")
    assert code == 0, out + err
    assert p.body(LOCK_KEY) is None


def test_init_after_fixing_a_mistyped_bucket(project: Project) -> None:
    p = project
    p.backend = backend_block("no-such-bucket-typo", p.moto.url)
    p.write(objects("a"))
    assert p.init()[0] == 1                         # NoSuchBucket
    p.use_s3()
    p.write(objects("a"))
    code, out, err = p.init()
    assert code == 0, out + err


def test_the_json_plan_of_an_encrypted_configuration_holds_no_passphrase(
        local: Workspace) -> None:
    w = local
    configure(w)                                # state and plan both encrypted
    json_plan = w.root / "plan.json"
    code, _, err = w.plan("-json-out", str(json_plan))
    assert code == 0, err
    assert LOCAL_PASSPHRASE.encode() not in json_plan.read_bytes()
