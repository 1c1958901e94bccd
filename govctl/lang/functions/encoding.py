"""Encoding functions: base64, CSV, JSON, text encodings, URL and YAML.

Terraform implements these with Go's standard library (and go-cty-yaml), so
the parsers here reproduce Go's behaviour where users can observe it: which
inputs are accepted, how numbers and strings are written, and the wording of
the error messages people search for. Python's own json/csv/base64 modules
differ in exactly those places, which is why they are not used directly.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import quote_plus

from govctl.lang import values as V
from govctl.lang.functions.base import CallContext, FunctionError, Param, function
from govctl.lang.types import BOOL, DYNAMIC, NUMBER, STRING, MapType, ObjectType
from govctl.lang.values import SENSITIVE, Value


class _Lazy:
    """PyYAML, imported on first use: only yamldecode and yamlencode need it, and
    importing it cost every command 16 ms at start-up."""

    def __getattr__(self, name: str) -> Any:
        import yaml as module

        return getattr(module, name)


yaml: Any = _Lazy()

# --- shared helpers (also used by the other function modules) -------------


def go_quote(s: str) -> str:
    """Go's strconv.Quote, which Terraform uses for %q in its messages."""
    out = ['"']
    for c in s:
        if c in '"\\':
            out.append("\\" + c)
        elif c in _GO_SHORT_ESCAPES:
            out.append(_GO_SHORT_ESCAPES[c])
        elif c.isprintable():
            out.append(c)
        elif ord(c) < 0x80:
            out.append(f"\\x{ord(c):02x}")
        elif ord(c) <= 0xFFFF:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(f"\\U{ord(c):08x}")
    out.append('"')
    return "".join(out)


_GO_SHORT_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r",
                     "\t": "\\t", "\v": "\\v"}


def redact(s: str, marks: frozenset[str]) -> str:
    """Quote a value for an error message unless it is sensitive."""
    return "(sensitive value)" if SENSITIVE in marks else go_quote(s)


def arg_error(param: str, index: int, message: str) -> FunctionError:
    """An error blamed on one argument, worded as the framework words its own."""
    return FunctionError(f'Invalid value for "{param}" parameter: {message}.', index)


def call_error(message: str) -> FunctionError:
    """An error about the call as a whole (Terraform's "Error in function call")."""
    return FunctionError(message + ".")


# --- base64 -----------------------------------------------------------------

_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_B64_VALUE = {c: i for i, c in enumerate(_B64_ALPHABET)}


class _CorruptBase64(Exception):
    def __init__(self, offset: int):
        super().__init__(offset)
        self.offset = offset


def go_b64decode(text: str) -> bytes:
    """base64.StdEncoding.DecodeString: padding required, CR and LF skipped.

    Raises _CorruptBase64 with the byte offset Go reports, because Terraform
    quotes that offset in textdecodebase64's error.
    """
    src = text.encode()
    n = len(src)
    out = bytearray()
    si = 0
    while True:
        quantum = [0, 0, 0, 0]
        got = 4
        j = 0
        while j < 4:
            if si == n:
                if j == 0:
                    return bytes(out)
                raise _CorruptBase64(si - j)
            c = src[si]
            si += 1
            if c in _B64_VALUE:
                quantum[j] = _B64_VALUE[c]
                j += 1
                continue
            if c in (0x0A, 0x0D):
                continue
            if c != 0x3D or j < 2:  # not "=", or padding too early
                raise _CorruptBase64(si - 1)
            if j == 2:  # "==" expected; the first "=" is consumed
                while si < n and src[si] in (0x0A, 0x0D):
                    si += 1
                if si == n:
                    raise _CorruptBase64(n)
                if src[si] != 0x3D:
                    raise _CorruptBase64(si - 1)
                si += 1
            while si < n and src[si] in (0x0A, 0x0D):
                si += 1
            if si < n:
                raise _CorruptBase64(si)
            got = j
            break
        word = quantum[0] << 18 | quantum[1] << 12 | quantum[2] << 6 | quantum[3]
        out += word.to_bytes(3, "big")[: got - 1]
        if got < 4:
            return bytes(out)


@function("base64encode", params=[Param("str", STRING)], returns=STRING)
def _base64encode(args: list[Value], ctx: CallContext) -> Value:
    return V.string(base64.b64encode(args[0].v.encode()).decode())


@function("base64decode", params=[Param("str", STRING, allow_marked=True, allow_unknown=True)],
          returns=STRING)
def _base64decode(args: list[Value], ctx: CallContext) -> Value:
    """Handles marks itself so that a sensitive input is not quoted in the error."""
    arg, marks = args[0].unmark_deep()
    if arg.unknown:
        return V.unknown(STRING).mark(marks)
    try:
        raw = go_b64decode(arg.v)
    except _CorruptBase64:
        raise call_error(f"failed to decode base64 data {redact(arg.v, marks)}") from None
    try:
        return V.string(raw.decode("utf-8")).mark(marks)
    except UnicodeDecodeError:
        raise call_error("the result of decoding the provided string is not valid UTF-8") \
            from None


# --- text encodings ---------------------------------------------------------

