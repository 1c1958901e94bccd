"""One configured AWS account and region: a boto3 session and its clients.

boto3 sessions are not thread-safe but clients are, and the engine calls a
provider from many threads at once; so clients are made once per service
under a lock and then shared. Every API call is counted (the benchmark and
the refresh-cost tests read the counts), and with GOVCTL_AWS_CALL_LOG set
each call is also appended to that file as `service:Operation`, for runs in
another process.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from govctl.plugins.protocol import ProviderError
from govctl_aws.errors import provider_error

if TYPE_CHECKING:
    import boto3
    import botocore.config

CALL_LOG_ENV = "GOVCTL_AWS_CALL_LOG"
_LOG_LOCK = threading.Lock()


class Aws:
    """The configured session; `client(service)` is safe from any thread."""

    def __init__(self, config: Mapping[str, Any]):
        self.config = dict(config)
        # AWS_REGION is what the SDKs and the CLI read; botocore itself only
        # knows AWS_DEFAULT_REGION and the profile's region
        self.region: str | None = (self.config.get("region") or os.environ.get("AWS_REGION")
                                   or None)
        endpoints = self.config.get("endpoints") or {}
        self.endpoints = {k: v for k, v in endpoints.items() if v}
        self.default_tags: dict[str, str] = dict(
            (self.config.get("default_tags") or {}).get("tags") or {})
        self.calls: Counter[str] = Counter()
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._count_lock = threading.Lock()     # taken inside calls made under _lock
        self._session: boto3.Session | None = None
        self._account: str | None = None
        self._call_log = os.environ.get(CALL_LOG_ENV) or None

    # --- session and clients ----------------------------------------------------
    def _botocore_config(self) -> botocore.config.Config:
        import botocore.config

        attempts = self.config.get("max_retries")
        mode = self.config.get("retry_mode") or "adaptive"
        s3: dict[str, Any] = {}
        if self.config.get("s3_use_path_style"):
            s3["addressing_style"] = "path"
        return botocore.config.Config(
            retries={"mode": mode, "total_max_attempts": 25 if attempts is None else attempts},
            s3=s3 or None, max_pool_connections=64)

    def session(self) -> boto3.Session:
        with self._lock:
            if self._session is None:
                self._session = self._make_session()
            return self._session

    def _make_session(self) -> boto3.Session:
        # boto3 only now: validate and the schema checks load this provider for
        # its schemas alone, and importing boto3 cost them 0.15-0.3 s
        import boto3

        c = self.config
        try:
            base = boto3.Session(
                aws_access_key_id=c.get("access_key"), aws_secret_access_key=c.get("secret_key"),
                aws_session_token=c.get("token"), profile_name=c.get("profile"),
                region_name=self.region)
        except BotoCoreError as exc:
            raise ProviderError(f"cannot set up the AWS session: {exc}") from None
        self.region = base.region_name
        if not self.region:
            raise ProviderError("no AWS region: set `region` in the provider block or "
                                "AWS_REGION in the environment", attribute="region")
        base.events.register("before-call", self._count)
        role = c.get("assume_role")
        if not role:
            return base
        return self._assume(base, role)

    def _assume(self, base: boto3.Session, role: Mapping[str, Any]) -> boto3.Session:
        args: dict[str, Any] = {"RoleArn": role["role_arn"],
                                "RoleSessionName": role.get("session_name") or "govctl"}
        if role.get("external_id"):
            args["ExternalId"] = role["external_id"]
        if role.get("duration_seconds"):
            args["DurationSeconds"] = role["duration_seconds"]
        sts = base.client("sts", endpoint_url=self.endpoints.get("sts"),
                          config=self._botocore_config())
        try:
            creds = sts.assume_role(**args)["Credentials"]
        except (ClientError, BotoCoreError) as exc:
            raise provider_error(exc, f"assuming role {role['role_arn']}") from None
        import boto3

        session = boto3.Session(
            aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"], region_name=self.region)
        session.events.register("before-call", self._count)
        return session

    def client(self, service: str) -> Any:
        """The shared client of `service` (made on first use)."""
        client = self._clients.get(service)
        if client is not None:
            return client
        session = self.session()
        with self._lock:
            client = self._clients.get(service)
            if client is None:
                client = session.client(service, endpoint_url=self.endpoints.get(service),
                                        config=self._botocore_config())
                self._clients[service] = client
            return client

    def account_id(self) -> str:
        """The caller's account (one STS call, remembered)."""
        if self._account is None:
            self._account = self.caller_identity()["Account"]
        return self._account

    def caller_identity(self) -> dict[str, str]:
        ident = self.client("sts").get_caller_identity()
        self._account = ident["Account"]
        return {"Account": ident["Account"], "Arn": ident["Arn"], "UserId": ident["UserId"]}

    @property
    def partition(self) -> str:
        region = self.region or ""
        if region.startswith("cn-"):
            return "aws-cn"
        return "aws-us-gov" if region.startswith("us-gov-") else "aws"

    # --- counting -------------------------------------------------------------
    def _count(self, model: Any = None, **_: Any) -> None:
        if model is None:
            return
        name = f"{model.service_model.service_name}:{model.name}"
        with self._count_lock:
            self.calls[name] += 1
        if self._call_log:
            with _LOG_LOCK, open(self._call_log, "a") as log:
                log.write(name + "\n")
