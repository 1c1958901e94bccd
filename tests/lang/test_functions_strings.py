"""String built-ins; expected values were checked against `terraform console` 1.11."""

from __future__ import annotations

from decimal import Decimal

import pytest

from govctl.lang import values as V
from govctl.lang.functions.strings import graphemes
from govctl.lang.types import BOOL, STRING, ListType, ObjectType, TupleType
from govctl.lang.values import Value
from tests.lang.fn import call, fails


def strings(*items: str) -> Value:
    return V.list_((V.string(i) for i in items), STRING)


# --- simple functions --------------------------------------------------------

@pytest.mark.parametrize(("name", "args", "expected"), [
    ("chomp", ["hello\n"], "hello"),
    ("chomp", ["hello\r\n\r\n\n"], "hello"),
    ("chomp", ["a\nb"], "a\nb"),
    ("indent", [2, "a\nb\n\nc"], "a\n  b\n  \n  c"),
    ("indent", [0, "a\nb"], "a\nb"),
    ("join", [", ", ["a", "b"]], "a, b"),
    ("join", ["-", ["a"], ["b", "c"]], "a-b-c"),
    ("join", ["-", [1, True]], "1-true"),
    ("join", [",", []], ""),
    ("lower", ["ÀBC"], "àbc"),
    ("lower", ["\u0130 \u03a3"], "i \u03c3"),  # İ Σ: one character each, no final sigma
    ("upper", ["straße"], "STRAßE"),
    ("upper", ["ǆ"], "Ǆ"),
    ("strrev", ["abc"], "cba"),
    ("strrev", ["e\u0301a"], "ae\u0301"),
    ("strrev", ["🇫🇷👍🏽x"], "x👍🏽🇫🇷"),
    ("substr", ["hello world", 1, 4], "ello"),
    ("substr", ["hello", -3, -1], "llo"),
    ("substr", ["hello", 10, 1], ""),
    ("substr", ["hello", -10, 2], "he"),
    ("substr", ["hello", 1, -2], "ello"),
    ("substr", ["e\u0301abc", 0, 2], "e\u0301a"),
    ("title", ["hello world-foo bar_baz"], "Hello World-Foo Bar_baz"),
    ("title", ["HELLO wORLD o'neil"], "HELLO WORLD O'Neil"),
    ("title", ["élan ǆa ßb"], "Élan ǅa ßb"),
    ("trim", ["?!hello?!", "!?"], "hello"),
    ("trim", ["xxyxx", "x"], "y"),
    ("trimprefix", ["helloworld", "hello"], "world"),
    ("trimprefix", ["aaa", "a"], "aa"),
    ("trimprefix", ["helloworld", "x"], "helloworld"),
    ("trimsuffix", ["helloworld", "world"], "hello"),
    ("trimsuffix", ["aaa", "a"], "aa"),
    ("trimspace", ["  \n\thello\t "], "hello"),
    ("trimspace", ["\u00a0hi\u3000"], "hi"),
    ("trimspace", ["\u0085x\u200b"], "x\u200b"),
    ("replace", ["hello", "l", "L"], "heLLo"),
    ("replace", ["hello", "", "-"], "-h-e-l-l-o-"),
    ("replace", ["a.b", ".", "x"], "axb"),
    ("replace", ["abc", "/", "x"], "abc"),
])
def test_string_results(name: str, args: list[object], expected: str) -> None:
    result = call(name, *args)
    assert result.type == STRING
    assert result.v == expected


@pytest.mark.parametrize(("name", "args", "expected"), [
    ("startswith", ["hello", "he"], True),
    ("startswith", ["hello", "lo"], False),
    ("startswith", [1, 1], True),
    ("endswith", ["hello", "lo"], True),
    ("endswith", ["hello", ""], True),
    ("endswith", ["a", "ab"], False),
    ("strcontains", ["hello", "ell"], True),
    ("strcontains", ["Ab", "a"], False),
])
def test_predicates(name: str, args: list[object], expected: bool) -> None:
    result = call(name, *args)
    assert result.type == BOOL
    assert result.v is expected


