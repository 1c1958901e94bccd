"""AWS provider tests run against a real AWS API server: moto in server mode on
127.0.0.1 and a free port, one per test process, reset before every test.
boto3 is never patched; the provider and the tests' own out-of-band changes
(drift) both go over HTTP."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

from govctl.cli import main
from tests.mototest import ACCOUNT, REGION, Moto  # noqa: F401  (the fixtures: tests/conftest.py)


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
