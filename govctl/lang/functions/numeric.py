"""Numeric functions: abs ceil floor log max min parseint pow signum.

Terraform computes `log` and `pow` in float64 and everything else on its
arbitrary-precision numbers; we do the same, so `pow(3, 40)` prints the float64
answer `12157665459056929000` exactly as Terraform does while `ceil(1e300)`
stays exact. Terraform can produce infinities (`log(0, 10)`); govctl numbers
are always finite, so those calls fail with a message instead.

The small helpers at the top are shared with the string and collection
modules so that every function rejects fractional indexes with Terraform's
wording.
"""

from __future__ import annotations

import math
import sys
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from govctl.lang.functions.base import CallContext, FunctionError, Param, function
from govctl.lang.types import DYNAMIC, NUMBER, STRING
from govctl.lang.values import Number, Value, number

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
WHOLE_NUMBER_MESSAGE = f"value must be a whole number, between {_INT64_MIN} and {_INT64_MAX}"
# Go prints the float64 limits with %f when a number does not fit a float64.
_FLOAT_MAX_TEXT = f"{Decimal(sys.float_info.max):f}.000000"
FLOAT_RANGE_MESSAGE = (f"value must be between -{_FLOAT_MAX_TEXT} and {_FLOAT_MAX_TEXT} "
                       "inclusive")


def arg_error(param: str, message: str, index: int) -> FunctionError:
    """An error blamed on one argument, worded as Terraform's argument errors."""
    return FunctionError(f'Invalid value for "{param}" parameter: {message}.', index)


def whole_number(n: Number) -> int:
    """The int64 Terraform would decode `n` into; ValueError (with its text) if none."""
    if isinstance(n, Decimal):
        if n != n.to_integral_value():
            raise ValueError(WHOLE_NUMBER_MESSAGE)
        n = int(n)
    if not _INT64_MIN <= n <= _INT64_MAX:
        raise ValueError(WHOLE_NUMBER_MESSAGE)
    return n


def to_float(n: Number) -> float:
    """The float64 Terraform would decode `n` into; ValueError outside its range."""
    f = float(Decimal(n)) if isinstance(n, int) else float(n)
    if math.isinf(f):
        raise ValueError(FLOAT_RANGE_MESSAGE)
    return f


def _from_float(f: float, name: str) -> Value:
    """A float64 result as a number; Terraform's Inf/NaN results cannot be held."""
    if math.isnan(f):
        raise FunctionError(f"the result of {name} is not a number (NaN).")
    if math.isinf(f):
        sign = "+" if f > 0 else "-"
        raise FunctionError(f"the result of {name} is {sign}Inf, but numbers must be finite.")
    return number(f)


def _num(arg: Value) -> Number:
    v: Number = arg.v
    return v


@function("abs", params=[Param("num", NUMBER)], returns=NUMBER)
def _abs(args: list[Value], ctx: CallContext) -> Value:
    """The magnitude of a number, exactly."""
    n = _num(args[0])
    return number(-n if n < 0 else n)


@function("ceil", params=[Param("num", NUMBER)], returns=NUMBER)
def _ceil(args: list[Value], ctx: CallContext) -> Value:
    """Rounds up in arbitrary precision, as Terraform 1.11 does (no float64 detour)."""
    n = _num(args[0])
    if isinstance(n, int):
        return number(n)
    return number(int(n.to_integral_value(rounding=ROUND_CEILING)))


@function("floor", params=[Param("num", NUMBER)], returns=NUMBER)
def _floor(args: list[Value], ctx: CallContext) -> Value:
    """Rounds down in arbitrary precision."""
    n = _num(args[0])
    if isinstance(n, int):
        return number(n)
    return number(int(n.to_integral_value(rounding=ROUND_FLOOR)))


def _go_log(x: float) -> float:
    """math.Log's special cases, which Python raises on instead."""
    if x == 0:
        return -math.inf
    if x < 0:
        return math.nan
    return math.log(x)


def _go_div(a: float, b: float) -> float:
    if b == 0:
        if a == 0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


