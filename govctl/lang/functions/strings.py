"""String functions, with Terraform's (Go's) semantics where Python's differ.

The places where a naive Python port would silently disagree with Terraform:

- lengths, `substr`, `strrev` and `format` widths count grapheme clusters
  ("e" + combining accent is one character), not code points;
- `upper`/`lower`/`title` map one character to one character (Go's
  `unicode.ToUpper`), so "ß" stays "ß" instead of becoming "SS";
- `title` starts words after any non-alphanumeric ASCII character but not
  after "_", as Go's `strings.Title` does;
- `regex`, `regexall` and `replace` take RE2 syntax. `_Re2Translator` turns it
  into an equivalent Python pattern, rejecting what RE2 rejects (lookarounds,
  backreferences, `a**`) and emulating what Python lacks (`\\z`, `\\Q..\\E`,
  `\\pL`, POSIX classes, `(?U)`, flags that end with their group);
- successive matches follow Go's rules for empty matches, which Python's
  `finditer`/`sub` do not;
- `format` renders numbers the way Go's `big.Float` does, rounding the exact
  binary value that Terraform holds (so `%.1f` of 0.05 is "0.1").
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from govctl.lang.convert import ConversionError, convert
from govctl.lang.functions.base import CallContext, FunctionError, Param, function
from govctl.lang.functions.numeric import arg_error, whole_number
from govctl.lang.types import (
    BOOL,
    DYNAMIC,
    NUMBER,
    STRING,
    ListType,
    ObjectType,
    Primitive,
    SetType,
    TupleType,
    Type,
)
from govctl.lang.values import (
    Number,
    Value,
    boolean,
    format_number,
    list_,
    null,
    obj,
    string,
    tuple_,
    unknown,
)

# ---------------------------------------------------------------------------
# Grapheme clusters (a pragmatic subset of UAX #29)
# ---------------------------------------------------------------------------

_ZWJ = "\u200d"


def _is_control(ch: str) -> bool:
    cat = unicodedata.category(ch)
    if cat in ("Cc", "Zl", "Zp", "Cs"):
        return True
    return cat == "Cf" and ch not in ("\u200c", _ZWJ) and not 0xE0020 <= ord(ch) <= 0xE007F


def _is_extend(ch: str) -> bool:
    cp = ord(ch)
    return (unicodedata.category(ch) in ("Mn", "Me", "Mc") or ch in ("\u200c", _ZWJ)
            or 0x1F3FB <= cp <= 0x1F3FF or 0xE0020 <= cp <= 0xE007F)


def _is_regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def _is_pictographic(ch: str) -> bool:
    cp = ord(ch)
    return (unicodedata.category(ch) == "So" or 0x1F000 <= cp <= 0x1FAFF
            or 0x2600 <= cp <= 0x27BF)


def _hangul_kind(ch: str) -> str:
    cp = ord(ch)
    if 0x1100 <= cp <= 0x115F or 0xA960 <= cp <= 0xA97C:
        return "L"
    if 0x1160 <= cp <= 0x11A7 or 0xD7B0 <= cp <= 0xD7C6:
        return "V"
    if 0x11A8 <= cp <= 0x11FF or 0xD7CB <= cp <= 0xD7FB:
        return "T"
    if 0xAC00 <= cp <= 0xD7A3:
        return "LV" if (cp - 0xAC00) % 28 == 0 else "LVT"
    return ""


_HANGUL_NEXT = {"L": ("L", "V", "LV", "LVT"), "V": ("V", "T"), "LV": ("V", "T"),
                "T": ("T",), "LVT": ("T",)}


def graphemes(s: str) -> list[str]:
    """User-perceived characters, which Terraform counts for length and substr."""
    out: list[str] = []
    i, n = 0, len(s)
    while i < n:
        ch = s[i]
        j = i + 1
        if ch == "\r" and j < n and s[j] == "\n":
            out.append("\r\n")
            i = j + 1
            continue
        if _is_control(ch):
            out.append(ch)
            i = j
            continue
        if _is_regional(ch) and j < n and _is_regional(s[j]):
            j += 1
        else:
            kind = _hangul_kind(ch)
            while kind and j < n and _hangul_kind(s[j]) in _HANGUL_NEXT[kind]:
                kind = _hangul_kind(s[j])
                j += 1
        while j < n and _is_extend(s[j]):
            j += 1
            if s[j - 1] == _ZWJ and j < n and _is_pictographic(s[j]):
                j += 1
        out.append(s[i:j])
        i = j
    return out


# ---------------------------------------------------------------------------
# Go's one-to-one case mapping
# ---------------------------------------------------------------------------

def _go_upper(s: str) -> str:
    return "".join(u if len(u := c.upper()) == 1 else c for c in s)


def _go_lower(s: str) -> str:
    # Only "İ" lowers to two code points in Python; Go maps it to a plain "i".
    return "".join(c.lower()[0] for c in s)


def _go_is_separator(c: str) -> bool:
    if c < "\x80":
        return not (c.isascii() and (c.isalnum() or c == "_"))
    if c.isalpha() or unicodedata.category(c) == "Nd":
        return False
    return c in _GO_SPACE


def _go_title(s: str) -> str:
    out = []
    prev = " "
    for c in s:
        if _go_is_separator(prev):
            t = c.title()
            out.append(t if len(t) == 1 else c)
        else:
            out.append(c)
        prev = c
    return "".join(out)


# unicode.IsSpace: what Go's strings.TrimSpace removes (Python's isspace adds \x1c-\x1f).
_GO_SPACE = ("\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
             "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


# ---------------------------------------------------------------------------
# Simple string functions
# ---------------------------------------------------------------------------

def _s(v: Value) -> str:
    text: str = v.v
    return text


@function("chomp", params=[Param("str", STRING)], returns=STRING)
def _chomp(args: list[Value], ctx: CallContext) -> Value:
    """Removes every trailing newline sequence (\\n, \\r\\n or \\r), not just one."""
    return string(_s(args[0]).rstrip("\r\n"))


@function("endswith", params=[Param("str", STRING), Param("suffix", STRING)], returns=BOOL)
def _endswith(args: list[Value], ctx: CallContext) -> Value:
    """True when str ends with suffix (case-sensitive)."""
    return boolean(_s(args[0]).endswith(_s(args[1])))


@function("startswith", params=[Param("str", STRING, allow_unknown=True),
                                Param("prefix", STRING)], returns=BOOL)
def _startswith(args: list[Value], ctx: CallContext) -> Value:
    """Every string, even one only known at apply, starts with the empty prefix."""
    prefix = _s(args[1])
    if args[0].unknown:
        return boolean(True) if prefix == "" else unknown(BOOL)
    return boolean(_s(args[0]).startswith(prefix))


@function("strcontains", params=[Param("str", STRING), Param("substr", STRING)],
          returns=BOOL)
def _strcontains(args: list[Value], ctx: CallContext) -> Value:
    """True when substr occurs in str (case-sensitive)."""
    return boolean(_s(args[1]) in _s(args[0]))


@function("indent", params=[Param("spaces", NUMBER), Param("str", STRING)], returns=STRING)
def _indent(args: list[Value], ctx: CallContext) -> Value:
    """Pads every line but the first, blank lines included (as Terraform does)."""
    try:
        spaces = whole_number(args[0].v)
    except ValueError as exc:
        raise FunctionError(f"{exc}.") from None
    if spaces < 0:
        raise arg_error("spaces", "must not be negative", 0)
    return string(_s(args[1]).replace("\n", "\n" + " " * spaces))


@function("join", params=[Param("separator", STRING)],
          variadic=Param("lists", ListType(STRING)), returns=STRING)
def _join(args: list[Value], ctx: CallContext) -> Value:
    """Joins the elements of one or more lists; a null element is an error, not ""."""
    sep = _s(args[0])
    lists = args[1:]
    if not lists:
        raise FunctionError("at least one list is required.")
    items: list[str] = []
    for li, lst in enumerate(lists):
        for ei, elem in enumerate(lst.elements()):
            if elem.is_null:
                where = f"element {ei} of list {li + 1}" if len(lists) > 1 else f"element {ei}"
                raise arg_error("lists", f"{where} is null; cannot concatenate null values",
                                li + 1)
            items.append(_s(elem))
    return string(sep.join(items))


@function("lower", params=[Param("str", STRING)], returns=STRING)
def _lower(args: list[Value], ctx: CallContext) -> Value:
    """Lower case, one character for one character."""
    return string(_go_lower(_s(args[0])))


@function("upper", params=[Param("str", STRING)], returns=STRING)
def _upper(args: list[Value], ctx: CallContext) -> Value:
    """Upper case, one character for one character ("ß" stays "ß")."""
    return string(_go_upper(_s(args[0])))


@function("title", params=[Param("str", STRING)], returns=STRING)
def _title(args: list[Value], ctx: CallContext) -> Value:
    """Capitalises word starts only; unlike str.title it never lower-cases the rest."""
    return string(_go_title(_s(args[0])))


@function("split", params=[Param("separator", STRING), Param("str", STRING)],
          returns=ListType(STRING))
def _split(args: list[Value], ctx: CallContext) -> Value:
    """An empty separator splits into characters; an empty string gives [""]."""
    sep, text = _s(args[0]), _s(args[1])
    parts = list(text) if sep == "" else text.split(sep)
    return list_((string(p) for p in parts), STRING)


@function("strrev", params=[Param("str", STRING)], returns=STRING)
def _strrev(args: list[Value], ctx: CallContext) -> Value:
    """Reverses characters, keeping combining marks with their base letter."""
    return string("".join(reversed(graphemes(_s(args[0])))))


@function("substr", params=[Param("str", STRING), Param("offset", NUMBER),
                            Param("length", NUMBER)], returns=STRING)
def _substr(args: list[Value], ctx: CallContext) -> Value:
    """A negative offset counts from the end; any negative length means "to the end"."""
    chars = graphemes(_s(args[0]))
    try:
        offset = whole_number(args[1].v)
        length = whole_number(args[2].v)
    except ValueError as exc:
        raise FunctionError(f"{exc}.") from None
    if offset < 0:
        offset = max(offset + len(chars), 0)
    rest = chars[offset:]
    return string("".join(rest if length < 0 else rest[:length]))


@function("trim", params=[Param("str", STRING), Param("cutset", STRING)], returns=STRING)
def _trim(args: list[Value], ctx: CallContext) -> Value:
    """Strips any of the characters in cutset from both ends."""
    return string(_s(args[0]).strip(_s(args[1])))


@function("trimprefix", params=[Param("str", STRING), Param("prefix", STRING)],
          returns=STRING)
def _trimprefix(args: list[Value], ctx: CallContext) -> Value:
    """Removes the prefix once, if present."""
    return string(_s(args[0]).removeprefix(_s(args[1])))


@function("trimsuffix", params=[Param("str", STRING), Param("suffix", STRING)],
          returns=STRING)
def _trimsuffix(args: list[Value], ctx: CallContext) -> Value:
    """Removes the suffix once, if present."""
    return string(_s(args[0]).removesuffix(_s(args[1])))


@function("trimspace", params=[Param("str", STRING)], returns=STRING)
def _trimspace(args: list[Value], ctx: CallContext) -> Value:
    """Strips Unicode white space (Go's definition) from both ends."""
    return string(_s(args[0]).strip(_GO_SPACE))


# ---------------------------------------------------------------------------
# JSON as Terraform's %#v writes it
# ---------------------------------------------------------------------------

_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
                 "\u2029": "\\u2029"}


