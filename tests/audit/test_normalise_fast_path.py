"""normalise() takes the standard library's codec for values without
fractions: it must give exactly what the exact round trip gives, for every
kind of value a record holds, and defer to it for everything else."""

from __future__ import annotations

from decimal import Decimal

import pytest

from govctl.audit.chain import canonical, normalise
from govctl.state.jsonenc import EncodeError, decode, encode


def _exact(value):
    from govctl.audit.chain import _floats_as_decimal

    return decode(encode(_floats_as_decimal(value), indent=None))


VALUES = [
    {"changes": [{"address": 'mem_object.a["x"]', "before": None, "after": {"n": 1}}],
     "ok": True, "nothing": None, "big": 2**70, "neg": -5, "zero": -0},
    {"unicode": "é ☃ \u2028 \x00 \"quoted\" \\", "nested": [[[]], {}, {"k": [1, "2"]}]},
    ("tuple", 1, [True, False]),
    {"fraction": 1.5, "exact": Decimal("0.10"), "int_float": 2.0},
    {"negzero": -0.0},
]


@pytest.mark.parametrize("value", VALUES)
def test_the_fast_path_agrees_with_the_exact_round_trip(value):
    fast = normalise(value)
    assert fast == _exact(value)
    assert canonical(fast) == canonical(_exact(value))
    assert [type(x) for x in _walk(fast)] == [type(x) for x in _walk(_exact(value))]


def test_non_string_keys_are_left_to_the_exact_codec():
    with pytest.raises(EncodeError, match="key 1 is not a string"):
        normalise({1: "a"})
    with pytest.raises(EncodeError, match="key 1 is not a string"):
        _exact({1: "a"})


def test_nan_is_refused_as_before():
    with pytest.raises(EncodeError, match="NaN"):
        normalise({"x": float("nan")})


def _walk(value):
    yield value
    if isinstance(value, dict):
        for k in sorted(value):
            yield from _walk(value[k])
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v)
