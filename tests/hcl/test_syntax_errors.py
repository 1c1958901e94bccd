"""Malformed input gives worded diagnostics at the right place, and never raises.

Summaries follow Terraform 1.11 (`terraform validate -json`) except where
noted: an unterminated heredoc or string points at its opener, which tells
more than Terraform's end-of-file position.
"""

from __future__ import annotations

import random

import pytest

from govctl.hcl.parser import parse, parse_expression, parse_template


def errors(text: str) -> list[tuple[str, int, int]]:
    _f, diags = parse(text.encode(), "main.tf")
    assert diags, "expected diagnostics"
    out = []
    for d in diags:
        assert d.range is not None
        out.append((d.summary, d.range.start.line, d.range.start.column))
    return out


def first(text: str):
    _, diags = parse(text.encode(), "main.tf")
    assert diags
    return diags[0]


@pytest.mark.parametrize(("text", "summary", "line", "col"), [
    ("a {\n  b = 1\n", "Unclosed configuration block", 1, 3),
    ('a "b" {\n  c = 1\n', "Unclosed configuration block", 1, 7),
    ("a = 1\nb 2\n", "Argument or block definition required", 2, 1),
    ('a = "\\q"\n', "Invalid escape sequence", 1, 6),
    ('a = "\\u12"\n', "Invalid escape sequence", 1, 6),
    ("a = <<EOT\nhello\n", "Unterminated heredoc", 1, 5),
    ('a = "abc\n', "Unterminated template string", 1, 5),
    ("a = 1\na = 2\n", "Attribute redefined", 2, 1),
    ("a = 1\n}\n", "Unexpected closing brace", 2, 1),
    ("a = 1 +\n", "Invalid expression", 1, 8),
    ("a = 1 == \n", "Invalid expression", 1, 9),
    ("a = [1, 2\n", "Unterminated tuple constructor expression", 1, 5),
    ("a = 1 2\n", "Missing newline after argument", 1, 7),
    ('x = "a" "b"\n', "Missing newline after argument", 1, 9),
    ("a = f(1\n", "Unterminated function call", 1, 5),
    ("a = {\n b = 1\n", "Unterminated object constructor expression", 1, 5),
    ("x = (1\n", "Unbalanced parentheses", 1, 5),
    ("x = ]\n", "Invalid expression", 1, 5),
    ("= 1\n", "Argument or block definition required", 1, 1),
    ('x = "${a"\n', "Unclosed template interpolation sequence", 1, 6),
    ("x = a.0.1\n", "Invalid legacy index syntax", 1, 7),
    ("a {\n  x = 1 2\n}\n", "Missing newline after argument", 2, 9),
    ("a {\n  b 1\n}\n", "Argument or block definition required", 2, 3),
])
def test_summary_line_and_column(text, summary, line, col):
    assert errors(text)[0] == (summary, line, col)


def test_invalid_escape_detail_names_the_selector():
    d = first('a = "é\\q"\n')
    assert d.detail == 'The symbol "q" is not a valid escape sequence selector.'
    assert (d.range.start.column, d.range.end.column) == (7, 9)
    d = first('a = "\\u12"\n')
    assert "four hexadecimal digits" in d.detail


def test_unencodable_unicode_escape():
    _, diags = parse_expression('"\\ud800"')
    assert diags[0].summary == "Invalid escape sequence"
    assert diags[0].detail == "Cannot encode character U+d800 in UTF-8."


def test_duplicate_attribute_detail_points_at_the_first():
    f, diags = parse(b"a = 1\n  a = 2\n", "dup.tf")
    assert f is not None  # the file is still usable; the diagnostic is an error
    assert diags[0].detail == ('The argument "a" was already set at dup.tf:1,1. Each argument '
                               "may be set only once.")
    assert (diags[0].range.start.line, diags[0].range.start.column) == (2, 3)


def test_render_has_snippet_and_caret():
    d = first("a {\n  b = 1\n")
    assert d.render().splitlines()[:4] == [
        "Error: Unclosed configuration block",
        "  on main.tf line 1, column 3:",
        "   1 | a {",
        "         ^",
    ]