@pytest.mark.parametrize(("sep", "text", "expected"), [
    (",", "a,b,,c", ["a", "b", "", "c"]),
    (",", "a,b,", ["a", "b", ""]),
    (",", "", [""]),
    ("", "abc", ["a", "b", "c"]),
    ("", "", []),
])
def test_split(sep: str, text: str, expected: list[str]) -> None:
    result = call("split", sep, text)
    assert result.type == ListType(STRING)
    assert result.to_python() == expected


@pytest.mark.parametrize(("name", "args", "message", "arg"), [
    ("chomp", [None], 'Invalid value for "str" parameter: argument must not be null.', 0),
    ("endswith", ["a", None], 'Invalid value for "suffix" parameter', 1),
    ("startswith", [["a"], "a"], 'Invalid value for "str" parameter', 0),
    ("strcontains", ["a", None], 'Invalid value for "substr" parameter', 1),
    ("indent", [1.5, "a"], "value must be a whole number, between", None),
    ("indent", [-1, "a"], 'Invalid value for "spaces" parameter: must not be negative.', 0),
    ("join", [","], "at least one list is required.", None),
    ("join", ["-", ["a", None]], 'Invalid value for "lists" parameter: element 1 is null; '
     "cannot concatenate null values.", 1),
    ("join", ["-", ["a"], ["b", None]], "element 1 of list 2 is null", 2),
    ("lower", [None], 'Invalid value for "str" parameter', 0),
    ("upper", [{"a": 1}], 'Invalid value for "str" parameter', 0),
    ("split", [None, "a"], 'Invalid value for "separator" parameter', 0),
    ("strrev", [None], 'Invalid value for "str" parameter', 0),
    ("substr", ["hello", 1.5, 1], "value must be a whole number", None),
    ("substr", ["a", 1, None], 'Invalid value for "length" parameter', 2),
    ("title", [[1]], 'Invalid value for "str" parameter', 0),
    ("trim", ["a", None], 'Invalid value for "cutset" parameter', 1),
    ("trimprefix", ["a", None], 'Invalid value for "prefix" parameter', 1),
    ("trimsuffix", ["a", None], 'Invalid value for "suffix" parameter', 1),
    ("trimspace", [None], 'Invalid value for "str" parameter', 0),
    ("replace", ["a", "b", None], 'Invalid value for "replace" parameter', 2),
])
def test_string_errors(name: str, args: list[object], message: str, arg: int | None) -> None:
    assert fails(name, *args, match=message).arg == arg


def test_graphemes_keep_marks_and_pairs_together() -> None:
    assert graphemes("e\u0301x") == ["e\u0301", "x"]
    assert graphemes("a\r\nb") == ["a", "\r\n", "b"]
    assert graphemes("🇫🇷🇩🇪") == ["🇫🇷", "🇩🇪"]
    assert graphemes("👩\u200d💻!") == ["👩\u200d💻", "!"]
    assert graphemes("\u1100\u1161\u11a8") == ["\u1100\u1161\u11a8"]


# --- format ------------------------------------------------------------------