# The IANA character sets Go's golang.org/x/text/encoding/ianaindex supports:
# (name Terraform prints, Python codec, aliases). Names match case-insensitively.
_IANA_TABLE: list[tuple[str, str, tuple[str, ...]]] = [
    ("US-ASCII", "ascii", ("iso-ir-6", "ANSI_X3.4-1968", "ANSI_X3.4-1986", "ISO_646.irv:1991",
                           "ISO646-US", "us", "IBM367", "cp367", "csASCII")),
    ("ISO_8859-1:1987", "latin-1", ("iso-ir-100", "ISO_8859-1", "ISO-8859-1", "latin1", "l1",
                                    "IBM819", "CP819", "csISOLatin1")),
    ("ISO_8859-2:1987", "iso8859_2", ("iso-ir-101", "ISO_8859-2", "ISO-8859-2", "latin2", "l2",
                                      "csISOLatin2")),
    ("ISO_8859-3:1988", "iso8859_3", ("iso-ir-109", "ISO_8859-3", "ISO-8859-3", "latin3", "l3",
                                      "csISOLatin3")),
    ("ISO_8859-4:1988", "iso8859_4", ("iso-ir-110", "ISO_8859-4", "ISO-8859-4", "latin4", "l4",
                                      "csISOLatin4")),
    ("ISO_8859-5:1988", "iso8859_5", ("iso-ir-144", "ISO_8859-5", "ISO-8859-5", "cyrillic",
                                      "csISOLatinCyrillic")),
    ("ISO_8859-6:1987", "iso8859_6", ("iso-ir-127", "ISO_8859-6", "ISO-8859-6", "ECMA-114",
                                      "ASMO-708", "arabic", "csISOLatinArabic")),
    ("ISO_8859-6-E", "iso8859_6", ("csISO88596E", "ISO-8859-6-E")),
    ("ISO_8859-6-I", "iso8859_6", ("csISO88596I", "ISO-8859-6-I")),
    ("ISO_8859-7:1987", "iso8859_7", ("iso-ir-126", "ISO_8859-7", "ISO-8859-7", "ELOT_928",
                                      "ECMA-118", "greek", "greek8", "csISOLatinGreek")),
    ("ISO_8859-8:1988", "iso8859_8", ("iso-ir-138", "ISO_8859-8", "ISO-8859-8", "hebrew",
                                      "csISOLatinHebrew")),
    ("ISO_8859-8-E", "iso8859_8", ("csISO88598E", "ISO-8859-8-E")),
    ("ISO_8859-8-I", "iso8859_8", ("csISO88598I", "ISO-8859-8-I")),
    ("ISO_8859-9:1989", "iso8859_9", ("iso-ir-148", "ISO_8859-9", "ISO-8859-9", "latin5", "l5",
                                      "csISOLatin5")),
    ("ISO-8859-10", "iso8859_10", ("iso-ir-157", "l6", "ISO_8859-10:1992", "csISOLatin6",
                                   "latin6")),
    ("ISO-8859-13", "iso8859_13", ("csISO885913",)),
    ("ISO-8859-14", "iso8859_14", ("iso-ir-199", "ISO_8859-14:1998", "ISO_8859-14", "latin8",
                                   "iso-celtic", "l8", "csISO885914")),
    ("ISO-8859-15", "iso8859_15", ("ISO_8859-15", "Latin-9", "csISO885915")),
    ("ISO-8859-16", "iso8859_16", ("iso-ir-226", "ISO_8859-16:2001", "ISO_8859-16", "latin10",
                                   "l10", "csISO885916")),
    ("Shift_JIS", "cp932", ("MS_Kanji", "csShiftJIS")),
    ("Extended_UNIX_Code_Packed_Format_for_Japanese", "euc_jp",
     ("csEUCPkdFmtJapanese", "EUC-JP")),
    ("ISO-2022-JP", "iso2022_jp", ("csISO2022JP",)),
    ("EUC-KR", "cp949", ("csEUCKR",)),
    ("GBK", "gbk", ("CP936", "MS936", "windows-936", "csGBK")),
    ("GB18030", "gb18030", ("csGB18030",)),
    ("HZ-GB-2312", "hz", ()),
    ("Big5", "big5hkscs", ("csBig5",)),
    ("KOI8-R", "koi8_r", ("csKOI8R",)),
    ("KOI8-U", "koi8_u", ("csKOI8U",)),
    ("macintosh", "mac_roman", ("mac", "csMacintosh")),
    ("IBM037", "cp037", ("cp037", "ebcdic-cp-us", "ebcdic-cp-ca", "ebcdic-cp-wt", "ebcdic-cp-nl",
                         "csIBM037")),
    ("IBM437", "cp437", ("cp437", "437", "csPC8CodePage437")),
    ("IBM850", "cp850", ("cp850", "850", "csPC850Multilingual")),
    ("IBM852", "cp852", ("cp852", "852", "csPCp852")),
    ("IBM855", "cp855", ("cp855", "855", "csIBM855")),
    ("IBM00858", "cp858", ("CCSID00858", "CP00858", "PC-Multilingual-850+euro", "csIBM00858")),
    ("IBM860", "cp860", ("cp860", "860", "csIBM860")),
    ("IBM862", "cp862", ("cp862", "862", "csPC862LatinHebrew")),
    ("IBM863", "cp863", ("cp863", "863", "csIBM863")),
    ("IBM865", "cp865", ("cp865", "865", "csIBM865")),
    ("IBM866", "cp866", ("cp866", "866", "csIBM866")),
    ("IBM01140", "cp1140", ("CCSID01140", "CP01140", "ebcdic-us-37+euro", "csIBM01140")),
    ("windows-874", "cp874", ("cswindows874",)),
    *((f"windows-{n}", f"cp{n}", (f"cswindows{n}",)) for n in range(1250, 1259)),
    ("UTF-8", "utf-8", ("csUTF8",)),
    ("UTF-16BE", "utf-16-be", ("csUTF16BE",)),
    ("UTF-16LE", "utf-16-le", ("csUTF16LE",)),
    ("UTF-16", "utf-16", ("csUTF16",)),  # big-endian with a byte order mark, as Go does
]
_IANA_LOOKUP: dict[str, tuple[str, str]] = {
    alias.lower(): (name, codec)
    for name, codec, aliases in _IANA_TABLE for alias in (name, *aliases)
}


