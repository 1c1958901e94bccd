"""Date and time built-ins; expected values were checked against `terraform console` 1.11."""

from __future__ import annotations

import re
import time

import pytest

from govctl.lang import values as V
from govctl.lang.functions import CallContext, FunctionError, load_all
from govctl.lang.functions.datetime import parse_duration
from govctl.lang.types import NUMBER, STRING
from govctl.lang.values import SENSITIVE, Value

FUNCTIONS = load_all()
APPLY = CallContext(plan_time=False)
T = "2006-01-02T15:04:05Z"


def call(name: str, *args: object, ctx: CallContext = APPLY) -> Value:
    vals = [a if isinstance(a, Value) else V.from_python(a) for a in args]
    return FUNCTIONS[name].call(vals, ctx)


def fails(name: str, *args: object, match: str) -> FunctionError:
    with pytest.raises(FunctionError, match=re.escape(match)) as info:
        call(name, *args)
    return info.value


# --- formatdate --------------------------------------------------------------

@pytest.mark.parametrize(("spec", "stamp", "expected"), [
    ("YYYY YY MM M MMM MMMM DD D EEE EEEE hh h HH H AA aa mm m ss s ZZZZZ ZZZZ ZZZ Z", T,
     "2006 06 01 1 Jan January 02 2 Mon Monday 15 15 03 3 PM pm 04 4 05 5 +00:00 +0000 UTC Z"),
    ("YYYY YY MM M DD D hh h HH H AA aa mm m ss s ZZZZZ ZZZZ ZZZ Z",
     "0009-11-05T00:07:09.123+05:30",
     "0009 09 11 11 05 5 00 0 12 12 AM am 07 7 09 9 +05:30 +0530 +0530 +05:30"),
    ("h HH H AA", "2006-01-02T12:00:00-08:00", "12 12 12 PM"),
    ("YYYY'abc'", T, "2006abc"),
    ("'a''b' YYYY '' - 'x''", T, "a'b 2006 ' - x'"),
    ("EEEE YYYY", "0000-01-01T00:00:00Z", "Saturday 0000"),
    ("DD MMM YYYY hh:mm ZZZ", "2006-01-02T15:04:05+00:00", "02 Jan 2006 15:04 UTC"),
])
def test_formatdate(spec: str, stamp: str, expected: str) -> None:
    result = call("formatdate", spec, stamp)
    assert result == V.string(expected) and result.type is STRING


@pytest.mark.parametrize(("spec", "message"), [
    ("x", 'invalid date format verb "x".'),
    ("YYYYY", 'invalid date format verb "YYYYY": year must either be "YY" or "YYYY".'),
    ("MMMMM", 'invalid date format verb "MMMMM": month must be "M", "MM", "MMM", or "MMMM".'),
    ("A", 'invalid date format verb "A": must be "AA".'),
    ("ZZ", 'invalid date format verb "ZZ": timezone must be Z, ZZZZ, or ZZZZZ.'),
    ("'abc", "unterminated literal '."),
])
def test_formatdate_format_errors(spec: str, message: str) -> None:
    err = fails("formatdate", spec, T, match=f'Invalid value for "format" parameter: {message}')
    assert err.arg == 0


@pytest.mark.parametrize(("stamp", "problem"), [
    ("", "end of string before year"),
    ("2006", 'end of string where "-" is expected'),
    ("2006-13-01T00:00:00Z", 'cannot use "-01T00:00:00Z" as month'),
    ("2006-01-02", "missing required time introducer 'T'"),
    ("2006-01-02T15:04:05", "end of string before UTC offset"),
    ("2006-01-02T25:04:05Z", "hour must be between 0 and 23 inclusive"),
    ("2006-01-02T1:04:05Z", "hour must have exactly two digits"),
    ("2006-01-02T15:4:05Z", "minute must have exactly two digits"),
    ("2006-02-30T15:04:05Z", "day out of range"),
    ("2006-01-02T15:04:05+0100", 'cannot use "+0100" as UTC offset'),
    ("2006-01-02T15:04:05+24:00", 'cannot use "+24:00" as UTC offset'),
    ("2006-01-02T15:04:05,5Z", 'cannot use "," as timestamp segment'),
    ("2006-01-02T15:04:05Zjunk", 'cannot use "junk" as timestamp segment'),
    ("2006-01-02T15:04Z", 'found "Z" where ":" is expected'),
])
def test_formatdate_timestamp_errors(stamp: str, problem: str) -> None:
    err = fails("formatdate", "YYYY", stamp, match='Invalid value for "time" parameter: '
                f"not a valid RFC3339 timestamp: {problem}.")
    assert err.arg == 1