@pytest.mark.parametrize(("fmt", "args", "expected"), [
    ("%s-%d", ["a", 5], "a-5"),
    ("%d", ["12"], "12"),
    ("%5d|%-5d|%05d|%+d|% d", [42] * 5, "   42|42   |00042|+42| 42"),
    ("%x %X %o %b", [255, 255, 8, 5], "ff FF 10 101"),
    ("%#o %#b %#X", [8, 5, 255], "010 0b101 0XFF"),
    ("%.5d|%8.5d|%08.5d|", [42, -42, 42], "00042|  -00042|   00042|"),
    ("%.0d|", [0], "|"),
    ("%-+5d|", [3], "+3   |"),
    ("%x", [-255], "-ff"),
    ("%d", [123456789012345678901234567890], "123456789012345678901234567890"),
    ("%f", [3.14159], "3.141590"),
    ("%.2f", [3.14159], "3.14"),
    ("%5.2f", [3.14159], " 3.14"),
    ("%8.3f|%-8.3f|%08.3f", [3.14159, 3.14159, -3.14159], "   3.142|3.142   |-003.142"),
    ("%-08.3f|", [3.14159], "0003.142|"),
    ("%+.2f|% .2f", [3.14159, 3.14159], "+3.14| 3.14"),
    ("%.0f %.0f", [2.5, 3.5], "2 4"),
    ("%.1f %.1f", [0.05, 0.25], "0.1 0.2"),
    ("%.2f", [-0.001], "-0.00"),
    ("%5.1f|", [9.96], " 10.0|"),
    ("%.f", [3.2], "3"),
    ("%f", [1e20], "100000000000000000000.000000"),
    ("%.20f", [0.1], "0.10000000000000000000"),
    ("%e", [123456.789], "1.234568e+05"),
    ("%E", [0.000123], "1.230000E-04"),
    ("%.0e %.0e", [15, 25], "2e+01 2e+01"),
    ("%e", [0], "0.000000e+00"),
    ("%g", [123456.789], "123456.789"),
    ("%g %g %g", [1e21, 100000, 1e-5], "1e+21 100000 1e-05"),
    ("%g %g", [1234567, 0.0001], "1.234567e+06 0.0001"),
    ("%.3g %.3g %.3g", [3.14159, 100, 0.0001234], "3.14 100 0.000123"),
    ("%.3g %.1g %.0g", [1234567, 0.15, 15], "1.23e+06 0.2 2e+01"),
    ("%G", [1e-7], "1E-07"),
    ("%+g|%10g|", [5, 5], "+5|         5|"),
    ("%t %t", [True, "false"], "true false"),
    ("%5t", [True], "true"),
    ("%s %s %s", ["x", Decimal("1.50"), True], "x 1.5 true"),
    ("%10s|%-10s|", ["hi", "hi"], "        hi|hi        |"),
    ("%010s", ["hi"], "00000000hi"),
    ("%.2s|%5.1s|", ["hello", "hello"], "he|    h|"),
    ("%5.2s|", ["he\u0301llo"], "   he\u0301|"),
    ("%q", ['hi "there"'], '"hi \\"there\\""'),
    ("%q", ["<&>"], '"\\u003c\\u0026\\u003e"'),
    ("%q %-5q| %05q", [5, "a", "a"], '"5" "a"  | 00"a"'),
    ("%v %v %v %v", ["s", 5, 1.5, True], "s 5 1.5 true"),
    ("%v %v %v", [1e21, 123456789, 1e-7], "1e+21 1.23456789e+08 1e-07"),
    ("%v", [[1, "a"]], '[1,"a"]'),
    ("%v", [{"b": [True], "a": 1}], '{"a":1,"b":[true]}'),
    ("%v|%#v", [None, None], "null|null"),
    ("%5v|%-5v|%05v", [1, "a", "a"], "    1|a    |0000a"),
    ("%#v %#v %#v", ["s", 5, 1e21], '"s" 5 1000000000000000000000'),
    ("%#v", [["<&>"]], '["\\u003c\\u0026\\u003e"]'),
    ("%%", [], "%"),
    ("100%% %s", ["x"], "100% x"),
    ("%[2]s %[1]s %s", ["a", "b"], "b a b"),
    ("%[1]s %[3]s %[2]s", ["a", "b", "c"], "a c b"),
    ("%[2]s", ["a", "b"], "b"),
])
def test_format(fmt: str, args: list[object], expected: str) -> None:
    result = call("format", fmt, *args)
    assert result.type == STRING
    assert result.v == expected