def _iana_encoding(name: str) -> tuple[str, str]:
    found = _IANA_LOOKUP.get(name.strip().lower())
    if found is None:
        raise arg_error("encoding", 1, f"{go_quote(name)} is not a supported IANA encoding "
                        "name or alias in this Terraform version")
    return found


def _encode_text(text: str, codec: str) -> bytes:
    if codec == "utf-16":
        return b"\xfe\xff" + text.encode("utf-16-be")
    raw = text.encode(codec)
    if codec == "hz" and raw.endswith(b"~}"):
        # Go's HZ encoder leaves GB mode open at the end; an odd run of "~"
        # before the "}" means it is the mode switch rather than an escaped "~".
        tildes = len(raw[:-1]) - len(raw[:-1].rstrip(b"~"))
        if tildes % 2:
            raw = raw[:-2]
    return raw


def _decode_text(raw: bytes, codec: str) -> str:
    if codec == "utf-16":
        if raw[:2] == b"\xff\xfe":
            return raw[2:].decode("utf-16-le", "replace")
        return raw[2:].decode("utf-16-be", "replace") if raw[:2] == b"\xfe\xff" else \
            raw.decode("utf-16-be", "replace")
    return raw.decode(codec, "replace")


@function("textencodebase64", params=[Param("string", STRING), Param("encoding", STRING)],
          returns=STRING)
def _textencodebase64(args: list[Value], ctx: CallContext) -> Value:
    name, codec = _iana_encoding(args[1].v)
    try:
        raw = _encode_text(args[0].v, codec)
    except UnicodeEncodeError:
        raise arg_error("string", 0, "the given string contains characters that cannot be "
                        f"represented in {name}") from None
    return V.string(base64.b64encode(raw).decode())


@function("textdecodebase64", params=[Param("source", STRING), Param("encoding", STRING)],
          returns=STRING)
def _textdecodebase64(args: list[Value], ctx: CallContext) -> Value:
    name, codec = _iana_encoding(args[1].v)
    try:
        raw = go_b64decode(args[0].v)
    except _CorruptBase64 as exc:
        raise arg_error("source", 0, "the given value is has an invalid base64 symbol at "
                        f"offset {exc.offset}") from None
    text = _decode_text(raw, codec)
    # Like Go, a replacement character anywhere means the bytes did not decode.
    if "\ufffd" in text:
        raise arg_error("source", 0, "the given string contains symbols that are not defined "
                        f"for {name}")
    return V.string(text)


# --- urlencode --------------------------------------------------------------

@function("urlencode", params=[Param("str", STRING)], returns=STRING)
def _urlencode(args: list[Value], ctx: CallContext) -> Value:
    """Go's url.QueryEscape: space becomes "+", only A-Z a-z 0-9 - _ . ~ stay."""
    return V.string(quote_plus(args[0].v, safe=""))


# --- csvdecode --------------------------------------------------------------

