"""Date and time functions over RFC 3339 timestamp strings.

Terraform parses timestamps with Go's time.Parse plus a strictness layer, and
its error messages are built from the pieces of Go's ParseError. To give the
same answers (and the same messages, which users paste into searches) this
module re-implements that parser and Go's duration syntax instead of using
datetime.fromisoformat, which accepts a different language. Times are kept as
civil fields plus an offset, so any year Go accepts (0000, 10000) works.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from govctl.lang import values as V
from govctl.lang.functions.base import CallContext, Param, function
from govctl.lang.functions.encoding import arg_error, call_error, go_quote
from govctl.lang.types import NUMBER, STRING
from govctl.lang.values import Value

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_WEEKDAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
_NS = 1_000_000_000


# --- calendar arithmetic (proleptic Gregorian, any year) --------------------

def _days_from_civil(y: int, m: int, d: int) -> int:
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


def _civil_from_days(z: int) -> tuple[int, int, int]:
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (m <= 2), m, d


def _days_in(month: int, year: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


@dataclass(frozen=True)
class _Time:
    """An instant with the UTC offset it was written in (kept for output)."""

    unix_ns: int
    offset: int  # seconds east of UTC

    @classmethod
    def from_civil(cls, y: int, mo: int, d: int, h: int, mi: int, s: int, ns: int,
                   offset: int) -> _Time:
        secs = _days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset
        return cls(secs * _NS + ns, offset)

    def civil(self) -> tuple[int, int, int, int, int, int, int]:
        """(year, month, day, hour, minute, second, weekday) in the original offset."""
        secs = self.unix_ns // _NS + self.offset
        days, rem = divmod(secs, 86400)
        y, m, d = _civil_from_days(days)
        return y, m, d, rem // 3600, rem // 60 % 60, rem % 60, (days + 4) % 7

    def zone(self, colon: bool, z_for_utc: bool) -> str:
        if z_for_utc and self.offset == 0:
            return "Z"
        sign = "-" if self.offset < 0 else "+"
        h, m = divmod(abs(self.offset) // 60, 60)
        return f"{sign}{h:02d}{':' if colon else ''}{m:02d}"

    def rfc3339(self) -> str:
        y, mo, d, h, mi, s, _ = self.civil()
        year = f"-{-y:04d}" if y < 0 else f"{y:04d}"
        return f"{year}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}{self.zone(True, True)}"


# --- Go's time.Parse(time.RFC3339, ...) -------------------------------------

class _ParseError(Exception):
    """Go's time.ParseError fields, from which cty builds its message."""

    def __init__(self, layout_elem: str, value_elem: str, message: str = ""):
        super().__init__(message)
        self.layout_elem = layout_elem
        self.value_elem = value_elem
        self.message = message


def _getnum(v: str, fixed: bool) -> tuple[int, str] | None:
    if not v[:1].isdigit() or not v[:1].isascii():
        return None
    if not (v[1:2].isdigit() and v[1:2].isascii()):
        return None if fixed else (int(v[0]), v[1:])
    return int(v[:2]), v[2:]


def _skip(v: str, literal: str) -> str:
    if not v.startswith(literal):
        raise _ParseError(literal, v)
    return v[len(literal):]


def _field(v: str, elem: str, fixed: bool, limit: int | None, name: str) -> tuple[int, str]:
    got = _getnum(v, fixed)
    if got is None:
        raise _ParseError(elem, v)
    n, rest = got
    if limit is not None and n >= limit:
        raise _ParseError(elem, rest, f": {name} out of range")
    return n, rest