def test_render_caret_after_multibyte_text():
    d = first('a = "ééé\\q"\n')
    lines = d.render().splitlines()
    assert lines[2] == '   1 | a = "ééé\\q"'
    assert lines[3] == "               ^^"


def test_render_caret_for_missing_expression():
    lines = first("a = 1 +\n").render().splitlines()
    assert lines[2:4] == ["   1 | a = 1 +", "              ^"]


def test_several_errors_are_all_reported_one_per_line():
    got = errors("a = 1\nb 2\nc = 3 4\nd = )\n")
    assert got == [
        ("Argument or block definition required", 2, 1),
        ("Missing newline after argument", 3, 7),
        ("Invalid expression", 4, 5),
    ]
    got = errors("a {\n  b 1\n  c = 2 3\n  d = \n}\ne = 5\n")
    assert [g[1] for g in got] == [2, 3, 4]
    got = errors("a {\n  x = 1 2\n  y = ]\n}\n")
    assert got == [("Missing newline after argument", 2, 9), ("Invalid expression", 3, 7)]


def test_one_error_per_line():
    lines = [g[1] for g in errors('a = "\\q" "\\w" 1 2\n')]
    assert lines == sorted(set(lines))


def test_unclosed_constructs_do_not_echo():
    """After an unclosed block or heredoc, the rest of the file is not re-reported."""
    assert len(errors("a {\n  b = 1\nc = 2\nd = 3\n")) == 1
    assert errors("a = <<EOT\nhello\nworld\n") == [("Unterminated heredoc", 1, 5)]


def test_invalid_utf8():
    _, diags = parse(b'a = "\xff"\n', "bad.tf")
    assert diags[0].summary == "Invalid character encoding"
    assert (diags[0].range.start.line, diags[0].range.start.column) == (1, 6)


def test_parse_expression_errors():
    e, diags = parse_expression("1 +")
    assert e is None and diags[0].summary == "Invalid expression"
    e, diags = parse_expression("a = 1")
    assert e is None and diags
    e, diags = parse_expression("")
    assert e is None and diags


def test_parse_template_errors():
    e, diags = parse_template("a ${b", "t.tpl")
    assert e is None and diags
    assert diags[0].range.filename == "t.tpl"


VALID = b'''# comment
resource "aws_s3_bucket" "b" {
  bucket = "x-${var.name}"   // trailing
  tags   = { Name = "\xc3\xa9", "k" = [1, 2.5, 1e3] }
  /* block */
  count = var.on ? 1 : 0
  list  = [for x in var.xs : upper(x) if x != ""]
  obj   = { for k, v in var.m : k => v... }
  splat = aws_instance.a[*].id
  tpl   = <<-EOT
    hello %{ if var.x ~} yes %{~ else } no %{ endif }
    ${var.y}
  EOT
  fn = provider::aws::arn_parse(x).region
  dyn "a" {
    content { a = each.value.0 }
  }
}
'''


def _check_never_raises(data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    for result in (parse(data, "fuzz.tf"), parse_expression(text),
                   parse_template(text, "fuzz.tpl")):
        node, diags = result
        for d in diags:
            d.render()
        if node is None:
            assert diags, data


def test_valid_fixture_parses():
    f, diags = parse(VALID, "valid.tf")
    assert f is not None and not diags


def test_truncations_of_a_valid_file_never_raise():
    for i in range(len(VALID)):
        _check_never_raises(VALID[:i])


def test_random_garbage_never_raises():
    rng = random.Random(20240611)
    alphabet = b'{}[]()"=$%~\\\n #/*<>-.,:?!&|+0123456789aeEtrufnlx\xc3\xa9\xff'
    for _ in range(1500):
        _check_never_raises(bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 40))))
    for _ in range(500):
        b = bytearray(VALID)
        i = rng.randrange(len(b))
        b[i:i + rng.randint(0, 3)] = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 3)))
        _check_never_raises(bytes(b))
    for _ in range(200):
        _check_never_raises(bytes(rng.randrange(256) for _ in range(rng.randint(0, 60))))
