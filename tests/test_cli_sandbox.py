"""`govctl sandbox`: a real moto server on 127.0.0.1, started and stopped by
the command, reached by a child process through the environment it sets."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("moto.server")
pytest.importorskip("govctl_aws")

from govctl.cli import main
from govctl.commands.sandbox import exports

CHILD = textwrap.dedent("""
    import os, boto3
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="sandbox-check",
                     CreateBucketConfiguration={"LocationConstraint": os.environ["AWS_REGION"]})
    print("buckets", [b["Name"] for b in s3.list_buckets()["Buckets"]])
    print("endpoint", os.environ["AWS_ENDPOINT_URL"])
    print("profile", os.environ.get("AWS_PROFILE", "<unset>"))
""")


def _sandbox(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "govctl.cli", "sandbox", *args],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def test_runs_a_command_against_the_sandbox_and_stops() -> None:
    done = _sandbox("--", sys.executable, "-c", CHILD, env={"AWS_PROFILE": "production"})
    assert done.returncode == 0, done.stderr
    assert "buckets ['sandbox-check']" in done.stdout
    endpoint = done.stdout.split("endpoint ", 1)[1].split()[0]
    assert endpoint.startswith("http://127.0.0.1:")
    # a profile on the machine must never send sandbox calls to a real account
    assert "profile <unset>" in done.stdout
    # stopped with the command: nothing listens there any more
    port = int(endpoint.rsplit(":", 1)[1])
    import socket
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0


def test_the_command_exit_code_is_passed_on() -> None:
    done = _sandbox("--", sys.executable, "-c", "raise SystemExit(7)")
    assert done.returncode == 7


def test_each_run_starts_empty() -> None:
    for _ in range(2):
        done = _sandbox("--", sys.executable, "-c", CHILD)
        assert done.returncode == 0, done.stderr


def test_missing_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "--", "no-such-command-anywhere"]) == 127
    assert "command not found: no-such-command-anywhere" in capsys.readouterr().err


def test_unknown_sandbox(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "-name", "nimbus", "--", "true"]) == 1
    err = capsys.readouterr().err
    assert 'No sandbox named "nimbus"' in err and "aws" in err


def test_env_file_and_exports(tmp_path: Path) -> None:
    env_file = tmp_path / "sandbox.env"
    done = _sandbox("-env-file", str(env_file), "--", "sh", "-c",
                    '. "$0" && echo "$AWS_ENDPOINT_URL"', str(env_file))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith("http://127.0.0.1:")
    assert "unset AWS_PROFILE" in env_file.read_text()
    assert exports({"A": "x y", "B": ""}) == "export A='x y'\nunset B\n"