def _go_parse(s: str) -> _Time:
    """time.Parse with the RFC3339 layout, including its leniencies."""
    v = s
    if len(v) < 4 or not v[:4].isdigit() or not v[:4].isascii():
        raise _ParseError("2006", v)
    year, v = int(v[:4]), v[4:]
    v = _skip(v, "-")
    month, v = _field(v, "01", True, None, "month")
    if not 1 <= month <= 12:
        raise _ParseError("01", v, ": month out of range")
    v = _skip(v, "-")
    day, v = _field(v, "02", True, None, "day")
    v = _skip(v, "T")
    hour, v = _field(v, "15", False, 24, "hour")
    v = _skip(v, ":")
    minute, v = _field(v, "04", True, 60, "minute")
    v = _skip(v, ":")
    second, v = _field(v, "05", True, 60, "second")
    nanos = 0
    if len(v) >= 2 and v[0] in ".," and v[1].isdigit() and v[1].isascii():
        n = 2
        while n < len(v) and v[n].isdigit() and v[n].isascii():
            n += 1
        nanos = int(v[1:min(n, 10)].ljust(9, "0"))
        v = v[n:]
    offset, v = _parse_zone(v)
    if v:
        raise _ParseError("", v, f": extra text: {go_quote(v)}")
    if not 1 <= day <= _days_in(month, year):
        raise _ParseError("", "", ": day out of range")
    return _Time.from_civil(year, month, day, hour, minute, second, nanos, offset)


def _parse_zone(v: str) -> tuple[int, str]:
    if v.startswith("Z"):
        return 0, v[1:]
    if len(v) < 6 or v[3] != ":":
        raise _ParseError("Z07:00", v)
    hh, mm = _getnum(v[1:3], True), _getnum(v[4:6], True)
    hours = hh[0] if hh else 0
    minutes = mm[0] if hh and mm else 0
    # Go records a range problem before it looks at the sign, and reports it first.
    if minutes > 60:
        raise _ParseError("Z07:00", v[6:], ": time zone offset minute out of range")
    if hours > 24:
        raise _ParseError("Z07:00", v[6:], ": time zone offset hour out of range")
    if hh is None or mm is None or v[0] not in "+-":
        raise _ParseError("Z07:00", v)
    offset = (hours * 60 + minutes) * 60
    return (-offset if v[0] == "-" else offset), v[6:]


def _parse_strict(s: str) -> _Time:
    """cty's parseStrictRFC3339: Go's parse, then reject what RFC 3339 forbids."""
    t = _go_parse(s)
    if len(s) > 12 and s[12] == ":":
        raise _ParseError("15", s[11:12], ": hour must have exactly two digits")
    if len(s) > 19 and s[19] == ",":
        raise _ParseError(".", ",", ": sub-second separator must be a period")
    if not s.endswith("Z"):
        if int(s[-5:-3]) >= 24:
            raise _ParseError("Z07:00", s[-6:], ": timezone hour out of range")
        if int(s[-2:]) >= 60:
            raise _ParseError("Z07:00", s[-6:], ": timezone minute out of range")
    return t


_ELEM_NAMES = {"2006": "year", "01": "month", "02": "day of month", "15": "hour",
               "04": "minute", "05": "second", "Z07:00": "UTC offset"}


def _describe(err: _ParseError) -> str:
    """cty's rewording of a Go ParseError in terms of timestamp parts."""
    prefix = "not a valid RFC3339 timestamp"
    if not err.layout_elem and not err.value_elem and err.message:
        return prefix + err.message
    if err.layout_elem == "T":
        return f"{prefix}: missing required time introducer 'T'"
    if err.layout_elem in (":", "-"):
        if not err.value_elem:
            return f"{prefix}: end of string where {go_quote(err.layout_elem)} is expected"
        return (f"{prefix}: found {go_quote(err.value_elem)} where "
                f"{go_quote(err.layout_elem)} is expected")
    what = _ELEM_NAMES.get(err.layout_elem, "timestamp segment")
    if not err.value_elem:
        return f"{prefix}: end of string before {what}"
    if what == "hour" and ":" in err.value_elem:
        return f"{prefix}: hour must be between 0 and 23 inclusive"
    if what == "hour" and len(err.value_elem) != 2:
        return f"{prefix}: hour must have exactly two digits"
    if what == "minute" and len(err.value_elem) != 2:
        return f"{prefix}: minute must have exactly two digits"
    return f"{prefix}: cannot use {go_quote(err.value_elem)} as {what}"


def parse_timestamp(s: str) -> _Time:
    """Parse an RFC 3339 timestamp; ValueError carries Terraform's message."""
    try:
        return _parse_strict(s)
    except _ParseError as exc:
        raise ValueError(_describe(exc)) from None