@pytest.mark.parametrize(("fmt", "args", "message", "arg"), [
    ("%d", [5.5], 'unsupported value for "%d" at 0: an integer is required.', None),
    ("%d", [True], 'unsupported value for "%d" at 0: number required.', None),
    ("%x", ["ff"], 'unsupported value for "%x" at 0: a number is required.', None),
    ("%t", [1], 'unsupported value for "%t" at 0: bool required.', None),
    ("%t", ["x"], 'unsupported value for "%t" at 0: a bool is required.', None),
    ("%s", [[1]], 'unsupported value for "%s" at 0: string required.', None),
    ("%s", [None], 'unsupported value for "%s" at 0: null value cannot be formatted.', None),
    ("%[3]s", ["a"], 'not enough arguments for "%[3]s" at 0: need index 3 but have 1 total.',
     None),
    ("%s %s", ["a"], 'not enough arguments for "%s" at 3: need index 2 but have 1 total.',
     None),
    ("%s", ["a", "b"], 'Invalid value for "args" parameter: too many arguments; only 1 used '
     "by format string.", 2),
    ("%[2]s %[1]s", ["a", "b", "c"], "too many arguments; only 2 used by format string.", 3),
    ("%%d", [1], "too many arguments; no verbs in format string.", 1),
    ("%z", [1], "unsupported format verb 'z' in \"%z\" at offset 0.", None),
    ("%F", [1], "unsupported format verb 'F' in \"%F\" at offset 0.", None),
    ("abc%", [], "invalid format string starting at offset 4.", None),
    ("%5.", [1], "invalid format string starting at offset 3.", None),
    ("%[0]s", [1], "unrecognized format character '0' at offset 2.", None),
    ("%5%", [], "unrecognized format character '%' at offset 2.", None),
    ("é%[1]*d", [1], "unrecognized format character '*' at offset 6.", None),
])
def test_format_errors(fmt: str, args: list[object], message: str, arg: int | None) -> None:
    assert fails("format", fmt, *args, match=message).arg == arg


@pytest.mark.parametrize(("args", "expected"), [
    (["%s-%s", ["a", "b"], "x"], ["a-x", "b-x"]),
    (["%s-%s", ["a", "b"], ["c", "d"]], ["a-c", "b-d"]),
    (["%s", []], []),
    (["hello"], ["hello"]),
    (["%s", "a"], ["a"]),
    (["%v", [[1], [2]]], ["[1]", "[2]"]),
    (["%v", ["a", None]], ["a", "null"]),
])
def test_formatlist(args: list[object], expected: list[str]) -> None:
    result = call("formatlist", *args)
    assert result.type == ListType(STRING)
    assert result.to_python() == expected


def test_formatlist_iterates_sets_in_order() -> None:
    letters = V.set_([V.string("b"), V.string("a")])
    assert call("formatlist", "<%s>", letters).to_python() == ["<a>", "<b>"]


@pytest.mark.parametrize(("args", "message", "arg"), [
    (["%s-%s", ["a", "b"], ["c"]], 'Invalid value for "args" parameter: argument 2 has length '
     "1, which is inconsistent with argument 1 of length 2.", 2),
    (["%d", ["a"]], 'error on format iteration 0: unsupported value for "%d" at 0: a number '
     "is required.", None),
    (["%s", ["a", None]], "error on format iteration 1: unsupported value for \"%s\" at 0: "
     "null value cannot be formatted.", None),
    (["%s", "a", "b"], "error on format iteration 0: too many arguments; only 1 used by format "
     "string.", None),
])
def test_formatlist_errors(args: list[object], message: str, arg: int | None) -> None:
    assert fails("formatlist", *args, match=message).arg == arg


# --- regular expressions -----------------------------------------------------