def _json_string(s: str) -> str:
    """Go's encoding/json string form: HTML-safe, otherwise raw UTF-8."""
    text = json.dumps(s, ensure_ascii=False)
    return "".join(_JSON_ESCAPES.get(c, c) for c in text)


def _json(v: Value) -> str:
    if v.v is None:
        return "null"
    if v.type is STRING:
        return _json_string(v.v)
    if v.type is NUMBER:
        return format_number(v.v)
    if v.type is BOOL:
        return "true" if v.v else "false"
    if isinstance(v.v, tuple):
        return "[" + ",".join(_json(e) for e in v.v) + "]"
    return "{" + ",".join(f"{_json_string(k)}:{_json(e)}" for k, e in v.items()) + "}"


# ---------------------------------------------------------------------------
# Numbers as Go's big.Float and big.Int print them
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class _Digits:
    """A decimal 0.<mant> x 10**exp; mant has no leading or trailing zeros."""

    neg: bool
    mant: str
    exp: int

    def at(self, i: int) -> str:
        return self.mant[i] if 0 <= i < len(self.mant) else "0"


def _make_digits(neg: bool, digits: str, exp: int) -> _Digits:
    stripped = digits.rstrip("0")
    return _Digits(neg, stripped, exp if stripped else 0)


def _binary_digits(n: Number) -> _Digits:
    """The exact decimal expansion of `n` held as a 512-bit binary float.

    Terraform parses number literals into 512-bit floats, so 0.05 is really a
    hair above 0.05 and "%.1f" rounds it up; rounding the exact expansion
    reproduces that.
    """
    if n == 0:
        return _Digits(False, "", 0)
    frac = abs(Fraction(n))
    p, q = frac.numerator, frac.denominator
    e = p.bit_length() - q.bit_length()
    if (p << max(0, -e)) < (q << max(0, e)):
        e -= 1
    shift = 511 - e
    num, den = (p << shift, q) if shift >= 0 else (p, q << -shift)
    m, r = divmod(num, den)
    if 2 * r > den or (2 * r == den and m & 1):
        m += 1
    if shift <= 0:
        text = str(m << -shift)
        return _make_digits(n < 0, text, len(text))
    text = str(m * 5**shift)
    return _make_digits(n < 0, text, len(text) - shift)