# --- Go's time.ParseDuration ------------------------------------------------

_UNITS = {"ns": 1, "us": 1_000, "\u00b5s": 1_000, "\u03bcs": 1_000, "ms": 1_000_000,
          "s": _NS, "m": 60 * _NS, "h": 3600 * _NS}
_MAX = 1 << 63


def _time_quote(s: str) -> str:
    """time's own quoting: non-ASCII and control bytes as \\x escapes."""
    out: list[str] = []
    for c in s:
        if ord(c) >= 0x80 or c < " ":
            out.extend(f"\\x{b:02x}" for b in c.encode())
        else:
            out.append("\\" + c if c in '"\\' else c)
    return '"' + "".join(out) + '"'


def parse_duration(text: str) -> int:
    """Nanoseconds in a Go duration string like "1h30m"; ValueError with Go's message."""
    invalid = ValueError(f"time: invalid duration {_time_quote(text)}")
    s = text
    neg = False
    if s[:1] in ("-", "+"):
        neg, s = s[0] == "-", s[1:]
    if s == "0":
        return 0
    if not s:
        raise invalid
    total = 0
    while s:
        if not (s[0] == "." or "0" <= s[0] <= "9"):
            raise invalid
        i = 0
        whole = 0
        while i < len(s) and "0" <= s[i] <= "9":
            whole = whole * 10 + int(s[i])
            if whole > _MAX:
                raise invalid
            i += 1
        pre = i > 0
        s = s[i:]
        frac, scale, post = 0, 1.0, False
        if s.startswith("."):
            s = s[1:]
            i = 0
            overflow = False
            while i < len(s) and "0" <= s[i] <= "9":
                if not overflow:
                    if frac > (_MAX - 1) // 10 or frac * 10 + int(s[i]) > _MAX:
                        overflow = True
                    else:
                        frac = frac * 10 + int(s[i])
                        scale *= 10
                i += 1
            post = i > 0
            s = s[i:]
        if not pre and not post:
            raise invalid
        i = 0
        while i < len(s) and not (s[i] == "." or "0" <= s[i] <= "9"):
            i += 1
        if i == 0:
            raise ValueError(f"time: missing unit in duration {_time_quote(text)}")
        unit_name, s = s[:i], s[i:]
        if unit_name not in _UNITS:
            raise ValueError(f"time: unknown unit {_time_quote(unit_name)} in duration "
                             f"{_time_quote(text)}")
        unit = _UNITS[unit_name]
        if whole > _MAX // unit:
            raise invalid
        whole *= unit
        if frac:
            whole += int(float(frac) * (float(unit) / scale))  # float, exactly as Go does
            if whole > _MAX:
                raise invalid
        total += whole
        if total > _MAX:
            raise invalid
    if not neg and total > _MAX - 1:
        raise invalid
    return -total if neg else total


# --- functions --------------------------------------------------------------