class _CSVError(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


class _GoCSVReader:
    """encoding/csv's Reader with default options.

    Go's reader differs from Python's in ways users see: blank lines are
    skipped, a stray quote is an error rather than data, and every record must
    have as many fields as the first.
    """

    def __init__(self, text: str):
        parts = text.split("\n")
        self.lines: list[str] = []
        for i, part in enumerate(parts):
            if part.endswith("\r"):
                part = part[:-1]  # \r\n becomes \n; a final \r is dropped
            if i < len(parts) - 1:
                self.lines.append(part + "\n")
            elif part:
                self.lines.append(part)
        self.next_line = 0
        self.line_no = 0
        self.fields_per_record = 0

    def _read_line(self) -> str | None:
        if self.next_line >= len(self.lines):
            return None
        self.next_line += 1
        self.line_no += 1
        return self.lines[self.next_line - 1]

    def records(self) -> Iterator[list[str]]:
        while (record := self._read_record()) is not None:
            yield record

    def _read_record(self) -> list[str] | None:
        line = self._read_line()
        while line == "\n":
            line = self._read_line()
        if line is None:
            return None
        record_line = self.line_no
        fields: list[str] = []
        while True:
            if not line.startswith('"'):
                comma = line.find(",")
                field = line[:comma] if comma >= 0 else line.removesuffix("\n")
                if '"' in field:
                    raise _CSVError(self.line_no, 'bare " in non-quoted-field')
                fields.append(field)
                if comma < 0:
                    break
                line = line[comma + 1:]
                continue
            line = line[1:]
            buf: list[str] = []
            while True:
                quote = line.find('"')
                if quote >= 0:
                    buf.append(line[:quote])
                    line = line[quote + 1:]
                    if line.startswith('"'):
                        buf.append('"')
                        line = line[1:]
                        continue
                    if line.startswith(","):
                        line = line[1:]
                        fields.append("".join(buf))
                        break
                    if line in ("", "\n"):
                        fields.append("".join(buf))
                        return self._check_count(fields, record_line)
                    raise _CSVError(self.line_no, 'extraneous or missing " in quoted-field')
                if not line:
                    raise _CSVError(self.line_no, 'extraneous or missing " in quoted-field')
                buf.append(line)
                line = self._read_line() or ""
        return self._check_count(fields, record_line)

    def _check_count(self, fields: list[str], record_line: int) -> list[str]:
        if self.fields_per_record == 0:
            self.fields_per_record = len(fields)
        elif len(fields) != self.fields_per_record:
            raise _CSVError(record_line, "wrong number of fields")
        return fields


@function("csvdecode", params=[Param("str", STRING)])
def _csvdecode(args: list[Value], ctx: CallContext) -> Value:
    records = _GoCSVReader(args[0].v).records()
    try:
        headers = next(records, None)
        if headers is None:
            raise call_error("missing header line")
        if len(set(headers)) != len(headers):
            dup = next(h for i, h in enumerate(headers) if h in headers[:i])
            raise call_error(f"duplicate column name {go_quote(dup)}")
        rows = [V.obj({h: V.string(c) for h, c in zip(headers, rec, strict=True)})
                for rec in records]
    except _CSVError as exc:
        raise call_error(f"CSV parse error on line {exc.line}: {exc.message}") from None
    return V.list_(rows, ObjectType(dict.fromkeys(headers, STRING)))


# --- JSON -------------------------------------------------------------------

_JSON_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n",
                 "\r": "\\r", "\t": "\\t", "<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                 "\u2028": "\\u2028", "\u2029": "\\u2029"}
_JSON_NEEDS_ESCAPE = re.compile('["\\\\<>&\u2028\u2029\x00-\x1f]')


def _json_string(s: str) -> str:
    """Go's encoding/json string form, HTML-safe as Terraform's jsonencode is."""
    return '"' + _JSON_NEEDS_ESCAPE.sub(
        lambda m: _JSON_ESCAPES.get(m.group(), f"\\u{ord(m.group()):04x}"), s) + '"'


def json_encode(val: Value) -> str:
    v = val.v
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | Decimal):
        return V.format_number(v)
    if isinstance(v, str):
        return _json_string(v)
    if isinstance(v, tuple):
        return "[" + ",".join(json_encode(e) for e in v) + "]"
    return "{" + ",".join(f"{_json_string(k)}:{json_encode(e)}" for k, e in v.items()) + "}"


@function("jsonencode", params=[Param("val", DYNAMIC, allow_null=True)], returns=STRING)
def _jsonencode(args: list[Value], ctx: CallContext) -> Value:
    return V.string(json_encode(args[0]))


class _JSONError(Exception):
    pass


def _quote_char(c: str) -> str:
    """Go's quoteChar for a byte: non-ASCII shows as its first UTF-8 byte."""
    if c == "'":
        return "'\\''"
    if c == '"':
        return "'\"'"
    if ord(c) >= 0x80:
        c = chr(c.encode()[0])
    return "'" + go_quote(c)[1:-1] + "'"


_JSON_LITERALS = {"t": "true", "f": "false", "n": "null"}
_JSON_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n",
                        "r": "\r", "t": "\t"}
_HEX = set("0123456789abcdefABCDEF")