# --- timeadd / timecmp -------------------------------------------------------

@pytest.mark.parametrize(("stamp", "duration", "expected"), [
    (T, "1h", "2006-01-02T16:04:05Z"),
    ("2006-01-02T15:04:05+05:30", "-1h30m", "2006-01-02T13:34:05+05:30"),
    ("2006-01-02T15:04:05.9Z", "0.2s", "2006-01-02T15:04:06Z"),
    (T, ".5h", "2006-01-02T15:34:05Z"),
    (T, "1h.5m", "2006-01-02T16:04:35Z"),
    (T, "1µs1us1μs", T),
    (T, "0", T),
    (T, "-9223372036854775808ns", "1713-09-23T15:16:48Z"),
    ("0000-01-01T00:00:00Z", "-1h", "-0001-12-31T23:00:00Z"),
    ("9999-12-31T23:59:59Z", "1s", "10000-01-01T00:00:00Z"),
])
def test_timeadd(stamp: str, duration: str, expected: str) -> None:
    assert call("timeadd", stamp, duration) == V.string(expected)


@pytest.mark.parametrize(("stamp", "duration", "message"), [
    (T, "1", 'time: missing unit in duration "1".'),
    (T, "1x", 'time: unknown unit "x" in duration "1x".'),
    (T, "1.5µx", 'time: unknown unit "\\xc2\\xb5x" in duration "1.5\\xc2\\xb5x".'),
    (T, "", 'time: invalid duration "".'),
    (T, "3000000h", 'time: invalid duration "3000000h".'),
    (T, "9223372036854775808ns", 'time: invalid duration "9223372036854775808ns".'),
    ("2006-13-02T15:04:05Z", "1h",
     'not a valid RFC3339 timestamp: cannot use "-02T15:04:05Z" as month.'),
])
def test_timeadd_errors(stamp: str, duration: str, message: str) -> None:
    err = fails("timeadd", stamp, duration, match=message)
    assert err.message == message and err.arg is None


def test_timecmp() -> None:
    assert call("timecmp", T, "2006-01-02T16:04:05+01:00") == V.number(0)
    assert call("timecmp", T, "2007-01-02T16:04:05Z") == V.number(-1)
    assert call("timecmp", "2007-01-02T16:04:05.5Z", "2007-01-02T16:04:05.4Z") == V.number(1)
    assert call("timecmp", T, T).type is NUMBER
    err = fails("timecmp", T, "y", match='Invalid value for "timestamp_b" parameter: not a valid '
                'RFC3339 timestamp: cannot use "y" as year.')
    assert err.arg == 1


def test_parse_duration_matches_go() -> None:
    assert parse_duration("1h30m") == 5_400_000_000_000
    assert parse_duration("-1.5s") == -1_500_000_000
    assert parse_duration("+0") == 0
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration(".s")


# --- impure functions ----------------------------------------------------------

def test_timestamp_is_unknown_while_planning() -> None:
    planned = call("timestamp", ctx=CallContext(plan_time=True))
    assert planned.unknown and planned.type is STRING


def test_timestamp_at_apply_is_now_in_utc() -> None:
    now = call("timestamp").v
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", now)
    assert abs(call("timecmp", now, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())).v) <= 1


def test_plantimestamp_is_the_plan_time_and_unknown_without_a_plan() -> None:
    assert call("plantimestamp", ctx=CallContext()).unknown
    ctx = CallContext(plan_timestamp="2024-01-01T00:00:00Z")
    assert call("plantimestamp", ctx=ctx) == V.string("2024-01-01T00:00:00Z")
    fails("plantimestamp", "x", match="expects exactly 0 arguments")


# --- sensitivity and unknowns --------------------------------------------------

@pytest.mark.parametrize(("name", "args"), [
    ("formatdate", ["YYYY", T]), ("timeadd", [T, "1h"]), ("timecmp", [T, T]),
])
def test_sensitive_in_sensitive_out_and_unknown_in_unknown_out(name: str,
                                                               args: list[str]) -> None:
    for i in range(len(args)):
        vals = [V.string(a) for a in args]
        vals[i] = vals[i].mark({SENSITIVE})
        assert call(name, *vals).sensitive
        vals[i] = V.unknown(STRING)
        assert call(name, *vals).unknown