def _shortest_digits(n: Number) -> _Digits:
    """The fewest digits that name `n` (what Terraform prints for a literal)."""
    if n == 0:
        return _Digits(False, "", 0)
    sign, digits, exponent = Decimal(n).as_tuple()
    text = "".join(map(str, digits)).lstrip("0")
    assert isinstance(exponent, int)
    return _make_digits(bool(sign), text, len(text) + exponent)


def _round(d: _Digits, k: int) -> _Digits:
    """big.decimal.round: keep k digits, ties to even only on an exact tie."""
    if k < 0 or k >= len(d.mant):
        return d
    nxt = d.mant[k]
    if nxt == "5" and k + 1 == len(d.mant):
        up = k > 0 and int(d.mant[k - 1]) % 2 == 1
    else:
        up = nxt >= "5"
    if not up:
        return _make_digits(d.neg, d.mant[:k], d.exp)
    head = d.mant[:k].rstrip("9")
    if not head:
        return _Digits(d.neg, "1", d.exp + 1)
    return _Digits(d.neg, head[:-1] + str(int(head[-1]) + 1), d.exp)


def _fmt_e(d: _Digits, prec: int, e_char: str) -> str:
    out = d.mant[0] if d.mant else "0"
    if prec > 0:
        frac = d.mant[1:prec + 1]
        out += "." + frac + "0" * (prec - len(frac))
    exp = d.exp - 1 if d.mant else 0
    sign = "-" if exp < 0 else "+"
    return f"{out}{e_char}{sign}{abs(exp):02d}"


def _fmt_f(d: _Digits, prec: int) -> str:
    if d.exp > 0:
        whole = d.mant[:d.exp]
        whole += "0" * (d.exp - len(whole))
    else:
        whole = "0"
    if prec > 0:
        whole += "." + "".join(d.at(d.exp + i) for i in range(prec))
    return whole


def _float_text(n: Number, verb: str, prec: int | None) -> str:
    """big.Float.Append for verbs e E f g G; prec None means "shortest"."""
    lower = verb.lower()
    if prec is None and lower == "g":
        d = _shortest_digits(n)
        body = _fmt_g(d, len(d.mant), verb, shortest=True)
    else:
        p = 6 if prec is None else prec
        d = _binary_digits(n)
        if lower == "e":
            body = _fmt_e(_round(d, 1 + p), p, verb)
        elif lower == "f":
            body = _fmt_f(_round(d, d.exp + p), p)
        else:
            p = max(p, 1)
            body = _fmt_g(_round(d, p), p, verb, shortest=False)
    return ("-" if d.neg else "") + body


def _fmt_g(d: _Digits, prec: int, verb: str, shortest: bool) -> str:
    eprec = prec
    if eprec > len(d.mant) and len(d.mant) >= d.exp:
        eprec = len(d.mant)
    if shortest:
        eprec = 6
    exp = d.exp - 1
    if exp < -4 or exp >= eprec:
        prec = min(prec, len(d.mant))
        return _fmt_e(d, prec - 1, "e" if verb == "g" else "E")
    if prec > d.exp:
        prec = len(d.mant)
    return _fmt_f(d, max(prec - d.exp, 0))


# ---------------------------------------------------------------------------
# format / formatlist
# ---------------------------------------------------------------------------

class _FormatError(Exception):
    """A format failure; `arg` is set when Terraform blames an argument."""

    def __init__(self, message: str, arg: int | None = None):
        super().__init__(message)
        self.message = message
        self.arg = arg


@dataclass
class _Verb:
    raw: str
    offset: int
    arg_num: int
    mode: str
    zero: bool = False
    sharp: bool = False
    plus: bool = False
    minus: bool = False
    space: bool = False
    width: int | None = None
    prec: int | None = None


def _go_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _go_quote_rune(c: str) -> str:
    special = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
               "\v": "\\v", "\\": "\\\\", "'": "\\'"}
    if c in special:
        return f"'{special[c]}'"
    if c.isprintable():
        return f"'{c}'"
    cp = ord(c)
    return f"'\\x{cp:02x}'" if cp < 0x80 else f"'\\u{cp:04x}'" if cp < 0x10000 \
        else f"'\\U{cp:08x}'"


def _pad(verb: _Verb, text: str) -> str:
    """cty's padding for strings and %v: measured in characters, "0" pads too."""
    if verb.width is None:
        return text
    missing = verb.width - len(graphemes(text))
    if missing <= 0:
        return text
    pad = ("0" if verb.zero else " ") * missing
    return text + pad if verb.minus else pad + text


def _coerce(arg: Value, want: Primitive, verb: _Verb) -> Value:
    try:
        return convert(arg, want)
    except ConversionError:
        if arg.type is STRING and want is not STRING:
            why = f"a {want.name} is required"
        else:
            why = f"{want.name} required"
        raise _FormatError(f"unsupported value for {_go_quote(verb.raw)} at {verb.offset}: "
                           f"{why}") from None