class _GoJSONParser:
    """A JSON parser that fails where, and with the message, Go's decoder does.

    cty reads JSON as a token stream, so structural errors are reported in the
    decoder's token vocabulary ("after array element") and scanner errors in
    the scanner's ("in numeric literal").
    """

    def __init__(self, text: str):
        self.s = text
        self.i = 0

    def document(self) -> Any:
        value = self._value_token("looking for beginning of value")
        self._skip_space()
        # cty asks the decoder whether "more" follows, which a closing bracket is not.
        if self.i < len(self.s) and self.s[self.i] not in "]}":
            raise _JSONError("extraneous data after JSON object")
        return value

    def _skip_space(self) -> None:
        while self.i < len(self.s) and self.s[self.i] in " \t\r\n":
            self.i += 1

    def _peek(self) -> str:
        self._skip_space()
        if self.i >= len(self.s):
            raise _JSONError("EOF")
        return self.s[self.i]

    def _token_error(self, c: str, context: str) -> _JSONError:
        return _JSONError(f"invalid character {_quote_char(c)}" + (f" {context}" if context
                                                                     else ""))

    def _value_token(self, context: str) -> Any:
        c = self._peek()
        if c == "{":
            self.i += 1
            return self._object()
        if c == "[":
            self.i += 1
            return self._array()
        if c in "]}:,":
            raise self._token_error(c, context)
        return self._scalar()

    def _array(self) -> list[Any]:
        items: list[Any] = []
        if self._peek() == "]":
            self.i += 1
            return items
        while True:
            c = self._peek()
            if c == "]":
                raise self._token_error(c, "looking for beginning of value")
            items.append(self._value_token("looking for beginning of value"))
            c = self._peek()
            self.i += 1
            if c == "]":
                return items
            if c != ",":
                raise self._token_error(c, "after array element")

    def _object(self) -> dict[str, Any]:
        attrs: dict[str, Any] = {}
        c = self._peek()
        if c == "}":
            self.i += 1
            return attrs
        context = ""  # Go's decoder gives no context right after "{"
        while True:
            if c != '"':
                raise self._token_error(c, context)
            key = self._string()
            c = self._peek()
            if c != ":":
                raise self._token_error(c, "after object key")
            self.i += 1
            attrs[key] = self._value_token("looking for beginning of value")
            c = self._peek()
            self.i += 1
            if c == "}":
                return attrs
            if c != ",":
                raise self._token_error(c, "after object key:value pair")
            c = self._peek()
            context = "looking for beginning of object key string"

    def _next(self) -> str:
        if self.i >= len(self.s):
            raise _JSONError("unexpected EOF")
        self.i += 1
        return self.s[self.i - 1]

    def _scalar(self) -> Any:
        c = self.s[self.i]
        if c == '"':
            return self._string()
        if c == "-" or "0" <= c <= "9":
            return self._number()
        if c in _JSON_LITERALS:
            word = _JSON_LITERALS[c]
            self.i += 1
            for want in word[1:]:
                got = self._next()
                if got != want:
                    raise _JSONError(f"invalid character {_quote_char(got)} in literal {word} "
                                     f"(expecting {_quote_char(want)})")
            return {"true": True, "false": False, "null": None}[word]
        raise self._token_error(c, "looking for beginning of value")

    def _digits(self) -> None:
        while self.i < len(self.s) and "0" <= self.s[self.i] <= "9":
            self.i += 1

    def _number(self) -> int | Decimal:
        start = self.i
        if self.s[self.i] == "-":
            self.i += 1
            c = self._next()
            if not "0" <= c <= "9":
                raise _JSONError(f"invalid character {_quote_char(c)} in numeric literal")
            self.i -= 1
        if self.s[self.i] == "0":
            self.i += 1
        else:
            self._digits()
        if self.i < len(self.s) and self.s[self.i] == ".":
            self.i += 1
            c = self._next()
            if not "0" <= c <= "9":
                raise _JSONError(f"invalid character {_quote_char(c)} after decimal point in "
                                 "numeric literal")
            self._digits()
        if self.i < len(self.s) and self.s[self.i] in "eE":
            self.i += 1
            c = self._next()
            if c in "+-":
                c = self._next()
            if not "0" <= c <= "9":
                raise _JSONError(f"invalid character {_quote_char(c)} in exponent of numeric "
                                 "literal")
            self._digits()
        return V.normalize_number(Decimal(self.s[start:self.i]))

    def _string(self) -> str:
        self.i += 1  # opening quote
        out: list[str] = []
        while True:
            c = self._next()
            if c == '"':
                return _fix_surrogates("".join(out))
            if c == "\\":
                e = self._next()
                if e in _JSON_SIMPLE_ESCAPES:
                    out.append(_JSON_SIMPLE_ESCAPES[e])
                elif e == "u":
                    digits = ""
                    for _ in range(4):
                        h = self._next()
                        if h not in _HEX:
                            raise _JSONError(f"invalid character {_quote_char(h)} in \\u "
                                             "hexadecimal character escape")
                        digits += h
                    out.append(chr(int(digits, 16)))
                else:
                    raise _JSONError(f"invalid character {_quote_char(e)} in string escape code")
            elif c < " ":
                raise _JSONError(f"invalid character {_quote_char(c)} in string literal")
            else:
                out.append(c)


def _fix_surrogates(s: str) -> str:
    """Pair \\u surrogate escapes; lone halves become U+FFFD as in Go."""
    if not any("\ud800" <= c <= "\udfff" for c in s):
        return s
    return s.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


@function("jsondecode", params=[Param("str", STRING)])
def _jsondecode(args: list[Value], ctx: CallContext) -> Value:
    try:
        return V.from_python(_GoJSONParser(args[0].v).document())
    except _JSONError as exc:
        raise call_error(str(exc)) from None
    except RecursionError:  # Go allows 10000 levels; Python's stack allows fewer
        raise call_error("exceeded max depth") from None


# --- yamldecode -------------------------------------------------------------

_TAG = "tag:yaml.org,2002:"
_STR, _BINARY, _BOOL, _INT, _FLOAT, _NULL, _TIMESTAMP = (
    _TAG + t for t in ("str", "binary", "bool", "int", "float", "null", "timestamp"))
_RESOLVABLE = {"", _STR, _BINARY, _BOOL, _INT, _FLOAT, _NULL, _TIMESTAMP}

