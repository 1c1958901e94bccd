"""Numeric built-ins; expected values were checked against `terraform console` 1.11."""

from __future__ import annotations

from decimal import Decimal

import pytest

from govctl.lang import values as V
from govctl.lang.types import NUMBER, STRING
from tests.lang.fn import call, fails


@pytest.mark.parametrize(("name", "args", "expected"), [
    ("abs", [-1.25], Decimal("1.25")),
    ("abs", [3], 3),
    ("abs", ["-7"], 7),
    ("ceil", [1.2], 2),
    ("ceil", [-1.5], -1),
    ("ceil", [5], 5),
    # exact, not via float64
    ("ceil", [Decimal("123456789012345678901234567890.5")], 123456789012345678901234567891),
    ("floor", [-1.5], -2),
    ("floor", [4.9], 4),
    ("log", [100, 10], 2),
    ("log", [8, 2], 3),
    ("log", [10, 3], Decimal("2.095903274289385")),
    ("max", [1.5, 3, -2], 3),
    ("max", [1, "2"], 2),
    ("min", [1.5, 3, -2], -2),
    ("min", [7], 7),
    ("parseint", ["FF", 16], 255),
    ("parseint", ["-101", 2], -5),
    ("parseint", ["+5", 10], 5),
    ("parseint", ["zz", 62], 2205),
    ("parseint", ["ZZ", 36], 1295),
    ("pow", [3, 2], 9),
    ("pow", [2, -1], Decimal("0.5")),
    ("pow", [2, 0.5], Decimal("1.4142135623730951")),
    # float64 arithmetic, as Terraform: 3**40 is 12157665459056928801 exactly.
    ("pow", [3, 40], 12157665459056929000),
    ("signum", [-7], -1),
    ("signum", [0], 0),
    ("signum", [42], 1),
])
def test_results(name: str, args: list[object], expected: object) -> None:
    result = call(name, *args)
    assert result.type == NUMBER
    assert result.v == expected


@pytest.mark.parametrize(("name", "args", "message", "arg"), [
    ("abs", ["x"], 'Invalid value for "num" parameter', 0),
    ("ceil", [None], "argument must not be null", 0),
    ("floor", [[1]], 'Invalid value for "num" parameter', 0),
    ("log", [0, 10], "-Inf", None),
    ("log", [-1, 10], "NaN", None),
    ("log", [Decimal("1e400"), 10], "value must be between -1797693134862315708145274237", None),
    ("max", [], "must pass at least one number.", None),
    ("min", ["a"], 'Invalid value for "numbers" parameter', 0),
    ("parseint", ["12", 2], 'Invalid value for "number" parameter: cannot parse "12" as a '
     "base 2 integer.", 0),
    ("parseint", ["0x1F", 16], 'cannot parse "0x1F" as a base 16 integer', 0),
    ("parseint", ["", 10], 'cannot parse "" as a base 10 integer', 0),
    ("parseint", [12, 10], "first argument must be a string, not number.", 0),
    ("parseint", ["12", 1], 'Invalid value for "base" parameter: base must be a whole number '
     "between 2 and 62 inclusive.", 1),
    ("parseint", ["12", 2.5], "value must be a whole number, between", 1),
    ("pow", [0, -1], "+Inf", None),
    ("pow", [-8, Decimal("0.5")], "NaN", None),
    ("signum", [0.5], "value must be a whole number, between -9223372036854775808 and "
     "9223372036854775807.", None),
    ("signum", [10**30], "value must be a whole number", None),
])
def test_errors(name: str, args: list[object], message: str, arg: int | None) -> None:
    assert fails(name, *args, match=message).arg == arg


def test_float_range_message_names_go_limits() -> None:
    err = fails("pow", Decimal("1e400"), 0, match="inclusive.")
    assert ".000000 and 17976931348623157081" in err.message


def test_extremes_return_the_exact_number() -> None:
    assert call("max", Decimal("0.1"), Decimal("0.10")).v == Decimal("0.1")
    assert call("min", 10**40, 10**40 + 1).v == 10**40


def test_sensitive_marks_survive_and_unknowns_propagate() -> None:
    secret = V.number(-3).mark({V.SENSITIVE})
    assert call("abs", secret) == V.number(3).mark({V.SENSITIVE})
    assert call("max", 1, secret).sensitive
    assert call("pow", secret, 2).sensitive
    assert call("parseint", V.string("ff").mark({V.SENSITIVE}), 16).sensitive

    pending = V.unknown(NUMBER)
    for name, args in [("abs", [pending]), ("ceil", [pending]), ("log", [pending, 10]),
                       ("max", [1, pending]), ("pow", [2, pending]), ("signum", [pending]),
                       ("parseint", [V.unknown(STRING), 10])]:
        result = call(name, *args)
        assert result.unknown and result.type == NUMBER, name
    marked_unknown = call("floor", V.unknown(NUMBER).mark({V.SENSITIVE}))
    assert marked_unknown.unknown and marked_unknown.sensitive
