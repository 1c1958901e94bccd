"""Hash and uuid built-ins; expected values were checked against `terraform console` 1.11."""

from __future__ import annotations

import re

import pytest

from govctl.lang import values as V
from govctl.lang.functions import CallContext, FunctionError, load_all
from govctl.lang.functions.crypto import random_uuid
from govctl.lang.types import STRING
from govctl.lang.values import SENSITIVE, Value

FUNCTIONS = load_all()


def call(name: str, *args: object, ctx: CallContext | None = None) -> Value:
    vals = [a if isinstance(a, Value) else V.from_python(a) for a in args]
    return FUNCTIONS[name].call(vals, ctx or CallContext(plan_time=False))


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("md5", "hello", "5d41402abc4b2a76b9719d911017c592"),
    ("sha1", "hello", "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"),
    ("sha256", "héllo", "3c48591d8d098a4538f5e013dfcf406e948eac4d3277b10bf614e295d6068179"),
    ("sha512", "", "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85"
                   "f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"),
    ("base64sha256", "hello", "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="),
    ("base64sha512", "hello", "m3HSJL1i83hdltRq0+o9czGb+8KJDKra4t/3JRlnPKcjI8PZm6XBHXx6zG4UuMX"
                              "aDEZjR1wuXDre9G9zvN7AQw=="),
])
def test_hashes(name: str, text: str, expected: str) -> None:
    result = call(name, text)
    assert result == V.string(expected) and result.type is STRING


def test_hashes_convert_numbers_and_refuse_other_types() -> None:
    assert call("md5", 1) == call("md5", "1")
    with pytest.raises(FunctionError, match=re.escape('Invalid value for "str" parameter: '
                                                      "string required")) as info:
        call("sha256", [1])
    assert info.value.arg == 0
    with pytest.raises(FunctionError, match="must not be null"):
        call("sha1", V.null(STRING))


def test_uuid_is_unknown_while_planning_and_random_at_apply() -> None:
    planned = call("uuid", ctx=CallContext(plan_time=True))
    assert planned.unknown and planned.type is STRING
    first, second = call("uuid").v, call("uuid").v
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", first)
    assert first != second
    with pytest.raises(FunctionError, match="expects exactly 0 arguments"):
        call("uuid", "x")


def test_random_uuid_sets_no_version_bits_like_go_uuid() -> None:
    assert random_uuid(lambda n: bytes(range(n))) == "00010203-0405-0607-0809-0a0b0c0d0e0f"


@pytest.mark.parametrize("name", ["md5", "sha1", "sha256", "sha512", "base64sha256",
                                  "base64sha512"])
def test_sensitive_in_sensitive_out_and_unknown_in_unknown_out(name: str) -> None:
    secret = call(name, V.string("x").mark({SENSITIVE}))
    assert secret.sensitive and secret.v == call(name, "x").v
    assert call(name, V.unknown(STRING)).unknown
