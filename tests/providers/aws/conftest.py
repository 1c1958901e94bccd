"""AWS provider tests run against a real AWS API server: moto in server mode on
127.0.0.1 and a free port, one per test process, reset before every test.
boto3 is never patched; the provider and the tests' own out-of-band changes
(drift) both go over HTTP."""

from __future__ import annotations

import json
import logging
import re
import textwrap
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import pytest

from govctl.cli import main

moto_server = pytest.importorskip("moto.server")

REGION = "eu-west-1"
ACCOUNT = "123456789012"          # moto's default account


class Moto:
    def __init__(self, url: str):
        self.url = url

    def reset(self) -> None:
        req = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(req, timeout=10) as resp:
            resp.read()

    def client(self, service: str) -> Any:
        """A boto3 client for changes made outside govctl (retries off: a moto
        500 must fail the test at once, not after seconds of backoff)."""
        return boto3.client(
            service, endpoint_url=self.url, region_name=REGION,
            aws_access_key_id="testing", aws_secret_access_key="testing",
            config=botocore.config.Config(retries={"total_max_attempts": 1}))


@pytest.fixture(scope="session")
def _moto_url() -> Iterator[str]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def moto(_moto_url: str, monkeypatch: pytest.MonkeyPatch) -> Moto:
    """The server, emptied; the environment holds no real credentials, so a
    mistake can never reach a real account."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE",
                 "AWS_SHARED_CREDENTIALS_FILE", "GOVCTL_AWS_CALL_LOG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    m = Moto(_moto_url)
    m.reset()
    return m


def provider_block(url: str, extra: str = "") -> str:
    services = "\n".join(f'    {s} = "{url}"' for s in ("iam", "kms", "s3", "sagemaker", "sts"))
    return (f'provider "aws" {{\n  region      = "{REGION}"\n  access_key  = "testing"\n'
            f'  secret_key  = "testing"\n  max_retries = 1\n{extra}'
            f'  endpoints {{\n{services}\n  }}\n}}\n')


class AwsWorkspace:
    """A configuration directory driven through govctl's command line."""

    def __init__(self, root: Path, moto: Moto, capsys: pytest.CaptureFixture[str]):
        self.root = root
        self.moto = moto
        self.capsys = capsys

    def write(self, text: str, provider_extra: str = "", name: str = "main.hcl") -> None:
        (self.root / name).write_text(provider_block(self.moto.url, provider_extra)
                                      + textwrap.dedent(text))

    def run(self, *args: str) -> tuple[int, str, str]:
        """Exit code, stdout and stderr; runs of spaces folded (alignment varies)."""
        code = main([*args])
        out = self.capsys.readouterr()
        return code, _fold(out.out), _fold(out.err)

    def plan(self, *flags: str) -> tuple[int, str, str]:
        return self.run("plan", "-no-color", *flags, str(self.root))

    def apply(self, *flags: str) -> tuple[int, str, str]:
        return self.run("apply", "-no-color", "-auto-approve", *flags, str(self.root))

    def applied(self, *flags: str) -> str:
        """Apply, failing the test unless it succeeds; the output."""
        code, out, err = self.apply(*flags)
        assert code == 0, out + err
        return out

    def no_changes(self) -> None:
        code, out, err = self.plan("-detailed-exitcode")
        assert code == 0, out + err
        assert "No changes." in out

    def state(self) -> dict:
        return json.loads((self.root / "govctl.tfstate").read_text())

    def attrs(self, address: str) -> dict[str, Any]:
        """The state attributes of one instance (`aws_s3_bucket.a`, `module.m.x.y`)."""
        for r in self.state()["resources"]:
            prefix = (r["module"] + ".") if r.get("module") else ""
            for i in r["instances"]:
                key = i.get("index_key")
                suffix = "" if key is None else (f"[{key}]" if isinstance(key, int)
                                                 else f'["{key}"]')
                if f"{prefix}{r['type']}.{r['name']}{suffix}" == address:
                    return i["attributes"]
        raise KeyError(address)


def _fold(text: str) -> str:
    return "\n".join(re.sub(r"(?<=\S)  +", " ", line) for line in text.splitlines()) + "\n"


@pytest.fixture
def aws(tmp_path: Path, moto: Moto, capsys: pytest.CaptureFixture[str]) -> AwsWorkspace:
    return AwsWorkspace(tmp_path, moto, capsys)


@pytest.fixture
def provider(moto: Moto) -> Any:
    """A configured provider for protocol-level tests."""
    from govctl_aws.provider import AwsProvider

    p = AwsProvider()
    p.configure({"region": REGION, "access_key": "testing", "secret_key": "testing",
                 "max_retries": 1,
                 "endpoints": {s: moto.url for s in ("iam", "kms", "s3", "sagemaker", "sts")}})
    return p