# YAML 1.1 words, as go-cty-yaml resolves them (so "yes" and "on" are true).
_YAML_WORDS: dict[str, Value] = {
    **dict.fromkeys(["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"],
                    V.TRUE),
    **dict.fromkeys(["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"],
                    V.FALSE),
    **dict.fromkeys(["", "~", "null", "Null", "NULL"], V.NULL),
}
_YAML_INFINITIES = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF"}
_YAML_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_YAML_TIMESTAMP = re.compile(
    r"(\d{4})-(\d\d?)-(\d\d?)"
    r"(?:[Tt](\d\d?):(\d\d?):(\d\d?)(?:[.,]\d+)?(Z|[-+]\d\d:\d\d)"
    r"| +(\d\d?):(\d\d?):(\d\d?)(?:[.,]\d+)?)?")
_MERGE = object()


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _yaml_timestamp(src: str) -> str | None:
    """The RFC 3339 form of a YAML timestamp, in the formats go-cty-yaml accepts."""
    m = _YAML_TIMESTAMP.fullmatch(src)
    if m is None:
        return None
    year, month, day = (int(g) for g in m.group(1, 2, 3))
    clock = m.group(4, 5, 6) if m.group(4) else m.group(8, 9, 10)
    hour, minute, second = (int(g) for g in clock) if clock[0] else (0, 0, 0)
    zone = m.group(7) or "Z"
    if not (1 <= month <= 12 and 1 <= day <= _days_in_month(year, month) and hour < 24
            and minute < 60 and second < 60):
        return None
    if zone != "Z":
        zh, zm = int(zone[1:3]), int(zone[4:6])
        if zh > 24 or zm > 60:
            return None
        if zh == 0 and zm == 0:
            zone = "Z"
    return f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}{zone}"


def _go_parse_int(text: str) -> int | None:
    """strconv.ParseInt/ParseUint with base 0 (0x, 0o, 0b and leading-0 octal), 64 bits."""
    m = re.fullmatch(r"([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)",
                     text)
    if m is None:
        return None
    body = m.group(2)
    base = {"0x": 16, "0o": 8, "0b": 2}.get(body[:2].lower())
    if base is not None:
        n = int(body[2:], base)
    else:
        n = int(body, 8 if len(body) > 1 else 10)
    if m.group(1) == "-":
        n = -n
    return n if -(2**63) <= n < 2**64 else None


class _YAMLError(Exception):
    pass


def _yaml_at(mark: Any, message: str) -> _YAMLError:
    # go-cty-yaml reports a zero-based line and a one-based column; copied as is.
    return _YAMLError(f"on line {mark.line}, column {mark.column + 1}: {message}")


class _YAMLConverter:
    """Turns PyYAML parse events into values with go-cty-yaml's rules."""

    def __init__(self, text: str):
        self.events = yaml.parse(text, Loader=yaml.SafeLoader)
        self.anchors: dict[str, Value] = {}
        self.in_progress: set[str] = set()

    def document(self) -> Value:
        next(self.events)  # stream start
        start = next(self.events)
        if isinstance(start, yaml.StreamEndEvent):
            raise _YAMLError("on line 1, column 1: missing start of document")
        value = self._node(next(self.events))
        next(self.events)  # document end
        extra = next(self.events)
        if not isinstance(extra, yaml.StreamEndEvent):
            raise _yaml_at(extra.start_mark, "unexpected extra content after value")
        return value

    def _node(self, ev: Any) -> Value:
        if isinstance(ev, yaml.AliasEvent):
            if ev.anchor in self.in_progress:
                raise _YAMLError(f"cannot refer to anchor {go_quote(ev.anchor)} from inside its "
                                 "own definition")
            if ev.anchor not in self.anchors:
                raise _YAMLError(f"reference to undefined anchor {go_quote(ev.anchor)}")
            return self.anchors[ev.anchor]
        if ev.anchor:
            self.in_progress.add(ev.anchor)
        value: Value
        if isinstance(ev, yaml.ScalarEvent):
            scalar = self._scalar(ev)
            value = scalar if isinstance(scalar, Value) else V.string("<<")
        elif isinstance(ev, yaml.SequenceStartEvent):
            self._check_tag(ev.tag, "sequence", _TAG + "seq")
            items = []
            while not isinstance(item := next(self.events), yaml.SequenceEndEvent):
                items.append(self._node(item))
            value = V.tuple_(items)
        else:
            self._check_tag(ev.tag, "mapping", _TAG + "map")
            value = self._mapping()
        if ev.anchor:
            self.in_progress.discard(ev.anchor)
            self.anchors[ev.anchor] = value
        return value

    @staticmethod
    def _check_tag(tag: str | None, kind: str, allowed: str) -> None:
        if tag not in (None, "!", allowed):
            raise _YAMLError(f"can't interpret {kind} as {tag}")

    def _mapping(self) -> Value:
        attrs: dict[str, Value] = {}
        while not isinstance(key_ev := next(self.events), yaml.MappingEndEvent):
            key = self._scalar(key_ev) if isinstance(key_ev, yaml.ScalarEvent) and \
                not key_ev.anchor else self._node(key_ev)
            value = self._node(next(self.events))
            if key is _MERGE:
                if not isinstance(value.type, ObjectType | MapType):
                    raise _yaml_at(key_ev.start_mark,
                                   f"cannot merge {value.type.friendly()} into mapping")
                attrs.update(value.items())
                continue
            assert isinstance(key, Value)
            if key.is_null:
                raise _yaml_at(key_ev.start_mark, "mapping key cannot be null")
            if key.type is NUMBER:
                attrs[V.format_number(key.v)] = value
            elif key.type is BOOL:
                attrs["true" if key.v else "false"] = value
            elif key.type is STRING:
                attrs[key.v] = value
            else:
                raise _YAMLError("only strings are allowed as mapping keys")
        return V.obj(attrs)

    def _scalar(self, ev: Any) -> Value | object:
        tag = ev.tag or ""
        if tag == "!" or (not tag and not ev.implicit[0]):
            return V.string(ev.value)  # quoted or block scalars are strings
        return _resolve_yaml_scalar(tag, ev.value, ev.style)


