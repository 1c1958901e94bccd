"""Helpers for the end-to-end tests of `backend "s3"`: a bucket on the moto
server, a configuration directory whose backend block points at it, govctl's
CLI run in-process from that directory, and looks at the bucket made with a
client of the test's own (never govctl's), so what is asserted is what S3 holds.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any

import pytest

from govctl.cli import main
from govctl.plugins.testing import world

REGION = "eu-west-1"
KEY = "ml/govctl.tfstate"
REPO = Path(__file__).resolve().parents[2]


def make_bucket(moto: Any, *, versioned: bool = False) -> str:
    name = f"state-{uuid.uuid4().hex[:12]}"
    s3 = moto.client("s3")
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    if versioned:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


def backend_block(bucket: str, endpoint: str | None, key: str = KEY) -> str:
    """The `govctl { backend "s3" {...} }` block; no endpoint line when the
    endpoint is to come from AWS_ENDPOINT_URL."""
    endpoint_line = f'    endpoint = "{endpoint}"\n' if endpoint else ""
    return ('govctl {\n  backend "s3" {\n'
            f'    bucket = "{bucket}"\n    key    = "{key}"\n    region = "{REGION}"\n'
            f"{endpoint_line}  }}\n}}\n")


def objects(*names: str, value: str = "v") -> str:
    return "".join(f'resource "mem_object" "{n}" {{\n  name  = "{n}"\n  value = "{value}"\n}}\n'
                   for n in names)


def fold(text: str) -> str:
    """Runs of spaces after text folded to one (column alignment varies)."""
    return "\n".join(re.sub(r"(?<=\S)  +", " ", line) for line in text.splitlines()) + "\n"


class Project:
    """A root module in `root` with its mem world in `world.json`, whose state
    is (once `use_s3`) in `bucket` on the moto server. The test process's
    working directory is `root` (the state commands read the configuration
    there), so `run` is what a user typing `govctl ...` in it gets."""

    def __init__(self, root: Path, moto: Any, bucket: str, capsys: pytest.CaptureFixture[str]):
        self.root = root
        self.moto = moto
        self.bucket = bucket
        self.capsys = capsys
        self.world_path = root / "world.json"
        self.world = world(self.world_path)
        self.s3 = moto.client("s3")
        self.backend = ""

    # --- configuration ---------------------------------------------------------------
    def use_s3(self, key: str = KEY, endpoint: str | None = "") -> None:
        """Later `write`s carry an s3 backend block (endpoint: the moto URL by
        default, None for none, to test AWS_ENDPOINT_URL)."""
        self.backend = backend_block(self.bucket, self.moto.url if endpoint == "" else endpoint,
                                     key)

    def use_local(self) -> None:
        self.backend = ""

    def write(self, body: str) -> None:
        header = f'provider "mem" {{\n  storage = "{self.world_path}"\n}}\n'
        (self.root / "main.hcl").write_text(self.backend + header + textwrap.dedent(body))

    # --- the CLI ----------------------------------------------------------------------
    def run(self, *args: str) -> tuple[int, str, str]:
        """Exit code, stdout and stderr (spaces folded) of `govctl ARGS`."""
        code = main([*args])
        out = self.capsys.readouterr()
        return code, fold(out.out), fold(out.err)

    def ok(self, *args: str) -> str:
        code, out, err = self.run(*args)
        assert code == 0, f"govctl {' '.join(args)} -> {code}\n{out}\n{err}"
        return out

    def init(self, *flags: str) -> tuple[int, str, str]:
        return self.run("init", "-no-color", *flags, str(self.root))

    def plan(self, *flags: str) -> tuple[int, str, str]:
        return self.run("plan", "-no-color", *flags, str(self.root))

    def apply(self, *flags: str) -> tuple[int, str, str]:
        return self.run("apply", "-no-color", "-auto-approve", *flags, str(self.root))

    # --- the bucket --------------------------------------------------------------------
    def body(self, key: str = KEY) -> bytes | None:
        try:
            data: bytes = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except self.s3.exceptions.NoSuchKey:
            return None
        return data

    def state(self, key: str = KEY) -> dict[str, Any]:
        data = self.body(key)
        assert data is not None, f"no object s3://{self.bucket}/{key}"
        doc: dict[str, Any] = json.loads(data)
        return doc

    def object_keys(self) -> list[str]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
        return sorted(o["Key"] for page in pages for o in page.get("Contents", []))

    def put(self, key: str, data: bytes) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=data)


def names_in(state: dict[str, Any]) -> list[str]:
    """The `name` attribute of every instance in a state document, sorted."""
    return sorted(i["attributes"]["name"] for r in state.get("resources", [])
                  for i in r["instances"])


def addresses_in(state: dict[str, Any]) -> list[str]:
    return sorted(f"{r['type']}.{r['name']}" for r in state.get("resources", [])
                  if r.get("mode", "managed") == "managed")


# --- other processes -------------------------------------------------------------------

def subprocess_env() -> dict[str, str]:
    """This process's environment (the moto fixture's credentials and region),
    with the repository importable."""
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run_govctl(cwd: Path, *args: str, env: dict[str, str] | None = None,
               timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`python -m govctl.cli ARGS` in `cwd`."""
    return subprocess.run([sys.executable, "-m", "govctl.cli", *args], cwd=cwd,
                          env=env or subprocess_env(), capture_output=True, text=True,
                          timeout=timeout)


S3_HOLDER = """
import sys
from pathlib import Path
from govctl.state.s3 import S3Settings
from govctl.state.s3backend import S3Backends
bucket, key, endpoint, root, workspace, operation = sys.argv[1:7]
settings = S3Settings(bucket=bucket, key=key, region="eu-west-1", endpoint=endpoint)
backend = S3Backends(settings, Path(root)).backend(workspace)
with backend.lock(operation) as info:
    print(info.id, flush=True)
    sys.stdin.readline()        # hold the lock until told to go (or killed)
print("released", flush=True)
"""


def s3_lock_holder(project: Project, operation: str = "apply", workspace: str = "default",
                   key: str = KEY) -> Any:
    """A child process holding the state lock of `project`'s bucket; returns
    (child, lock id). tests.state.procs.Child: say() releases, kill() crashes."""
    from tests.state.procs import Child

    child = Child(S3_HOLDER, project.bucket, key, project.moto.url, project.root, workspace,
                  operation)
    lock_id = child.line()
    assert lock_id, "the holder did not take the lock"
    return child, lock_id



def start_project(moto: Any, root: Path, capsys: pytest.CaptureFixture[str],
                  monkeypatch: pytest.MonkeyPatch) -> Project:
    """A Project in a new, empty bucket (versioning off), run from `root`, in
    the default workspace, configured with the s3 backend: the body of each
    test module's `project` fixture."""
    monkeypatch.chdir(root)
    monkeypatch.delenv("GOVCTL_WORKSPACE", raising=False)
    p = Project(root, moto, make_bucket(moto), capsys)
    p.use_s3()
    return p
