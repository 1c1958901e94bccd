"""Encoding built-ins; expected values were checked against `terraform console` 1.11."""

from __future__ import annotations

from decimal import Decimal

import pytest

from govctl.lang import values as V
from govctl.lang.functions import FunctionError
from govctl.lang.types import NUMBER, STRING, ListType, ObjectType, TupleType
from govctl.lang.values import SENSITIVE
from tests.lang.fn import call, fails

# --- base64 ------------------------------------------------------------------

def test_base64_round_trip() -> None:
    encoded = call("base64encode", "héllo €")
    assert encoded == V.string("aMOpbGxvIOKCrA==")
    assert call("base64decode", encoded) == V.string("héllo €")


@pytest.mark.parametrize(("text", "expected"), [
    ("aGVsbG8=", "hello"),
    ("aGVsbG8=\n", "hello"),        # Go skips CR and LF anywhere
    ("aGVs\r\nbG8=", "hello"),
    ("", ""),
])
def test_base64decode(text: str, expected: str) -> None:
    assert call("base64decode", text) == V.string(expected)


@pytest.mark.parametrize("text", ["aGVsbG8", "aGVs bG8=", "aGVsbA==x", "====", "a==="])
def test_base64decode_rejects_malformed_input(text: str) -> None:
    err = fails("base64decode", text, match=f'failed to decode base64 data "{text}".')
    assert err.arg is None


def test_base64decode_requires_utf8() -> None:
    fails("base64decode", "/w==",
          match="the result of decoding the provided string is not valid UTF-8.")


def test_base64decode_does_not_quote_a_sensitive_argument() -> None:
    with pytest.raises(FunctionError) as info:
        call("base64decode", V.string("c2VjcmV0!").mark({SENSITIVE}))
    assert info.value.message == "failed to decode base64 data (sensitive value)."


# --- text encodings ------------------------------------------------------------

@pytest.mark.parametrize(("text", "encoding", "expected"), [
    ("Hello", "UTF-16LE", "SABlAGwAbABvAA=="),
    ("Hello", "UTF-16", "/v8ASABlAGwAbABv"),       # big-endian with a byte order mark
    ("Hello", "utf-16be", "AEgAZQBsAGwAbw=="),
    ("€", "windows-1252", "gA=="),
    ("é", "l1", "6Q=="),                           # an IANA alias of ISO-8859-1
    ("日本", "shift_jis", "k/qWew=="),
    ("é", "EUC-JP", "j6ux"),
    ("é", "GBK", "qKY="),
    ("é", "HZ-GB-2312", "fnsoJg=="),
    ("a", " csASCII ", "YQ=="),
])
def test_textencodebase64(text: str, encoding: str, expected: str) -> None:
    assert call("textencodebase64", text, encoding) == V.string(expected)


@pytest.mark.parametrize(("source", "encoding", "expected"), [
    ("SABlAGwAbABvAA==", "UTF-16LE", "Hello"),
    ("/v8ASA==", "UTF-16", "H"),
    ("//5IAA==", "UTF-16", "H"),
    ("gA==", "ISO-8859-1", "\u0080"),
    ("k/qWew==", "Shift_JIS", "日本"),
])
def test_textdecodebase64(source: str, encoding: str, expected: str) -> None:
    assert call("textdecodebase64", source, encoding) == V.string(expected)


def test_text_encoding_errors() -> None:
    err = fails("textencodebase64", "x", "utf16", match='Invalid value for "encoding" parameter: '
                '"utf16" is not a supported IANA encoding name or alias in this Terraform '
                "version.")
    assert err.arg == 1
    err = fails("textencodebase64", "€", "latin1", match='Invalid value for "string" parameter: '
                "the given string contains characters that cannot be represented in "
                "ISO_8859-1:1987.")
    assert err.arg == 0
    fails("textdecodebase64", "SABlAGwAbABv!A==", "UTF-16LE",
          match="the given value is has an invalid base64 symbol at offset 12.")
    fails("textdecodebase64", "SGVsbG8", "UTF-8",
          match="the given value is has an invalid base64 symbol at offset 4.")
    fails("textdecodebase64", "gQ==", "windows-1252",
          match="the given string contains symbols that are not defined for windows-1252.")


# --- urlencode -----------------------------------------------------------------

def test_urlencode() -> None:
    assert call("urlencode", "a b&c=d/é~_.-*+!") == V.string("a+b%26c%3Dd%2F%C3%A9~_.-%2A%2B%21")
    fails("urlencode", [1], match='Invalid value for "str" parameter: string required')


# --- csvdecode -----------------------------------------------------------------

def test_csvdecode_result_and_type() -> None:
    result = call("csvdecode", 'a,b\n\n1,"x\ny"\r\n"q""r",s\n')
    assert result.type == ListType(ObjectType({"a": STRING, "b": STRING}))
    assert result.to_python() == [{"a": "1", "b": "x\ny"}, {"a": 'q"r', "b": "s"}]