def _format_int(verb: _Verb, n: int) -> str:
    """big.Int.Format: precision pads with zeros, "-" beats "0"."""
    base = {"b": 2, "o": 8, "d": 10, "x": 16, "X": 16}[verb.mode]
    digits = {2: "{:b}", 8: "{:o}", 10: "{:d}", 16: "{:x}"}[base].format(abs(n))
    if verb.mode == "X":
        digits = digits.upper()
    sign = "-" if n < 0 else "+" if verb.plus else " " if verb.space else ""
    prefix = ""
    if verb.sharp:
        prefix = {"b": "0b", "o": "0", "x": "0x", "X": "0X"}.get(verb.mode, "")
    zeros = 0
    if verb.prec is not None:
        if len(digits) < verb.prec:
            zeros = verb.prec - len(digits)
        elif digits == "0" and verb.prec == 0:
            return ""
    left = right = 0
    length = len(sign) + len(prefix) + zeros + len(digits)
    if verb.width is not None and length < verb.width:
        extra = verb.width - length
        if verb.minus:
            right = extra
        elif verb.zero and verb.prec is None:
            zeros = extra
        else:
            left = extra
    return " " * left + sign + prefix + "0" * zeros + digits + " " * right


def _format_float(verb: _Verb, n: Number) -> str:
    """big.Float.Format: "0" beats "-", and the sign goes before zero padding."""
    text = _float_text(n, verb.mode, verb.prec)
    if text.startswith("-"):
        sign, text = "-", text[1:]
    else:
        sign = "+" if verb.plus else " " if verb.space else ""
    pad = 0
    if verb.width is not None and verb.width > len(sign) + len(text):
        pad = verb.width - len(sign) - len(text)
    if verb.zero:
        return sign + "0" * pad + text
    if verb.minus:
        return sign + text + " " * pad
    return " " * pad + sign + text


def _format_one(verb: _Verb, arg: Value) -> str:
    mode = verb.mode
    where = f"{_go_quote(verb.raw)} at {verb.offset}"
    if mode != "v" and arg.is_null:
        raise _FormatError(f"unsupported value for {where}: null value cannot be formatted")
    if mode == "v":
        if not verb.sharp and arg.type is STRING and not arg.is_null:
            return _pad(verb, arg.v)
        if not verb.sharp and arg.type is NUMBER and not arg.is_null:
            return _pad(verb, _float_text(arg.v, "g", None))
        return _pad(verb, _json(arg))
    if mode == "t":
        return "true" if _coerce(arg, BOOL, verb).v else "false"
    if mode in "bdoxXeEfgG":
        n = _coerce(arg, NUMBER, verb).v
        if mode in "bdoxX":
            if n != int(n):
                raise _FormatError(f"unsupported value for {where}: an integer is required")
            return _format_int(verb, int(n))
        return _format_float(verb, n)
    if mode in "sq":
        text = _coerce(arg, STRING, verb).v
        if verb.prec is not None and verb.prec > 0:
            text = "".join(graphemes(text)[:verb.prec])
        return _pad(verb, text if mode == "s" else _json_string(text))
    raise _FormatError(f"unsupported format verb {_go_quote_rune(mode)} in {_go_quote(verb.raw)} "
                       f"at offset {verb.offset}")


def _sprintf(fmt: str, args: list[Value]) -> str:
    """cty's format state machine: %[flags][[n]][width][.prec]verb, %% literal.

    Offsets in messages are byte offsets, as Terraform reports them.
    """
    out: list[str] = []
    n = len(fmt)
    i = 0
    next_arg = 1
    highest = 0

    def offset(pos: int) -> int:
        return len(fmt[:pos].encode())

    def bad_char(pos: int) -> _FormatError:
        if pos >= n:
            return _FormatError(f"invalid format string starting at offset {offset(n)}")
        return _FormatError(f"unrecognized format character {_go_quote_rune(fmt[pos])} "
                            f"at offset {offset(pos)}")

    while i < n:
        c = fmt[i]
        if c != "%":
            out.append(c)
            i += 1
            continue
        if i + 1 < n and fmt[i + 1] == "%":
            out.append("%")
            i += 2
            continue
        start = i
        i += 1
        verb = _Verb(raw="", offset=offset(start), arg_num=next_arg, mode="")
        while i < n and fmt[i] in "0#-+ ":
            flag = fmt[i]
            verb.zero |= flag == "0"
            verb.sharp |= flag == "#"
            verb.minus |= flag == "-"
            verb.plus |= flag == "+"
            verb.space |= flag == " "
            i += 1
        if i < n and fmt[i] == "[":
            i += 1
            if i >= n or fmt[i] not in "123456789":
                raise bad_char(i)
            j = i
            while i < n and fmt[i].isascii() and fmt[i].isdigit():
                i += 1
            verb.arg_num = int(fmt[j:i])
            if i >= n or fmt[i] != "]":
                raise bad_char(i)
            i += 1
        if i < n and fmt[i] in "123456789":
            j = i
            while i < n and fmt[i].isascii() and fmt[i].isdigit():
                i += 1
            verb.width = int(fmt[j:i])
        if i < n and fmt[i] == ".":
            i += 1
            j = i
            while i < n and fmt[i].isascii() and fmt[i].isdigit():
                i += 1
            verb.prec = int(fmt[j:i]) if i > j else 0
        if i >= n or not (fmt[i].isascii() and fmt[i].isalpha()):
            raise bad_char(i)
        verb.mode = fmt[i]
        i += 1
        verb.raw = fmt[start:i]
        if verb.arg_num > len(args):
            raise _FormatError(f"not enough arguments for {_go_quote(verb.raw)} at "
                               f"{verb.offset}: need index {verb.arg_num} but have "
                               f"{len(args)} total")
        out.append(_format_one(verb, args[verb.arg_num - 1]))
        highest = max(highest, verb.arg_num)
        next_arg = verb.arg_num + 1
    if highest < len(args):
        if highest == 0:
            raise _FormatError("too many arguments; no verbs in format string", highest + 1)
        raise _FormatError(f"too many arguments; only {highest} used by format string",
                           highest + 1)
    return "".join(out)


@function("format", params=[Param("format", STRING)],
          variadic=Param("args", DYNAMIC, allow_null=True), returns=STRING)
def _format(args: list[Value], ctx: CallContext) -> Value:
    """printf-style formatting with Terraform's verbs, flags and %[n] indexes."""
    try:
        return string(_sprintf(_s(args[0]), args[1:]))
    except _FormatError as exc:
        if exc.arg is not None:
            raise arg_error("args", exc.message, exc.arg) from None
        raise FunctionError(f"{exc.message}.") from None


def _is_sequence(t: Type) -> bool:
    return isinstance(t, ListType | SetType | TupleType)