def _resolve_yaml_scalar(tag: str, src: str, style: str | None) -> Value | object:
    if tag not in _RESOLVABLE:
        raise _YAMLError(f"unsupported tag {go_quote(tag)}")
    hint = src[:1] or "~"
    if tag not in (_STR, _BINARY) and hint in "+-0123456789yYnNtTfFoO~.":
        if style in ("'", '"'):
            return V.string(src)
        if src in _YAML_WORDS:
            return _YAML_WORDS[src]
        if src in _YAML_INFINITIES:
            raise _YAMLError("floating point infinity is not supported")
        if not tag and src in (".nan", ".NaN", ".NAN"):
            raise _YAMLError("floating point NaN is not supported")
        if hint == "." and _YAML_FLOAT.fullmatch(src):
            return V.Value(NUMBER, V.parse_number(src))
        if hint in "+-0123456789":
            if tag in ("", _TIMESTAMP) and (ts := _yaml_timestamp(src)) is not None:
                return V.string(ts)
            if _YAML_INT.fullmatch(src):
                tag = _INT
            elif _YAML_FLOAT.fullmatch(src):
                tag = _FLOAT
    if not tag and src == "<<":
        return _MERGE
    if tag in (_STR, _BINARY):
        if tag == _BINARY:
            try:
                go_b64decode(src)
            except _CorruptBase64:
                raise _YAMLError(f"cannot parse {go_quote(src)} as {tag}: not valid base64") \
                    from None
        return V.string(src)
    if tag == _BOOL:
        if src in _YAML_WORDS and _YAML_WORDS[src].type is BOOL:
            return _YAML_WORDS[src]
    elif tag in (_INT, _FLOAT):
        plain = src.replace("_", "")
        if _YAML_FLOAT.fullmatch(plain):
            return V.Value(NUMBER, V.parse_number(plain))
        if (n := _go_parse_int(plain)) is not None:
            return V.number(n)
    elif tag == _TIMESTAMP:
        if (ts := _yaml_timestamp(src)) is not None:
            return V.string(ts)
    elif tag == _NULL:
        return V.NULL
    else:
        return V.string(src)
    raise _YAMLError(f"cannot parse {go_quote(src)} as {tag}")


def _libyaml_wording(problem: str) -> str:
    """PyYAML's messages, reworded where libyaml (which Terraform uses) words them differently."""
    problem = re.sub(r"^expected (.*), but (found|got) .*$", r"did not find expected \1", problem)
    problem = re.sub(r"^found character .* that cannot start any token$",
                     "found character that cannot start any token", problem)
    return problem.replace("are not allowed here", "are not allowed in this context")


@function("yamldecode", params=[Param("src", STRING)])
def _yamldecode(args: list[Value], ctx: CallContext) -> Value:
    try:
        return _YAMLConverter(args[0].v).document()
    except _YAMLError as exc:
        raise call_error(str(exc)) from None
    except RecursionError:
        raise call_error("exceeded max depth") from None
    except yaml.scanner.ScannerError as exc:
        raise call_error(_libyaml_wording(exc.problem or "invalid YAML")) from None
    except yaml.MarkedYAMLError as exc:
        problem = _libyaml_wording(exc.problem or exc.context or "invalid YAML")
        mark = exc.problem_mark or exc.context_mark
        raise call_error(str(_yaml_at(mark, problem)) if mark else problem) from None
    except yaml.YAMLError as exc:
        raise call_error(str(exc)) from None


# --- yamlencode -------------------------------------------------------------

_YAML_BREAKS = "\r\n\x85\u2028\u2029"
_YAML_ESCAPES = {"\x00": "0", "\x07": "a", "\x08": "b", "\t": "t", "\n": "n", "\x0b": "v",
                 "\x0c": "f", "\r": "r", "\x1b": "e", '"': '"', "\\": "\\", "\x85": "N",
                 "\xa0": "_", "\u2028": "L", "\u2029": "P"}
_YAML_BEST_WIDTH = 80


def _yaml_printable(c: str) -> bool:
    o = ord(c)
    return (o == 0x0A or 0x20 <= o <= 0x7E or 0xA0 <= o <= 0xD7FF
            or (0xE000 <= o <= 0xFFFD and o != 0xFEFF))


def _yaml_escape(c: str) -> str:
    if c in _YAML_ESCAPES:
        return "\\" + _YAML_ESCAPES[c]
    o = ord(c)
    if o <= 0xFF:
        return f"\\x{o:02X}"
    return f"\\u{o:04X}" if o <= 0xFFFF else f"\\U{o:08X}"