def test_csvdecode_keeps_spaces_and_allows_no_rows() -> None:
    assert call("csvdecode", " a , b \n 1 , 2 ").to_python() == [{" a ": " 1 ", " b ": " 2 "}]
    empty = call("csvdecode", "a,b\n")
    assert empty.to_python() == []
    assert empty.type == ListType(ObjectType({"a": STRING, "b": STRING}))


@pytest.mark.parametrize(("text", "message"), [
    ("", "missing header line."),
    ("a,a\n1,2\n", 'duplicate column name "a".'),
    ("a,b\n1,2\n3\n", "CSV parse error on line 3: wrong number of fields."),
    ('a,b\n1,x"y\n', 'CSV parse error on line 2: bare " in non-quoted-field.'),
    ('a,b\n1,"x"y\n', 'CSV parse error on line 2: extraneous or missing " in quoted-field.'),
    ('a,b\n1,"xy\n', 'CSV parse error on line 2: extraneous or missing " in quoted-field.'),
])
def test_csvdecode_errors(text: str, message: str) -> None:
    fails("csvdecode", text, match=message)


# --- JSON ----------------------------------------------------------------------

def test_jsonencode() -> None:
    value = V.obj({"b": V.tuple_([V.number(1), V.number(Decimal("2.5")), V.number(10**20),
                                  V.number(Decimal("-0.000001"))]),
                   "a": V.NULL, "c": V.TRUE,
                   "d": V.set_([V.string("y"), V.string("x")]), "e": V.obj({})})
    assert call("jsonencode", value) == V.string(
        '{"a":null,"b":[1,2.5,100000000000000000000,-0.000001],"c":true,"d":["x","y"],"e":{}}')


def test_jsonencode_strings_like_go() -> None:
    text = 'a\bb\fc\x01\x7f\u2028<>&"\\/é'
    assert call("jsonencode", text).v == \
        '"a\\bb\\fc\\u0001\x7f\\u2028\\u003c\\u003e\\u0026\\"\\\\/é"'
    assert call("jsonencode", V.null(STRING)) == V.string("null")


def test_jsondecode_types_and_precision() -> None:
    result = call("jsondecode", '{"b":[1,"x",null],"a":{"c":1.50},"n":1e400}')
    assert isinstance(result.type, ObjectType)
    assert isinstance(result.v["b"].type, TupleType)
    assert result.v["a"].v["c"] == V.number(Decimal("1.5"))
    assert result.v["n"].type is NUMBER and result.v["n"].v == 10**400
    assert call("jsondecode", "null").is_null
    assert call("jsondecode", '{"a":1,"a":2}').to_python() == {"a": 2}
    assert call("jsondecode", '["\\ud83d\\ude00", "\\ud800"]').to_python() == ["😀", "\ufffd"]
    assert call("jsondecode", "1 ]") == V.number(1)  # cty only asks whether "more" follows


@pytest.mark.parametrize(("text", "message"), [
    ("", "EOF."),
    ("{", "EOF."),
    ("nul", "unexpected EOF."),
    ("[1,]", "invalid character ']' looking for beginning of value."),
    ("1 2", "extraneous data after JSON object."),
    ("01", "extraneous data after JSON object."),
    ("{,}", "invalid character ','."),
    ('{"a":1,}', "invalid character '}' looking for beginning of object key string."),
    ('{"a" 1}', "invalid character '1' after object key."),
    ("[1 2]", "invalid character '2' after array element."),
    ('{"a":1 "b"}', "invalid character '\"' after object key:value pair."),
    ("1.x", "invalid character 'x' after decimal point in numeric literal."),
    ("1ex", "invalid character 'x' in exponent of numeric literal."),
    ("trux", "invalid character 'x' in literal true (expecting 'e')."),
    ('"a\\x"', "invalid character 'x' in string escape code."),
    ('"\\u12x4"', "invalid character 'x' in \\u hexadecimal character escape."),
    ('"a\nb"', "invalid character '\\n' in string literal."),
    ("é", "invalid character 'Ã' looking for beginning of value."),
])
def test_jsondecode_errors(text: str, message: str) -> None:
    err = fails("jsondecode", text, match=message)
    assert err.message == message and err.arg is None


# --- YAML ----------------------------------------------------------------------

def test_yamldecode_scalars_follow_go_cty_yaml() -> None:
    doc = ("a: yes\nb: on\nc: n\nd: ~\ne: 0x10\nf: 0o17\ng: 017\nh: 1_000\ni: .5\n"
           "j: 2001-12-14\nk: 2001-12-14t21:59:43.10-05:00\nl: !!binary aGVsbG8=\n"
           'm: "yes"\no: 1e3\np: 0b101\nq: +12\nr: 12:30:00\ns: !!int "12"\nt: -0x10\n')
    assert call("yamldecode", doc).to_python() == {
        "a": True, "b": True, "c": False, "d": None, "e": 16, "f": 15, "g": 17, "h": "1_000",
        "i": Decimal("0.5"), "j": "2001-12-14T00:00:00Z", "k": "2001-12-14T21:59:43-05:00",
        "l": "aGVsbG8=", "m": "yes", "o": 1000, "p": "0b101", "q": 12, "r": "12:30:00",
        "s": "12", "t": "-0x10"}