def _now_rfc3339() -> str:
    return _Time(time.time_ns() // _NS * _NS, 0).rfc3339()


@function("timestamp", params=[], returns=STRING)
def _timestamp(args: list[Value], ctx: CallContext) -> Value:
    """Unknown while planning: the value is only fixed when the change is applied."""
    if ctx.plan_time:
        return V.unknown(STRING)
    return V.string(_now_rfc3339())


@function("plantimestamp", params=[], returns=STRING)
def _plantimestamp(args: list[Value], ctx: CallContext) -> Value:
    """The time the plan was made, constant for a run; unknown where no plan is
    being made (validate), as in Terraform."""
    if ctx.plan_timestamp is None:
        return V.unknown(STRING)
    return V.string(ctx.plan_timestamp)


def _verb(tok: str, t: _Time) -> str:
    y, mo, d, h, mi, s, wd = t.civil()
    letter, n = tok[0], len(tok)
    numeric = {"M": mo, "D": d, "h": h, "H": h % 12 or 12, "m": mi, "s": s}
    if letter == "Y" and n in (2, 4):
        short = y % 100 if y >= 0 else -(-y % 100)  # Go's truncating remainder
        return f"{short:02d}" if n == 2 else f"{y:04d}"
    if letter in numeric and n in (1, 2):
        return f"{numeric[letter]:0{n}d}"
    if letter == "M" and n in (3, 4):
        return _MONTHS[mo - 1] if n == 4 else _MONTHS[mo - 1][:3]
    if letter == "E" and n in (3, 4):
        return _WEEKDAYS[wd] if n == 4 else _WEEKDAYS[wd][:3]
    if letter in "Aa" and n == 2:
        marker = "AM" if h < 12 else "PM"
        return marker if letter == "A" else marker.lower()
    if letter == "Z" and n in (1, 3, 4, 5):
        if n == 3:
            return "UTC" if t.offset == 0 else t.zone(False, False)
        return t.zone(colon=n != 4, z_for_utc=n == 1)
    hints = {
        "Y": 'year must either be "YY" or "YYYY"',
        "M": 'month must be "M", "MM", "MMM", or "MMMM"',
        "D": 'day of month must either be "D" or "DD"',
        "E": 'day of week must either be "EEE" or "EEEE"',
        "h": '24-hour must either be "h" or "hh"',
        "H": '12-hour must either be "H" or "HH"',
        "A": 'must be "AA"', "a": 'must be "aa"',
        "m": 'minute must either be "m" or "mm"',
        "s": 'second must either be "s" or "ss"',
        "Z": "timezone must be Z, ZZZZ, or ZZZZZ",
    }
    hint = f": {hints[letter]}" if letter in hints else ""
    raise arg_error("format", 0, f"invalid date format verb {go_quote(tok)}{hint}")


def _is_verb_char(c: str) -> bool:
    return c.isascii() and c.isalpha()


def _format_tokens(spec: str) -> list[str]:
    """cty's splitDateFormat: quoted literals, runs of one letter, other text."""
    tokens = []
    i = 0
    while i < len(spec):
        c = spec[i]
        j = i + 1
        if c == "'":
            if spec[j:j + 1] == "'":
                j += 1
            else:
                while j < len(spec):
                    if spec[j] == "'":
                        if spec[j + 1:j + 2] == "'":
                            j += 2
                            continue
                        j += 1
                        break
                    j += 1
        elif _is_verb_char(c):
            while j < len(spec) and spec[j] == c:
                j += 1
        else:
            while j < len(spec) and spec[j] != "'" and not _is_verb_char(spec[j]):
                j += 1
        tokens.append(spec[i:j])
        i = j
    return tokens


@function("formatdate", params=[Param("format", STRING), Param("time", STRING)],
          returns=STRING)
def _formatdate(args: list[Value], ctx: CallContext) -> Value:
    try:
        t = parse_timestamp(args[1].v)
    except ValueError as exc:
        raise arg_error("time", 1, str(exc)) from None
    out = []
    for tok in _format_tokens(args[0].v):
        if tok[0] == "'":
            if len(tok) == 1 or tok[-1] != "'":
                raise arg_error("format", 0, "unterminated literal '")
            out.append("'" if len(tok) == 2 else tok[1:-1].replace("''", "'"))
        elif _is_verb_char(tok[0]):
            out.append(_verb(tok, t))
        else:
            out.append(tok)
    return V.string("".join(out))


@function("timeadd", params=[Param("timestamp", STRING), Param("duration", STRING)],
          returns=STRING)
def _timeadd(args: list[Value], ctx: CallContext) -> Value:
    try:
        t = parse_timestamp(args[0].v)
        delta = parse_duration(args[1].v)
    except ValueError as exc:
        raise call_error(str(exc)) from None
    return V.string(_Time(t.unix_ns + delta, t.offset).rfc3339())


@function("timecmp", params=[Param("timestamp_a", STRING), Param("timestamp_b", STRING)],
          returns=NUMBER)
def _timecmp(args: list[Value], ctx: CallContext) -> Value:
    """Compares instants, so the same moment in two offsets is equal."""
    instants = []
    for i, name in enumerate(("timestamp_a", "timestamp_b")):
        try:
            instants.append(parse_timestamp(args[i].v).unix_ns)
        except ValueError as exc:
            raise arg_error(name, i, str(exc)) from None
    a, b = instants
    return V.number((a > b) - (a < b))


__all__ = ["parse_duration", "parse_timestamp"]