@function("log", params=[Param("num", NUMBER), Param("base", NUMBER)], returns=NUMBER)
def _log(args: list[Value], ctx: CallContext) -> Value:
    """ln(num) / ln(base) in float64, so results carry float64 rounding like Terraform's."""
    try:
        num = to_float(_num(args[0]))
        base = to_float(_num(args[1]))
    except ValueError as exc:
        raise FunctionError(f"{exc}.") from None
    return _from_float(_go_div(_go_log(num), _go_log(base)), "log")


def _go_pow(x: float, y: float) -> float:
    """math.Pow's results where Python's math.pow raises."""
    try:
        return math.pow(x, y)
    except OverflowError:
        odd = y == int(y) and int(y) % 2 == 1
        return -math.inf if x < 0 and odd else math.inf
    except ValueError:
        if x == 0 and y < 0:
            return math.inf
        return math.nan


@function("pow", params=[Param("num", NUMBER), Param("power", NUMBER)], returns=NUMBER)
def _pow(args: list[Value], ctx: CallContext) -> Value:
    """num ** power in float64 (Terraform's math.Pow), not exact integer power."""
    try:
        num = to_float(_num(args[0]))
        power = to_float(_num(args[1]))
    except ValueError as exc:
        raise FunctionError(f"{exc}.") from None
    return _from_float(_go_pow(num, power), "pow")


def _extreme(args: list[Value], pick_max: bool) -> Value:
    if not args:
        raise FunctionError("must pass at least one number.")
    best = _num(args[0])
    for a in args[1:]:
        n = _num(a)
        if (n > best) if pick_max else (n < best):
            best = n
    return number(best)


@function("max", params=[], variadic=Param("numbers", NUMBER), returns=NUMBER)
def _max(args: list[Value], ctx: CallContext) -> Value:
    """The greatest of the numbers, compared exactly."""
    return _extreme(args, pick_max=True)


@function("min", params=[], variadic=Param("numbers", NUMBER), returns=NUMBER)
def _min(args: list[Value], ctx: CallContext) -> Value:
    """The least of the numbers, compared exactly."""
    return _extreme(args, pick_max=False)


_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _digit_value(ch: str, base: int) -> int | None:
    """Go's big.Int.SetString digit rule: letters are case-insensitive up to base 36."""
    i = _DIGITS.find(ch)
    if i < 0:
        return None
    if base <= 36 and i >= 36:
        i -= 26
    return i if i < base else None


def _parse_int(text: str, base: int) -> int | None:
    body = text
    sign = 1
    if body[:1] in ("+", "-"):
        sign = -1 if body[0] == "-" else 1
        body = body[1:]
    if not body:
        return None
    total = 0
    for ch in body:
        d = _digit_value(ch, base)
        if d is None:
            return None
        total = total * base + d
    return sign * total


@function("parseint", params=[Param("number", DYNAMIC), Param("base", NUMBER)],
          returns=NUMBER)
def _parseint(args: list[Value], ctx: CallContext) -> Value:
    """Parses digits in bases 2-62 (beyond 36, lower case comes before upper case).

    The first argument must really be a string: Terraform refuses `parseint(12, 10)`
    rather than converting the number.
    """
    text_val, base_val = args
    if text_val.type != STRING:
        raise arg_error("number", "first argument must be a string, not "
                        f"{text_val.type.friendly()}", 0)
    try:
        base = whole_number(_num(base_val))
    except ValueError as exc:
        raise arg_error("base", str(exc), 1) from None
    if not 2 <= base <= 62:
        raise arg_error("base", "base must be a whole number between 2 and 62 inclusive", 1)
    parsed = _parse_int(text_val.v, base)
    if parsed is None:
        raise arg_error("number", f'cannot parse "{text_val.v}" as a base {base} integer', 0)
    return number(parsed)


@function("signum", params=[Param("num", NUMBER)], returns=NUMBER)
def _signum(args: list[Value], ctx: CallContext) -> Value:
    """-1, 0 or 1. Terraform only accepts whole numbers that fit an int64 here."""
    try:
        n = whole_number(_num(args[0]))
    except ValueError as exc:
        raise FunctionError(f"{exc}.") from None
    return number((n > 0) - (n < 0))


__all__ = ["FLOAT_RANGE_MESSAGE", "WHOLE_NUMBER_MESSAGE", "arg_error", "to_float",
           "whole_number"]