def test_yamldecode_structure() -> None:
    result = call("yamldecode", "- 1\n- two\n- [3]\n- {y: 1}\n")
    assert isinstance(result.type, TupleType)
    # Keys are resolved like values, so the key "y" is the boolean true.
    assert result.to_python() == [1, "two", [3], {"true": 1}]
    merged = call("yamldecode", "b: &b {x: 1, z: 2}\nd:\n  x: 5\n  <<: *b\ne:\n  <<: *b\n  x: 5\n")
    assert merged.to_python()["d"] == {"x": 1, "z": 2}
    assert merged.to_python()["e"] == {"x": 5, "z": 2}
    assert call("yamldecode", "~").is_null


@pytest.mark.parametrize(("text", "message"), [
    ("", "on line 1, column 1: missing start of document."),
    ("---\na: 1\n---\nb: 2\n", "on line 2, column 1: unexpected extra content after value."),
    ("a: .nan", "floating point NaN is not supported."),
    ("a: !foo x", 'unsupported tag "!foo".'),
    ("a: !!int x", 'cannot parse "x" as tag:yaml.org,2002:int.'),
    ("a: &a [*a]", 'cannot refer to anchor "a" from inside its own definition.'),
    ("a: *nope", 'reference to undefined anchor "nope".'),
    ("1: a\ntrue: b\nnull: c", "on line 2, column 1: mapping key cannot be null."),
    ("? [1,2]\n: x", "only strings are allowed as mapping keys."),
    ("d:\n  <<: 1", "on line 1, column 3: cannot merge number into mapping."),
    ("a: b: c", "mapping values are not allowed in this context."),
])
def test_yamldecode_errors(text: str, message: str) -> None:
    assert fails("yamldecode", text, match=message).message.endswith(message)


@pytest.mark.parametrize(("value", "expected"), [
    ({"a": {"b": {"c": 1}}, "l": [[1, 2], []], "m": {}, "n": ["a", {"k": "v", "j": [1]}],
      "s": "yes", "u": "", "z": None},
     '"a":\n  "b":\n    "c": 1\n"l":\n- - 1\n  - 2\n- []\n"m": {}\n"n":\n- "a"\n- "j":\n'
     '  - 1\n  "k": "v"\n"s": "yes"\n"u": ""\n"z": null\n'),
    ("x", '"x"\n'),
    (1, "1\n...\n"),
    (None, "null\n...\n"),
    ([], "[]\n"),
    ({"v": "multi\nline\n"}, '"v": |\n  multi\n  line\n'),
    ("x\n\n", "|+\n  x\n\n"),
    (" lead\nx", "|2-\n   lead\n  x\n"),
    ("a\nb ", '"a\\nb "\n'),                     # a trailing space rules out a block
    ("a\tb\x01😀\u0085\ufeff", '"a\\tb\\x01\\U0001F600\\N\\uFEFF"\n'),
    ({"multi\nkey": 1}, "? |-\n  multi\n  key\n: 1\n"),
])
def test_yamlencode(value: object, expected: str) -> None:
    assert call("yamlencode", value) == V.string(expected)


def test_yamlencode_folds_long_strings_after_column_80() -> None:
    words = " ".join(["word" * 5] * 8)
    out = call("yamlencode", {"k": words}).v
    first, second = out.splitlines()
    assert first == '"k": "' + " ".join(["word" * 5] * 4)
    assert second == "  " + " ".join(["word" * 5] * 4) + '"'


def test_yamlencode_round_trips_through_yamldecode() -> None:
    value = V.from_python({"list": ["a", "b\nc", "", " x"], "n": Decimal("1.5"), "t": True})
    assert call("yamldecode", call("yamlencode", value)).to_python() == value.to_python()


# --- sensitivity and unknowns --------------------------------------------------

@pytest.mark.parametrize(("name", "args"), [
    ("base64encode", ["x"]), ("base64decode", ["eA=="]), ("jsonencode", ["x"]),
    ("jsondecode", ['"x"']), ("yamlencode", ["x"]), ("yamldecode", ["x"]),
    ("csvdecode", ["a\n1"]), ("urlencode", ["x"]), ("textencodebase64", ["x", "UTF-8"]),
    ("textdecodebase64", ["eA==", "UTF-8"]),
])
def test_sensitive_in_sensitive_out_and_unknown_in_unknown_out(name: str,
                                                               args: list[str]) -> None:
    secret = [V.string(args[0]).mark({SENSITIVE}), *map(V.string, args[1:])]
    assert call(name, *secret).sensitive
    unknown = call(name, V.unknown(STRING), *map(V.string, args[1:]))
    assert unknown.unknown
    hidden = call(name, V.unknown(STRING).mark({SENSITIVE}), *map(V.string, args[1:]))
    assert hidden.unknown and hidden.sensitive


def test_jsonencode_of_a_value_with_a_sensitive_part_is_sensitive() -> None:
    value = V.obj({"a": V.string("x").mark({SENSITIVE}), "b": V.number(1)})
    result = call("jsonencode", value)
    assert result.sensitive and result.v == '{"a":"x","b":1}'