@function("formatlist", params=[Param("format", STRING)],
          variadic=Param("args", DYNAMIC, allow_null=True, allow_unknown=True),
          returns=ListType(STRING))
def _formatlist(args: list[Value], ctx: CallContext) -> Value:
    """format() once per element: lists, sets and tuples advance in step, all else repeats.

    An element whose arguments are not yet known becomes an unknown string, so
    the rest of the list is still known at plan time.
    """
    fmt = _s(args[0])
    rest = args[1:]
    length = -1
    chooser = -1
    unknown_seq = False
    for i, arg in enumerate(rest):
        if arg.unknown and arg.type == DYNAMIC:
            unknown_seq = True
            continue
        if not _is_sequence(arg.type) or arg.is_null:
            continue
        if arg.unknown and not isinstance(arg.type, TupleType):
            unknown_seq = True
            continue
        this = len(arg.type.elems) if arg.unknown else arg.length()  # type: ignore[attr-defined]
        if length == -1:
            length, chooser = this, i
        elif this != length:
            raise arg_error("args", f"argument {i + 1} has length {this}, which is "
                            f"inconsistent with argument {chooser + 1} of length {length}",
                            i + 1)
        unknown_seq |= arg.unknown
    if unknown_seq:
        return unknown(ListType(STRING))
    if length == 0:
        return list_([], STRING)
    results: list[Value] = []
    for it in range(max(length, 1)):
        call_args = [a.elements()[it] if _is_sequence(a.type) and not a.is_null else a
                     for a in rest]
        if not all(a.is_wholly_known() for a in call_args):
            results.append(unknown(STRING))
            continue
        try:
            results.append(string(_sprintf(fmt, call_args)))
        except _FormatError as exc:
            raise FunctionError(f"error on format iteration {it}: {exc.message}.") from None
    return list_(results, STRING)


# ---------------------------------------------------------------------------
# RE2 -> Python regular expressions
# ---------------------------------------------------------------------------

class _Re2Error(Exception):
    """A syntax error as Go's regexp/syntax reports it: a code and the offending text."""

    def __init__(self, code: str, expr: str, unsupported: bool = False):
        super().__init__(f"{code}: {expr}")
        self.code = code
        self.expr = expr
        self.unsupported = unsupported


_MAX_RUNE = 0x10FFFF
Ranges = list[tuple[int, int]]

_PERL_CLASSES: dict[str, Ranges] = {
    "d": [(0x30, 0x39)],
    "s": [(0x09, 0x0A), (0x0C, 0x0D), (0x20, 0x20)],
    "w": [(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)],
}

_POSIX_CLASSES: dict[str, Ranges] = {
    "alnum": [(0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)],
    "alpha": [(0x41, 0x5A), (0x61, 0x7A)],
    "ascii": [(0x00, 0x7F)],
    "blank": [(0x09, 0x09), (0x20, 0x20)],
    "cntrl": [(0x00, 0x1F), (0x7F, 0x7F)],
    "digit": [(0x30, 0x39)],
    "graph": [(0x21, 0x7E)],
    "lower": [(0x61, 0x7A)],
    "print": [(0x20, 0x7E)],
    "punct": [(0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)],
    "space": [(0x09, 0x0D), (0x20, 0x20)],
    "upper": [(0x41, 0x5A)],
    "word": [(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)],
    "xdigit": [(0x30, 0x39), (0x41, 0x46), (0x61, 0x66)],
}

# RE2 accepts these script names in \p{...}; Python's unicodedata has no scripts.
_SCRIPT_NAMES = """
Adlam Ahom Anatolian_Hieroglyphs Arabic Armenian Avestan Balinese Bamum Bassa_Vah Batak
Bengali Bhaiksuki Bopomofo Brahmi Braille Buginese Buhid Canadian_Aboriginal Carian
Caucasian_Albanian Chakma Cham Cherokee Chorasmian Common Coptic Cuneiform Cypriot
Cypro_Minoan Cyrillic Deseret Devanagari Dives_Akuru Dogra Duployan Egyptian_Hieroglyphs
Elbasan Elymaic Ethiopic Georgian Glagolitic Gothic Grantha Greek Gujarati Gunjala_Gondi
Gurmukhi Han Hangul Hanifi_Rohingya Hanunoo Hatran Hebrew Hiragana Imperial_Aramaic
Inherited Inscriptional_Pahlavi Inscriptional_Parthian Javanese Kaithi Kannada Katakana
Kawi Kayah_Li Kharoshthi Khitan_Small_Script Khmer Khojki Khudawadi Lao Latin Lepcha Limbu
Linear_A Linear_B Lisu Lycian Lydian Mahajani Makasar Malayalam Mandaic Manichaean Marchen
Masaram_Gondi Medefaidrin Meetei_Mayek Mende_Kikakui Meroitic_Cursive Meroitic_Hieroglyphs
Miao Modi Mongolian Mro Multani Myanmar Nabataean Nag_Mundari Nandinagari New_Tai_Lue Newa
Nko Nushu Nyiakeng_Puachue_Hmong Ogham Ol_Chiki Old_Hungarian Old_Italic
Old_North_Arabian Old_Permic Old_Persian Old_Sogdian Old_South_Arabian Old_Turkic
Old_Uyghur Oriya Osage Osmanya Pahawh_Hmong Palmyrene Pau_Cin_Hau Phags_Pa Phoenician
Psalter_Pahlavi Rejang Runic Samaritan Saurashtra Sharada Shavian Siddham SignWriting
Sinhala Sogdian Sora_Sompeng Soyombo Sundanese Syloti_Nagri Syriac Tagalog Tagbanwa Tai_Le
Tai_Tham Tai_Viet Takri Tamil Tangsa Tangut Telugu Thaana Thai Tibetan Tifinagh Tirhuta
Toto Ugaritic Vai Vithkuqi Wancho Warang_Citi Yezidi Yi Zanabazar_Square
"""
_SCRIPTS = frozenset(_SCRIPT_NAMES.split())

_WORD_CLASS = "[0-9A-Za-z_]"
_WORD_BOUNDARY = (f"(?:(?<={_WORD_CLASS})(?!{_WORD_CLASS})|(?<!{_WORD_CLASS})"
                  f"(?={_WORD_CLASS}))")
_NOT_WORD_BOUNDARY = (f"(?:(?<={_WORD_CLASS})(?={_WORD_CLASS})|(?<!{_WORD_CLASS})"
                      f"(?!{_WORD_CLASS}))")