@pytest.mark.parametrize(("pattern", "text", "expected"), [
    ("[a-z]+", "123abc456", "abc"),
    ("^\\pL+", "héllo1", "héllo"),
    ("\\Aab\\z", "ab", "ab"),
    ("(?i)AB", "xab", "ab"),
    ("a(?i)b|c", "C", "C"),
    ("(?i:A)b", "ab", "ab"),
    ("[[:alpha:]]+", "12ab", "ab"),
    ("[[:^digit:]]+", "12ab", "ab"),
    ("[\\d\\s]+", "a1 2b", "1 2"),
    ("[\\p{Lu}]+", "abCDe", "CD"),
    ("\\PL+", "ab12cd", "12"),
    ("\\p{^L}", "b1", "1"),
    ("(?s).+", "a\nb", "a\nb"),
    ("(?m)a$", "a\nb", "a"),
    ("(?U)a+", "aaa", "a"),
    ("(?U)a+?", "aaa", "aaa"),
    ("\\x{41}\\x42\\101", "ABA", "ABA"),
    ("\\Q.*\\E", "a.*b", ".*"),
    ("x{,3}", "x{,3}", "x{,3}"),
    ("[a-c&&b]", "&", "&"),
    ("[]a]", "]", "]"),
    ("\\b\\w", " hi", "h"),
    ("a|", "b", ""),
    ("\\_", "_", "_"),
])
def test_regex_whole_match(pattern: str, text: str, expected: str) -> None:
    result = call("regex", pattern, text)
    assert result.type == STRING
    assert result.v == expected


def test_regex_groups_shape_the_result() -> None:
    groups = call("regex", "(\\d+)-(\\d+)", "10-20")
    assert groups.type == TupleType([STRING, STRING])
    assert groups.to_python() == ["10", "20"]
    named = call("regex", "(?P<a>\\d+)-(?<b>\\d+)", "10-20")
    assert named.type == ObjectType({"a": STRING, "b": STRING})
    assert named.to_python() == {"a": "10", "b": "20"}
    assert call("regex", "(a)?b", "b").v == (V.null(STRING),)
    assert call("regex", "(?P<x>a)?b", "b").to_python() == {"x": None}
    assert call("regex", "(?P<a>x)(?P<a>y)", "xy").to_python() == {"a": "y"}


def test_regex_end_anchor_is_end_of_text() -> None:
    # Python's `$` would also match before a final newline; RE2's does not.
    fails("regex", "a$", "a\n", match="pattern did not match any part of the given string.")


@pytest.mark.parametrize(("pattern", "text", "expected"), [
    ("[a-z]+", "ab 12 cd", ["ab", "cd"]),
    ("x", "abc", []),
    ("", "ab", ["", "", ""]),
    ("a*", "baac", ["", "aa", ""]),
    ("a*|b", "ab", ["a", ""]),
])
def test_regexall_follows_go_empty_match_rules(pattern: str, text: str,
                                               expected: list[str]) -> None:
    result = call("regexall", pattern, text)
    assert result.type == ListType(STRING)
    assert result.to_python() == expected


def test_regexall_with_groups() -> None:
    pairs = call("regexall", "(\\d)(\\w)", "1a 2b")
    assert pairs.type == ListType(TupleType([STRING, STRING]))
    assert pairs.to_python() == [["1", "a"], ["2", "b"]]
    named = call("regexall", "(?P<n>\\d)", "1 2")
    assert named.type == ListType(ObjectType({"n": STRING}))
    assert named.to_python() == [{"n": "1"}, {"n": "2"}]


@pytest.mark.parametrize(("pattern", "detail"), [
    ("(", "missing closing ) in ("),
    ("a)", "unexpected ) in a)"),
    ("[a", "missing closing ] in [a"),
    ("[z-a]", "invalid character class range in z-a"),
    ("[[:foo:]]", "invalid character class range in [:foo:]"),
    ("\\p{Foo}", "invalid character class range in \\p{Foo}"),
    ("\\C", "invalid escape sequence in \\C"),
    ("\\Z", "invalid escape sequence in \\Z"),
    ("(a)\\1", "invalid escape sequence in \\1"),
    ("[a-\\d]", "invalid escape sequence in \\d"),
    ("a\\", "trailing backslash at end of expression in "),
    ("a(?=b)", "invalid or unsupported Perl syntax in (?="),
    ("(?<=a)b", "invalid named capture in (?<=a)b"),
    ("(?x) a", "invalid or unsupported Perl syntax in (?x"),
    ("(?i-)a", "invalid or unsupported Perl syntax in (?i-)"),
    ("(?P<a-b>x)", "invalid named capture in (?P<a-b>"),
    ("a++", "invalid nested repetition operator in ++"),
    ("a{2}*", "invalid nested repetition operator in {2}*"),
    ("*", "missing argument to repetition operator in *"),
    ("a{1001}", "invalid repeat count in {1001}"),
    ("x{2,1}", "invalid repeat count in {2,1}"),
    ("(?P<a>\\d)-(\\d)", "cannot mix both named and unnamed capture groups"),
])
def test_regex_rejects_what_re2_rejects(pattern: str, detail: str) -> None:
    err = fails("regex", pattern, "x", match=f'Invalid value for "pattern" parameter: invalid '
                f"regexp pattern: {detail}.")
    assert err.arg == 0


