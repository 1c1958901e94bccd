"""The AWS sandbox: a moto server on 127.0.0.1, an AWS API that lives in memory.

It answers the IAM, KMS, S3, SageMaker and STS calls the provider makes, so
the whole plan/apply/drift loop runs with no account. The environment it
hands out carries fake credentials only, and AWS_CONFIG_FILE and
AWS_SHARED_CREDENTIALS_FILE point nowhere, so a profile on the machine can
never send a sandbox run to a real account.
"""

from __future__ import annotations

import logging
from typing import Any

from govctl.plugins.sandbox import Sandbox

REGION = "eu-west-1"


class MotoSandbox(Sandbox):
    description = "AWS APIs (IAM, KMS, S3, SageMaker, STS) served by moto on 127.0.0.1"

    def __init__(self) -> None:
        self._server: Any = None

    def start(self, host: str, port: int) -> dict[str, str]:
        try:
            from moto.server import ThreadedMotoServer
        except ImportError:
            raise OSError("moto is not installed: pip install 'govctl-aws[sandbox]'") from None
        from govctl_aws import sandbox_moto

        sandbox_moto.install()
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
        self._server.start()
        bound_host, bound_port = self._server.get_host_and_port()
        return environment(f"http://{bound_host}:{bound_port}")

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None


def environment(url: str) -> dict[str, str]:
    """What points boto3 (and so the provider) at the sandbox."""
    return {
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": "sandbox",
        "AWS_SECRET_ACCESS_KEY": "sandbox",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_PROFILE": "",
        "GOVCTL_SANDBOX": url,
    }