@functools.cache
def _category_ranges() -> dict[str, Ranges]:
    """Code point ranges per Unicode general category, built once on first use."""
    table: dict[str, Ranges] = {}
    prev_cat = ""
    start = 0
    for cp in range(_MAX_RUNE + 2):
        cat = unicodedata.category(chr(cp)) if cp <= _MAX_RUNE else ""
        if cat != prev_cat:
            if prev_cat:
                table.setdefault(prev_cat, []).append((start, cp - 1))
            prev_cat, start = cat, cp
    return table


def _unicode_class(name: str) -> Ranges | None:
    if name == "Any":
        return [(0, _MAX_RUNE)]
    table = _category_ranges()
    if len(name) == 1:
        cats = [c for c in table if c[0] == name and c != "Cn"]
        if not cats:
            return None
        return _normalize([r for c in cats for r in table[c]])
    if name in table and name != "Cn":
        return list(table[name])
    return None


def _normalize(ranges: Ranges) -> Ranges:
    merged: Ranges = []
    for lo, hi in sorted(ranges):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


def _negate(ranges: Ranges) -> Ranges:
    out: Ranges = []
    nxt = 0
    for lo, hi in _normalize(ranges):
        if lo > nxt:
            out.append((nxt, lo - 1))
        nxt = hi + 1
    if nxt <= _MAX_RUNE:
        out.append((nxt, _MAX_RUNE))
    return out


def _class_char(cp: int) -> str:
    c = chr(cp)
    if c.isascii() and c.isalnum():
        return c
    if cp < 0x100:
        return f"\\x{cp:02x}"
    if cp < 0x10000:
        return f"\\u{cp:04x}"
    return f"\\U{cp:08x}"


def _class_text(ranges: Ranges, negated: bool) -> str:
    ranges = _normalize(ranges)
    if not ranges:
        return "(?s:.)" if negated else "(?!)"
    body = "".join(_class_char(lo) if lo == hi else f"{_class_char(lo)}-{_class_char(hi)}"
                   for lo, hi in ranges)
    return f"[{'^' if negated else ''}{body}]"


def _is_capture_name(name: str) -> bool:
    return bool(name) and all(c == "_" or c.isalpha() or unicodedata.category(c) == "Nd"
                              for c in name)


@dataclass(frozen=True)
class _Re2:
    regex: re.Pattern[str]
    names: tuple[str | None, ...]  # one per capture group, in order