def _yaml_block_allowed(s: str) -> bool:
    """libyaml's analysis: literal style needs printable text and no space at a line end."""
    if s.endswith(" "):
        return False
    for i, c in enumerate(s):
        if not _yaml_printable(c):
            return False
        if c in _YAML_BREAKS and i > 0 and s[i - 1] == " ":
            return False
    return True


class _YAMLEmitter:
    """Writes values in the block style go-cty-yaml's libyaml emitter produces.

    Strings are double-quoted unless they span lines (then literal `|`); empty
    collections are flow style; sequences under a mapping key are not indented;
    long double-quoted strings are folded after column 80.
    """

    def __init__(self) -> None:
        self.out: list[str] = []
        self.column = 0

    def _write(self, s: str) -> None:
        self.out.append(s)
        nl = s.rfind("\n")
        self.column = self.column + len(s) if nl < 0 else len(s) - nl - 1

    def _line_start(self, indent: int) -> None:
        if self.column:
            self._write("\n")
        self._write(" " * indent)

    def document(self, val: Value) -> str:
        if isinstance(val.v, tuple | dict) and val.v:
            self._collection(val, 0, inline=False)
        else:
            plain = self._scalar(val, 2)
            if self.column:
                self._write("\n")
            if plain:
                self._write("...\n")
        if self.column:
            self._write("\n")
        return "".join(self.out)

    def _collection(self, val: Value, indent: int, inline: bool) -> None:
        if isinstance(val.v, tuple):
            for i, item in enumerate(val.v):
                if i or not inline:
                    self._line_start(indent)
                self._write("-")
                self._nested(item, indent, indent + 2, seq_indent=indent + 2)
        else:
            for i, (key, item) in enumerate(val.v.items()):
                if i or not inline:
                    self._line_start(indent)
                self._key_value(key, item, indent)

    def _key_value(self, key: str, item: Value, indent: int) -> None:
        if len(key.encode()) <= 128 and not any(c in _YAML_BREAKS for c in key):
            self._double_quoted(key, indent + 2, fold=False)
            self._write(":")
            if isinstance(item.v, tuple) and item.v:
                self._collection(item, indent, inline=False)  # indentless sequence
            elif isinstance(item.v, dict) and item.v:
                self._collection(item, indent + 2, inline=False)
            else:
                self._write(" ")
                self._scalar(item, indent + 2)
            return
        # Too long or multi-line for a simple key: "? key" then ": value".
        self._write("? ")
        self._string(key, indent + 2)
        self._line_start(indent)
        self._write(":")
        self._nested(item, indent, indent + 2, seq_indent=indent + 2)

    def _nested(self, item: Value, indent: int, child: int, seq_indent: int) -> None:
        """A value written after a "-" or ":" indicator on the same line."""
        self._write(" ")
        if isinstance(item.v, tuple) and item.v:
            self._collection(item, seq_indent, inline=True)
        elif isinstance(item.v, dict) and item.v:
            self._collection(item, child, inline=True)
        else:
            self._scalar(item, child)

    def _scalar(self, val: Value, indent: int) -> bool:
        """Write a scalar or empty collection; True when it was written plain."""
        v = val.v
        if isinstance(v, tuple):
            self._write("[]")
        elif isinstance(v, dict):
            self._write("{}")
        elif isinstance(v, str):
            self._string(v, indent)
            return False
        elif v is None:
            self._write("null")
        elif isinstance(v, bool):
            self._write("true" if v else "false")
        else:
            self._write(V.format_number(v))
        return not isinstance(v, tuple | dict)

    def _string(self, s: str, indent: int) -> None:
        if "\n" in s and _yaml_block_allowed(s):
            self._literal(s, indent)
        else:
            self._double_quoted(s, indent, fold=True)

    def _double_quoted(self, s: str, indent: int, fold: bool) -> None:
        self._write('"')
        after_space = False
        last = len(s) - 1
        for i, c in enumerate(s):
            if not _yaml_printable(c) or c in _YAML_BREAKS or c in '"\\':
                self._write(_yaml_escape(c))
                after_space = False
            elif c == " ":
                if fold and not after_space and self.column > _YAML_BEST_WIDTH and 0 < i < last:
                    self._write("\n" + " " * indent)
                    if s[i + 1] == " ":
                        self._write("\\")
                else:
                    self._write(" ")
                after_space = True
            else:
                self._write(c)
                after_space = False
        self._write('"')

    def _literal(self, s: str, indent: int) -> None:
        header = "|"
        if s[0] == " " or s[0] in _YAML_BREAKS:
            header += "2"  # explicit indentation when the text itself starts with space
        if s[-1] not in _YAML_BREAKS:
            header += "-"
        elif len(s) == 1 or s[-2] in _YAML_BREAKS:
            header += "+"
        self._write(header + "\n")
        at_line_start = True
        for c in s:
            if c in _YAML_BREAKS:
                self.out.append(c)
                self.column = 0
                at_line_start = True
            else:
                if at_line_start:
                    self._write(" " * indent)
                self._write(c)
                at_line_start = False


@function("yamlencode", params=[Param("value", DYNAMIC, allow_null=True)], returns=STRING)
def _yamlencode(args: list[Value], ctx: CallContext) -> Value:
    return V.string(_YAMLEmitter().document(args[0]))


__all__ = ["arg_error", "call_error", "go_b64decode", "go_quote", "json_encode", "redact"]
