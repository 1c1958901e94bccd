"""The engine tests' workspace (the CLI against the in-memory provider)."""

from tests.engine.conftest import _reset_provider, ws  # noqa: F401