class _Re2Translator:
    """Walks an RE2 pattern once, emitting a Python pattern that matches the same.

    Flags are tracked here instead of handed to Python: each atom is emitted
    with its own scoped flags (`(?i:a)`), and anchors become `\\A`/`\\Z`
    unless multi-line mode is on, because Python's `$` also matches before
    a final newline and RE2's does not.
    """

    def __init__(self, pattern: str):
        self.p = pattern
        self.i = 0
        self.out: list[str] = []
        self.flags: frozenset[str] = frozenset()
        self.stack: list[frozenset[str]] = []
        self.names: list[str | None] = []
        self.have_operand = False
        self.last_repeat: int | None = None

    def translate(self) -> _Re2:
        p = self.p
        while self.i < len(p):
            c = p[self.i]
            repeat_start = self.i
            if c in "*+?":
                self._repeat(c, self.i + 1)
            elif c == "{" and (m := re.match(r"\{(\d+)(,(\d*))?\}", p[self.i:])):
                self._brace_repeat(m)
            else:
                self._item(c)
                self.last_repeat = None
                continue
            self.last_repeat = repeat_start
        if self.stack:
            raise _Re2Error("missing closing )", p)
        try:
            regex = re.compile("".join(self.out))
        except re.error as exc:  # pragma: no cover - translation should never produce this
            raise _Re2Error("invalid pattern", f"{p} ({exc})") from None
        return _Re2(regex, tuple(self.names))

    # --- repetition -----------------------------------------------------
    def _brace_repeat(self, m: re.Match[str]) -> None:
        lo = int(m.group(1))
        hi = lo if m.group(2) is None else (int(m.group(3)) if m.group(3) else None)
        if lo > 1000 or (hi is not None and (hi > 1000 or lo > hi)):
            raise _Re2Error("invalid repeat count", m.group(0))
        self._repeat(m.group(0), self.i + len(m.group(0)))

    def _repeat(self, op: str, end: int) -> None:
        lazy = end < len(self.p) and self.p[end] == "?"
        if lazy:
            end += 1
        if self.last_repeat is not None:
            raise _Re2Error("invalid nested repetition operator", self.p[self.last_repeat:end])
        if not self.have_operand:
            raise _Re2Error("missing argument to repetition operator", self.p[self.i:end])
        if lazy != ("U" in self.flags):
            op += "?"
        self.out.append(op)
        self.i = end

    # --- atoms and groups -----------------------------------------------
    def _atom(self, text: str) -> None:
        self.out.append(text)
        self.have_operand = True

    def _literal(self, ch: str) -> None:
        text = re.escape(ch)
        if "i" in self.flags and ch.lower() != ch.upper():
            text = f"(?i:{text})"
        self._atom(text)

    def _class(self, ranges: Ranges, negated: bool = False) -> None:
        text = _class_text(ranges, negated)
        if "i" in self.flags:
            text = f"(?i:{text})"
        self._atom(text)

    def _item(self, c: str) -> None:
        p = self.p
        if c == "(":
            self._open_group()
        elif c == ")":
            if not self.stack:
                raise _Re2Error("unexpected )", p)
            self.flags = self.stack.pop()
            self.i += 1
            self._atom(")")
        elif c == "|":
            self.out.append("|")
            self.have_operand = False
            self.i += 1
        elif c == "^":
            self.i += 1
            self._atom("(?m:^)" if "m" in self.flags else "(?:\\A)")
        elif c == "$":
            self.i += 1
            self._atom("(?m:$)" if "m" in self.flags else "(?:\\Z)")
        elif c == ".":
            self.i += 1
            self._atom("(?s:.)" if "s" in self.flags else ".")
        elif c == "[":
            ranges, negated = self._parse_class()
            self._class(ranges, negated)
        elif c == "\\":
            self._escape_item()
        else:
            self.i += 1
            self._literal(c)

    def _open_group(self) -> None:
        p, start = self.p, self.i
        # Like Go, lookbehinds "(?<=" are read as (invalid) named captures.
        if p.startswith("(?P<", start) or p.startswith("(?<", start):
            name_start = start + (4 if p[start + 2] == "P" else 3)
            end = p.find(">", start)
            if end < 0:
                raise _Re2Error("invalid named capture", p[start:])
            name = p[name_start:end]
            if not _is_capture_name(name):
                raise _Re2Error("invalid named capture", p[start:end + 1])
            self._push_group(name, end + 1)
            return
        if not p.startswith("(?", start):
            self._push_group(None, start + 1)
            return
        flags = set(self.flags)
        i = start + 2
        negative = saw_flag = False
        while i < len(p):
            c = p[i]
            i += 1
            if c in "imsU":
                if negative:
                    flags.discard(c)
                else:
                    flags.add(c)
                saw_flag = True
            elif c == "-" and not negative:
                negative, saw_flag = True, False
            elif c in ":)" and (saw_flag or not negative):
                if c == ":":
                    self.stack.append(self.flags)
                    self.out.append("(?:")
                    self.have_operand = False
                self.flags = frozenset(flags)
                self.i = i
                return
            else:
                break
        raise _Re2Error("invalid or unsupported Perl syntax", p[start:i])

    def _push_group(self, name: str | None, after: int) -> None:
        self.stack.append(self.flags)
        self.names.append(name)
        self.out.append("(")
        self.have_operand = False
        self.i = after

    # --- escapes --------------------------------------------------------
    def _escape_item(self) -> None:
        p, i = self.p, self.i
        nxt = p[i + 1] if i + 1 < len(p) else ""
        if nxt == "A":
            self.i += 2
            self._atom("(?:\\A)")
        elif nxt == "z":
            self.i += 2
            self._atom("(?:\\Z)")
        elif nxt == "b":
            self.i += 2
            self._atom(_WORD_BOUNDARY)
        elif nxt == "B":
            self.i += 2
            self._atom(_NOT_WORD_BOUNDARY)
        elif nxt == "C":
            raise _Re2Error("invalid escape sequence", "\\C")
        elif nxt == "Q":
            end = p.find("\\E", i + 2)
            text = p[i + 2:] if end < 0 else p[i + 2:end]
            self.i = len(p) if end < 0 else end + 2
            for ch in text:
                self._literal(ch)
                self.last_repeat = None
        else:
            found = self._class_escape()
            if found is not None:
                self._class(found)
            else:
                self._literal(chr(self._char_escape()))

    def _class_escape(self) -> Ranges | None:
        """\\d \\s \\w (and negations) or \\p{..}/\\P{..} at self.i, consumed; else None."""
        p, i = self.p, self.i
        nxt = p[i + 1] if i + 1 < len(p) else ""
        if nxt.lower() in _PERL_CLASSES:
            self.i += 2
            ranges = _PERL_CLASSES[nxt.lower()]
            return ranges if nxt.islower() else _negate(ranges)
        if nxt not in ("p", "P"):
            return None
        negated = nxt == "P"
        if i + 2 < len(p) and p[i + 2] == "{":
            end = p.find("}", i)
            if end < 0:
                raise _Re2Error("invalid character class range", p[i:])
            seq, name = p[i:end + 1], p[i + 3:end]
        else:
            seq, name = p[i:i + 3], p[i + 2:i + 3]
        if name.startswith("^"):
            negated, name = not negated, name[1:]
        found = _unicode_class(name)
        if found is None:
            if name in _SCRIPTS:
                raise _Re2Error(f"Unicode script classes such as {seq} are not supported by "
                                "govctl", seq, unsupported=True)
            raise _Re2Error("invalid character class range", seq)
        self.i = i + len(seq)
        return _negate(found) if negated else found

    def _char_escape(self) -> int:
        """A single-character escape at self.i (consumed), as Go's parseEscape reads it."""
        p, start = self.p, self.i
        if start + 1 >= len(p):
            raise _Re2Error("trailing backslash at end of expression", "")
        c = p[start + 1]
        i = start + 2

        def invalid() -> _Re2Error:
            return _Re2Error("invalid escape sequence", p[start:i])

        simple = {"a": 7, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11}
        if c in simple:
            self.i = i
            return simple[c]
        if c in "01234567":
            if c != "0" and (i >= len(p) or p[i] not in "01234567"):
                raise invalid()
            value = int(c)
            for _ in range(2):
                if i < len(p) and p[i] in "01234567":
                    value = value * 8 + int(p[i])
                    i += 1
            self.i = i
            return value
        if c == "x":
            if i < len(p) and p[i] == "{":
                end = p.find("}", i)
                digits = p[i + 1:end] if end >= 0 else ""
                if end < 0 or not digits or not all(d in "0123456789abcdefABCDEF"
                                                    for d in digits):
                    i = len(p) if end < 0 else end
                    raise invalid()
                value = int(digits, 16)
                i = end + 1
                if value > _MAX_RUNE:
                    raise invalid()
                self.i = i
                return value
            digits = p[i:i + 2]
            i += len(digits)
            if len(digits) < 2 or not all(d in "0123456789abcdefABCDEF" for d in digits):
                raise invalid()
            self.i = i
            return int(digits, 16)
        if c < "\x80" and not c.isalnum():
            self.i = i
            return ord(c)
        raise invalid()

    # --- bracketed classes ----------------------------------------------
    def _parse_class(self) -> tuple[Ranges, bool]:
        p, start = self.p, self.i
        i = start + 1
        negated = i < len(p) and p[i] == "^"
        if negated:
            i += 1
        ranges: Ranges = []
        first = True
        while i >= len(p) or p[i] != "]" or first:
            if i >= len(p):
                raise _Re2Error("missing closing ]", p[start:])
            first = False
            if p.startswith("[:", i):
                end = p.find(":]", i + 2)
                if end >= 0:
                    name = p[i + 2:end]
                    neg = name.startswith("^")
                    posix = _POSIX_CLASSES.get(name[1:] if neg else name)
                    if posix is None:
                        raise _Re2Error("invalid character class range", p[i:end + 2])
                    ranges += _negate(posix) if neg else posix
                    i = end + 2
                    continue
            if p[i] == "\\":
                self.i = i
                found = self._class_escape()
                if found is not None:
                    ranges += found
                    i = self.i
                    continue
            rng_start = i
            lo, i = self._class_char(i)
            hi = lo
            if i + 1 < len(p) and p[i] == "-" and p[i + 1] != "]":
                hi, i = self._class_char(i + 1)
                if hi < lo:
                    raise _Re2Error("invalid character class range", p[rng_start:i])
            ranges.append((lo, hi))
        self.i = i + 1
        return ranges, negated

    def _class_char(self, i: int) -> tuple[int, int]:
        if i >= len(self.p):
            raise _Re2Error("missing closing ]", self.p[self.i:])
        if self.p[i] == "\\":
            self.i = i
            return self._char_escape(), self.i
        return ord(self.p[i]), i + 1


