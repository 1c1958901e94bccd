"""A real AWS API for tests: moto in server mode on 127.0.0.1 and a free port,
one per test process, reset before every test. boto3 is never patched; what
is tested and the tests' own out-of-band changes both go over HTTP.

tests/conftest.py loads this module as a plugin, so the `moto` fixture is everywhere.
"""

from __future__ import annotations

import logging
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.config
import pytest

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
    from govctl_aws.moto_conditional import make_conditional_writes_atomic

    make_conditional_writes_atomic()    # S3 conditional writes race-free, as in AWS
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