def test_regex_scripts_are_reported_as_unsupported() -> None:
    fails("regex", "\\p{Greek}", "\u03b1", match="Unicode script classes such as \\p{Greek} are "
          "not supported")


def test_regex_no_match_is_an_error() -> None:
    assert fails("regex", "x", "abc", match="pattern did not match any part of the given "
                 "string.").arg is None


@pytest.mark.parametrize(("text", "substr", "repl", "expected"), [
    ("hello", "/l+/", "[$0]", "he[ll]o"),
    ("abc-def", "/(\\w+)-(\\w+)/", "$2-$1", "def-abc"),
    ("abc-def", "/(?P<a>\\w+)-(?P<b>\\w+)/", "${b}_$a", "def_abc"),
    ("abc", "/(b)/", "$1x", "ac"),
    ("abc", "/(b)/", "${1}x", "abxc"),
    ("abc", "/b/", "$$", "a$c"),
    ("abc", "/b/", "$", "a$c"),
    ("abc", "/b/", "$!", "a$!c"),
    ("abxd", "/x*/", "-", "-a-b-d-"),
    ("a/b/c", "//", "x", "xax/xbx/xcx"),
    ("abc", "/B/", "x", "abc"),
])
def test_replace_with_regex(text: str, substr: str, repl: str, expected: str) -> None:
    assert call("replace", text, substr, repl).v == expected


def test_replace_reports_go_regexp_errors() -> None:
    err = fails("replace", "abc", "/(/", "x", match="error parsing regexp: missing closing ): "
                "`(`.")
    assert err.arg is None


# --- marks and unknowns ------------------------------------------------------

def test_sensitive_marks_survive_and_unknowns_propagate() -> None:
    secret = V.string("Hello").mark({V.SENSITIVE})
    assert call("upper", secret) == V.string("HELLO").mark({V.SENSITIVE})
    assert call("format", "%s!", secret).sensitive
    assert call("join", "-", V.list_([secret, V.string("x")])).sensitive
    assert call("regex", "l+", secret).sensitive
    assert call("split", "l", secret).sensitive
    assert call("startswith", secret, "H") == V.TRUE.mark({V.SENSITIVE})

    pending = V.unknown(STRING)
    for name, args in [("upper", [pending]), ("format", ["%s", pending]),
                       ("replace", [pending, "a", "b"]), ("substr", [pending, 0, 1]),
                       ("trimspace", [pending])]:
        result = call(name, *args)
        assert result.unknown and result.type == STRING, name
    assert call("split", ",", pending).type == ListType(STRING)
    assert call("regex", "(a)(b)", pending).type == TupleType([STRING, STRING])
    assert call("regexall", "(?P<x>a)", pending).type == ListType(ObjectType({"x": STRING}))
    assert call("startswith", pending, "") == V.TRUE
    assert call("startswith", pending, "a").unknown
    partly = call("formatlist", "<%s>", V.list_([V.string("a"), pending]))
    assert partly.v[0] == V.string("<a>") and partly.v[1].unknown
    assert call("formatlist", "%s", V.unknown(ListType(STRING))).unknown
