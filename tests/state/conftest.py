"""Fixtures for the state tests: a backend in a temporary directory and a
small state with modules, keys, a data source, secrets and outputs."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from govctl.addrs import parse_instance
from govctl.state.local import LocalBackend
from govctl.state.model import InstanceState, OutputState, State

AWS = 'provider["govctl/aws"]'


def put(state: State, addr: str, attrs: dict, provider: str = AWS, **kw: object) -> None:
    a = parse_instance(addr)
    state.set_instance(a, provider, InstanceState(a.key, attrs, **kw))  # type: ignore[arg-type]


def sample_state() -> State:
    s = State()
    put(s, "aws_kms_key.k", {"id": "k-1", "arn": "arn:aws:kms:k-1", "rotation": True})
    put(s, "aws_s3_bucket.b[0]", {"bucket": "b0", "size": Decimal("0.1")},
        dependencies=["aws_kms_key.k"])
    put(s, "aws_s3_bucket.b[1]", {"bucket": "b1", "size": 2}, dependencies=["aws_kms_key.k"])
    put(s, 'module.net["eu"].aws_iam_role.r', {"name": "r", "password": "hunter2",
                                               "tags": {"env": "prod"}},
        provider='module.net.provider["govctl/aws"]', sensitive_paths=[["password"]])
    put(s, 'module.net["us"].aws_iam_role.r', {"name": "r-us"},
        provider='module.net.provider["govctl/aws"]')
    put(s, "data.aws_caller_identity.me", {"account_id": "123"})
    s.outputs = {
        "bucket": OutputState("b0", "string"),
        "count": OutputState(2, "number"),
        "names": OutputState(["b0", "b1"], ["list", "string"]),
        "secret": OutputState("s3cr3t", "string", sensitive=True),
    }
    return s


@pytest.fixture
def backend(tmp_path: Path) -> LocalBackend:
    return LocalBackend(tmp_path / "govctl.tfstate")


@pytest.fixture
def saved(backend: LocalBackend) -> LocalBackend:
    """A backend whose file holds sample_state()."""
    backend.write(sample_state())
    return backend


def rendered(err: BaseException) -> str:
    """Every diagnostic of a DiagnosticError, as the user would read them."""
    return "\n".join(d.render() for d in getattr(err, "diagnostics", []))