@functools.lru_cache(maxsize=256)
def _compile_re2(pattern: str) -> _Re2:
    return _Re2Translator(pattern).translate()


def _go_matches(rx: re.Pattern[str], s: str) -> Iterator[re.Match[str]]:
    """Go's FindAll: an empty match right after the previous match is skipped."""
    pos, prev_end = 0, -1
    while pos <= len(s):
        m = rx.search(s, pos)
        if m is None:
            return
        start, end = m.span()
        accept = True
        if end == pos:
            accept = start != prev_end
            pos += 1
        else:
            pos = end
        prev_end = end
        if accept:
            yield m


def _expand(template: str, m: re.Match[str], names: tuple[str | None, ...]) -> str:
    """Go's Regexp.Expand: $1, ${1}, $name, ${name}; $$ is a dollar; bad refs stay."""
    out: list[str] = []
    i, n = 0, len(template)
    while i < n:
        c = template[i]
        if c != "$":
            out.append(c)
            i += 1
            continue
        i += 1
        if i < n and template[i] == "$":
            out.append("$")
            i += 1
            continue
        brace = i < n and template[i] == "{"
        j = i + 1 if brace else i
        k = j
        while k < n and (template[k] == "_" or template[k].isalpha()
                         or unicodedata.category(template[k]) == "Nd"):
            k += 1
        name = template[j:k]
        if not name or (brace and (k >= n or template[k] != "}")):
            out.append("$")
            continue
        i = k + 1 if brace else k
        if name.isascii() and name.isdigit() and not (name[0] == "0" and len(name) > 1):
            num = int(name)
            if num <= len(names) and m.group(num) is not None:
                out.append(m.group(num))
            continue
        for idx, group_name in enumerate(names, start=1):
            if group_name == name and m.group(idx) is not None:
                out.append(m.group(idx))
                break
    return "".join(out)


def _go_replace_all(compiled: _Re2, s: str, template: str) -> str:
    """Go's ReplaceAllString, including where it refuses to replace an empty match."""
    out: list[str] = []
    last_end = search = 0
    while search <= len(s):
        m = compiled.regex.search(s, search)
        if m is None:
            break
        start, end = m.span()
        out.append(s[last_end:start])
        if end > last_end or start == 0:
            out.append(_expand(template, m, compiled.names))
        last_end = end
        search = search + 1 if search + 1 > end else end
    out.append(s[last_end:])
    return "".join(out)


def _regex_compile(pattern: str) -> _Re2:
    try:
        return _compile_re2(pattern)
    except _Re2Error as exc:
        if exc.unsupported:
            raise arg_error("pattern", exc.code, 0) from None
        raise arg_error("pattern", f"invalid regexp pattern: {exc.code} in {exc.expr}",
                        0) from None


def _match_type(compiled: _Re2) -> Type:
    names = compiled.names
    if not names:
        return STRING
    named = [n for n in names if n is not None]
    if named and len(named) != len(names):
        raise arg_error("pattern", "invalid regexp pattern: cannot mix both named and unnamed "
                        "capture groups", 0)
    if named:
        return ObjectType({n: STRING for n in named})
    return TupleType([STRING] * len(names))


def _match_value(compiled: _Re2, m: re.Match[str]) -> Value:
    names = compiled.names
    if not names:
        return string(m.group(0))

    def group(i: int) -> Value:
        g = m.group(i)
        return null(STRING) if g is None else string(g)

    if names[0] is None:
        return tuple_(group(i) for i in range(1, len(names) + 1))
    attrs = {}
    for i, name in enumerate(names, start=1):
        assert name is not None
        attrs[name] = group(i)
    return obj(attrs)


def _regex_returns(args: list[Value]) -> Type:
    if not args[0].is_known:
        return DYNAMIC
    return _match_type(_regex_compile(_s(args[0])))


def _regexall_returns(args: list[Value]) -> Type:
    if not args[0].is_known:
        return ListType(DYNAMIC)
    return ListType(_match_type(_regex_compile(_s(args[0]))))


@function("regex", params=[Param("pattern", STRING), Param("string", STRING)],
          returns=_regex_returns)
def _regex(args: list[Value], ctx: CallContext) -> Value:
    """The first match: the matched text, a tuple of groups, or an object of named groups."""
    compiled = _regex_compile(_s(args[0]))
    _match_type(compiled)
    m = compiled.regex.search(_s(args[1]))
    if m is None:
        raise FunctionError("pattern did not match any part of the given string.")
    return _match_value(compiled, m)


@function("regexall", params=[Param("pattern", STRING), Param("string", STRING)],
          returns=_regexall_returns)
def _regexall(args: list[Value], ctx: CallContext) -> Value:
    """Every non-overlapping match, shaped as `regex` shapes one; no match is []."""
    compiled = _regex_compile(_s(args[0]))
    elem = _match_type(compiled)
    matches = [_match_value(compiled, m) for m in _go_matches(compiled.regex, _s(args[1]))]
    return list_(matches, elem)


@function("replace", params=[Param("str", STRING), Param("substr", STRING),
                             Param("replace", STRING)], returns=STRING)
def _replace(args: list[Value], ctx: CallContext) -> Value:
    """Plain substring replacement, or RE2 when substr is written as /pattern/."""
    text, substr, repl = _s(args[0]), _s(args[1]), _s(args[2])
    if len(substr) > 1 and substr.startswith("/") and substr.endswith("/"):
        try:
            compiled = _compile_re2(substr[1:-1])
        except _Re2Error as exc:
            if exc.unsupported:
                raise FunctionError(f"{exc.code}.") from None
            raise FunctionError(f"error parsing regexp: {exc.code}: `{exc.expr}`.") from None
        return string(_go_replace_all(compiled, text, repl))
    return string(text.replace(substr, repl))


__all__ = ["graphemes"]
