"""`govctl fmt`: format_source must write exactly what `terraform fmt` writes.

Every expected output in CASES was produced once by `terraform fmt` (Terraform
1.11.4) and is stored literally, so these tests run without Terraform; the
differential tests at the end re-check the table against a `terraform` on PATH.
Byte strings are written one source line per literal so that blanks at line
ends, CRLF and missing final newlines stay visible.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import NamedTuple

import pytest

from govctl.hcl.fmt import FormatError, format_source


class Case(NamedTuple):
    name: str
    source: bytes
    expected: bytes


CASES = [
    Case(
        "attribute_alignment",
        b"a = 1\n"
        b"bbb=2\n"
        b"cc    =    3\n"
        b"\n"
        b"after_blank = 4\n"
        b"x = 5\n"
        b"# own line\n"
        b"yy = 6\n",
        b"a   = 1\n"
        b"bbb = 2\n"
        b"cc  = 3\n"
        b"\n"
        b"after_blank = 4\n"
        b"x           = 5\n"
        b"# own line\n"
        b"yy = 6\n",
    ),
    Case(
        "alignment_broken_by_block_and_multiline_value",
        b"a = 1\n"
        b"block {\n"
        b"}\n"
        b"longer_name = 2\n"
        b"b = [\n"
        b"1,\n"
        b"]\n"
        b"ccc = 3\n"
        b"dd = 4\n",
        b"a = 1\n"
        b"block {\n"
        b"}\n"
        b"longer_name = 2\n"
        b"b = [\n"
        b"  1,\n"
        b"]\n"
        b"ccc = 3\n"
        b"dd  = 4\n",
    ),
    Case(
        "nested_blocks",
        b'resource "aws_s3_bucket" "logs" {\n'
        b'bucket = "logs"\n'
        b"    versioning {\n"
        b"  enabled = true\n"
        b"      }\n"
        b"  lifecycle_rule {\n"
        b'    id = "expire"\n'
        b"    expiration {\n"
        b"        days = 30\n"
        b"    }\n"
        b"  }\n"
        b"}\n",
        b'resource "aws_s3_bucket" "logs" {\n'
        b'  bucket = "logs"\n'
        b"  versioning {\n"
        b"    enabled = true\n"
        b"  }\n"
        b"  lifecycle_rule {\n"
        b'    id = "expire"\n'
        b"    expiration {\n"
        b"      days = 30\n"
        b"    }\n"
        b"  }\n"
        b"}\n",
    ),
    Case(
        "objects_and_tuples_multiline",
        b"locals {\n"
        b"  tags = {\n"
        b'  Name = "x"\n'
        b'      Environment = "dev"\n'
        b'  "Cost Center" = 12\n'
        b'  owner: "me"\n'
        b"  }\n"
        b"  list = [\n"
        b'  "a",\n'
        b'      "b",\n'
        b"  ]\n"
        b"  nested = [{\n"
        b"  a = 1\n"
        b"  }, {\n"
        b"  b = 2\n"
        b"  }]\n"
        b"  matrix = [[1, 2],\n"
        b"  [3, 4]]\n"
        b"}\n",
        b"locals {\n"
        b"  tags = {\n"
        b'    Name          = "x"\n'
        b'    Environment   = "dev"\n'
        b'    "Cost Center" = 12\n'
        b'    owner : "me"\n'
        b"  }\n"
        b"  list = [\n"
        b'    "a",\n'
        b'    "b",\n'
        b"  ]\n"
        b"  nested = [{\n"
        b"    a = 1\n"
        b"    }, {\n"
        b"    b = 2\n"
        b"  }]\n"
        b"  matrix = [[1, 2],\n"
        b"  [3, 4]]\n"
        b"}\n",
    ),
    Case(
        "one_line_objects_tuples_and_brackets",
        b'a = {x=1,y="two"}\n'
        b"b = [ 1,2 ,3 ]\n"
        b"c = {}\n"
        b"d = { }\n"
        b"e = [ ]\n"
        b"f = ( 1 )\n",
        b'a = { x = 1, y = "two" }\n'
        b"b = [1, 2, 3]\n"
        b"c = {}\n"
        b"d = {}\n"
        b"e = []\n"
        b"f = (1)\n",
    ),
    Case(
        "comments_three_kinds",
        b"# hash comment\n"
        b"  // slash comment\n"
        b"    /* block\n"
        b"       comment */\n"
        b"a = 1 # after a\n"
        b'bbb = "x" // after bbb\n'
        b"cc = 3 /* block after */\n"
        b"\n"
        b"list = [ # opens\n"
        b"  1, # one\n"
        b"  22, # two\n"
        b"] # closes\n",
        b"# hash comment\n"
        b"// slash comment\n"
        b"/* block\n"
        b"       comment */\n"
        b"a   = 1   # after a\n"
        b'bbb = "x" // after bbb\n'
        b"cc  = 3 /* block after */\n"
        b"\n"
        b"list = [ # opens\n"
        b"  1,     # one\n"
        b"  22,    # two\n"
        b"]        # closes\n",
    ),
    Case(
        "end_of_line_comments_align_without_assignments",
        b"foo {} # here we go\n"
        b"a = 1 # foo\n"
        b'bungle = "bonce" # baz\n',
        b"foo {}           # here we go\n"
        b"a      = 1       # foo\n"
        b'bungle = "bonce" # baz\n',
    ),
    Case(
        "heredocs",
        b'resource "x" "y" {\n'
        b"  plain = <<EOT\n"
        b"kept   as is   \n"
        b"    indented ${var.x}\n"
        b"EOT\n"
        b"  indented = <<-EOT\n"
        b"    line one\n"
        b"      line two\n"
        b"    EOT\n"
        b"  after = 1\n"
        b"}\n",
        b'resource "x" "y" {\n'
        b"  plain    = <<EOT\n"
        b"kept   as is   \n"
        b"    indented ${var.x}\n"
        b"EOT\n"
        b"  indented = <<-EOT\n"
        b"    line one\n"
        b"      line two\n"
        b"    EOT\n"
        b"  after    = 1\n"
        b"}\n",
    ),
    Case(
        "heredoc_in_alignment_run",
        b"a = 1\n"
        b"bbbb = <<EOT\n"
        b"x\n"
        b"EOT\n"
        b"cc = 2\n",
        b"a    = 1\n"
        b"bbbb = <<EOT\n"
        b"x\n"
        b"EOT\n"
        b"cc   = 2\n",
    ),
    Case(
        "templates_interpolations_directives",
        b'a = "hello ${ var.name }!"\n'
        b'b = "${ var.a+var.b } and ${var.c}"\n'
        b'c = "%{ if var.on }on%{ else }off%{ endif }"\n'
        b'd = "%{~ for s in var.list ~}${s},%{~ endfor ~}"\n'
        b'e = "escaped $${literal} and %%{literal}"\n'
        b'f = "tab\\t quote\\" backslash\\\\ unicode \\u00e9"\n'
        b"g = <<EOT\n"
        b"%{ for k, v in var.m ~}\n"
        b"${ k }=${ v }\n"
        b"%{ endfor ~}\n"
        b"EOT\n",
        b'a = "hello ${var.name}!"\n'
        b'b = "${var.a + var.b} and ${var.c}"\n'
        b'c = "%{if var.on}on%{else}off%{endif}"\n'
        b'd = "%{~for s in var.list~}${s},%{~endfor~}"\n'
        b'e = "escaped $${literal} and %%{literal}"\n'
        b'f = "tab\\t quote\\" backslash\\\\ unicode \\u00e9"\n'
        b"g = <<EOT\n"
        b"%{for k, v in var.m~}\n"
        b"${k}=${v}\n"
        b"%{endfor~}\n"
        b"EOT\n",
    ),
    Case(
        "interpolation_only_strings_unwrapped",
        b'a = "${var.x}"\n'
        b'b = "${var.x}-suffix"\n'
        b'c = "${ var.cond ? "a" : "b" }"\n'
        b'd = "${\n'
        b"  var.x\n"
        b'}"\n'
        b'e = "${var.a}${var.b}"\n'
        b'f = "${foo("${bar}")}"\n'
        b'g = "${ {a=1} }"\n'
        b'h = "${\n'
        b"  var.a\n"
        b"  + var.b\n"
        b'}"\n'
        b"block {\n"
        b'  inner = "${local.v}"\n'
        b'  obj = { k = "${local.v}" }\n'
        b"}\n",
        b"a = var.x\n"
        b'b = "${var.x}-suffix"\n'
        b'c = var.cond ? "a" : "b"\n'
        b"d = var.x\n"
        b'e = "${var.a}${var.b}"\n'
        b'f = foo("${bar}")\n'
        b"g = { a = 1 }\n"
        b"h = (var.a\n"
        b"+ var.b)\n"
        b"block {\n"
        b"  inner = local.v\n"
        b'  obj   = { k = "${local.v}" }\n'
        b"}\n",
    ),
    Case(
        "one_line_blocks",
        b'output "ip" {value=aws_instance.web.public_ip}\n'
        b'variable "empty" {}\n'
        b'variable "spaced" { }\n'
        b"locals { a = 1 }\n"
        b'resource "a" "b" { count = 1 } # trailing\n',
        b'output "ip" { value = aws_instance.web.public_ip }\n'
        b'variable "empty" {}\n'
        b'variable "spaced" {}\n'
        b"locals { a = 1 }\n"
        b'resource "a" "b" { count = 1 } # trailing\n',
    ),
    Case(
        "exponent_numbers",
        b"a = 1e3\n"
        b"b = 2E+10\n"
        b"c = 1.5e-3\n"
        b"d = [1e3,2e3]\n"
        b"e = 1e3*2\n",
        b"a = 1e3\n"
        b"b = 2E+10\n"
        b"c = 1.5e-3\n"
        b"d = [1e3, 2e3]\n"
        b"e = 1e3 * 2\n",
    ),
    Case(
        "operators_and_conditionals",
        b"a = 1+2*3/4%5-6\n"
        b"b = a==b&&c!=d||!e\n"
        b"c = a<b && c<=d && e>f && g>=h\n"
        b"d = var.n>0?var.n:1\n"
        b"e = -1\n"
        b"f = 3 - -2\n"
        b"g = [-1, 2, - 3]\n"
        b"h = a ? -1 : -2\n"
        b"i = x*-y\n"
        b"j = (a+b)*c\n"
        b"k = a ? b : c ? d : e\n",
        b"a = 1 + 2 * 3 / 4 % 5 - 6\n"
        b"b = a == b && c != d || !e\n"
        b"c = a < b && c <= d && e > f && g >= h\n"
        b"d = var.n > 0 ? var.n : 1\n"
        b"e = -1\n"
        b"f = 3 - -2\n"
        b"g = [-1, 2, -3]\n"
        b"h = a ? -1 : -2\n"
        b"i = x * -y\n"
        b"j = (a + b) * c\n"
        b"k = a ? b : c ? d : e\n",
    ),
    Case(
        "multiline_conditional",
        b"a = var.enabled ? {\n"
        b'name = "x"\n'
        b"} : {\n"
        b'name = "y"\n'
        b"}\n"
        b"b = (\n"
        b"var.a\n"
        b"? 1\n"
        b": 2\n"
        b")\n",
        b"a = var.enabled ? {\n"
        b'  name = "x"\n'
        b"  } : {\n"
        b'  name = "y"\n'
        b"}\n"
        b"b = (\n"
        b"  var.a\n"
        b"  ? 1\n"
        b"  : 2\n"
        b")\n",
    ),
    Case(
        "for_expressions",
        b"a = [for x in var.list: upper(x)]\n"
        b"b = [for i, x in var.list : x if i>0]\n"
        b"c = {for k,v in var.map: k=>v}\n"
        b"d = {for k, v in var.map : v => k...}\n"
        b"e = [for x in [1, 2] : x]\n"
        b"f = {\n"
        b"for k, v in var.map :\n"
        b"k => v\n"
        b"if v != null\n"
        b"}\n",
        b"a = [for x in var.list : upper(x)]\n"
        b"b = [for i, x in var.list : x if i > 0]\n"
        b"c = { for k, v in var.map : k => v }\n"
        b"d = { for k, v in var.map : v => k... }\n"
        b"e = [for x in [1, 2] : x]\n"
        b"f = {\n"
        b"  for k, v in var.map :\n"
        b"  k => v\n"
        b"  if v != null\n"
        b"}\n",
    ),
    Case(
        "splats_and_traversals",
        b"a = aws_instance.web[*].id\n"
        b"b = aws_instance.web.*.id\n"
        b"c = var.list[0].name\n"
        b'd = var.map["key"]\n'
        b"e = x.*[0]\n"
        b'f = "abc"[0]\n'
        b"g = f(x)[0]\n"
        b"h = x[ 1 ][ 2 ]\n",
        b"a = aws_instance.web[*].id\n"
        b"b = aws_instance.web.*.id\n"
        b"c = var.list[0].name\n"
        b'd = var.map["key"]\n'
        b"e = x.* [0]\n"
        b'f = "abc" [0]\n'
        b"g = f(x)[0]\n"
        b"h = x[1][2]\n",
    ),
    Case(
        "function_calls_with_ellipsis",
        b"a = max(var.list...)\n"
        b"b = concat( var.a , var.b )\n"
        b"c = merge(var.maps...)\n"
        b'd = format("%s-%s", var.a, var.b)\n'
        b"e = provider::aws::arn_parse(var.arn)\n"
        b"f = f()\n"
        b"g = foo(\n"
        b"1,\n"
        b"- 2,\n"
        b"a*b,\n"
        b")\n",
        b"a = max(var.list...)\n"
        b"b = concat(var.a, var.b)\n"
        b"c = merge(var.maps...)\n"
        b'd = format("%s-%s", var.a, var.b)\n'
        b"e = provider::aws::arn_parse(var.arn)\n"
        b"f = f()\n"
        b"g = foo(\n"
        b"  1,\n"
        b"  -2,\n"
        b"  a * b,\n"
        b")\n",
    ),
    Case(
        "block_labels_quoted",
        b"resource aws_instance web {\n"
        b'  ami = "ami-1"\n'
        b"}\n"
        b'resource "a" /* gone */ "b" {\n'
        b"}\n"
        b'resource "c" "\\u0041" {\n'
        b"}\n",
        b'resource "aws_instance" "web" {\n'
        b'  ami = "ami-1"\n'
        b"}\n"
        b'resource "a" "b" {\n'
        b"}\n"
        b'resource "c" "A" {\n'
        b"}\n",
    ),
    Case(
        "variable_type_legacy_forms",
        b'variable "a" {\n'
        b'  type = "string"\n'
        b"}\n"
        b'variable "b" {\n'
        b'  type = "list"\n'
        b"}\n"
        b'variable "c" {\n'
        b'  type = "map"\n'
        b"}\n"
        b'variable "d" {\n'
        b"  type = list\n"
        b"}\n"
        b'variable "e" {\n'
        b"  type = set\n"
        b"}\n"
        b'variable "f" {\n'
        b"  type = map(string)\n"
        b"}\n",
        b'variable "a" {\n'
        b"  type = string\n"
        b"}\n"
        b'variable "b" {\n'
        b"  type = list(string)\n"
        b"}\n"
        b'variable "c" {\n'
        b"  type = map(string)\n"
        b"}\n"
        b'variable "d" {\n'
        b"  type = list(any)\n"
        b"}\n"
        b'variable "e" {\n'
        b"  type = set(any)\n"
        b"}\n"
        b'variable "f" {\n'
        b"  type = map(string)\n"
        b"}\n",
    ),
    Case(
        "blank_lines_and_whitespace_kept_or_trimmed",
        b"\n"
        b"\n"
        b"a = 1   \n"
        b"\n"
        b"\n"
        b"\n"
        b"b = 2\n"
        b"  \t\n"
        b"c = 3\n"
        b"\n"
        b"\n",
        b"\n"
        b"\n"
        b"a = 1\n"
        b"\n"
        b"\n"
        b"\n"
        b"b = 2\n"
        b"\n"
        b"c = 3\n"
        b"\n"
        b"\n",
    ),
    Case(
        "crlf_line_endings_kept",
        b"a = 1\r\n"
        b"bbb = 2 # c\r\n"
        b"block {\r\n"
        b"x=1\r\n"
        b"}\r\n",
        b"a   = 1\r\n"
        b"bbb = 2 # c\r\n"
        b"block {\r\n"
        b"  x = 1\r\n"
        b"}\r\n",
    ),
    Case(
        "no_final_newline",
        b"a=1",
        b"a = 1",
    ),
    Case(
        "tabs_become_indentation",
        b"block {\n"
        b'\tname\t=\t"x"\n'
        b"\tinner {\n"
        b"\t\tv = 1\n"
        b"\t}\n"
        b"}\n",
        b"block {\n"
        b'  name = "x"\n'
        b"  inner {\n"
        b"    v = 1\n"
        b"  }\n"
        b"}\n",
    ),
    Case(
        "unicode_alignment_counts_characters",
        b"\xc3\xa9t\xc3\xa9 = 1 # one\n"
        b'name = "\xf0\x9f\x87\xac\xf0\x9f\x87\xa7" # flag\n'
        b'zebra = "striped" # two\n',
        b"\xc3\xa9t\xc3\xa9   = 1         # one\n"
        b'name  = "\xf0\x9f\x87\xac\xf0\x9f\x87\xa7"       # flag\n'
        b'zebra = "striped" # two\n',
    ),
    Case(
        "degenerate_brackets",
        b"x = [[\n"
        b"[\n"
        b"a\n"
        b"]]\n"
        b"]\n"
        b"y = [[\n"
        b"a\n"
        b"]]\n",
        b"x = [[\n"
        b"  [\n"
        b"    a\n"
        b"  ]]\n"
        b"]\n"
        b"y = [[\n"
        b"  a\n"
        b"]]\n",
    ),
    Case(
        "empty_file",
        b"",
        b"",
    ),
]


class Deviation(NamedTuple):
    """Where govctl knowingly differs from terraform fmt, and what Terraform writes."""

    name: str
    source: bytes
    expected: bytes
    terraform: bytes


DEVIATIONS = [
    # Terraform unwraps one level per run, so its output changes again on a
    # second run; govctl unwraps to the end to stay idempotent.
    Deviation(
        "nested_interpolations_unwrapped_in_one_run",
        b'a = "${"${x}"}"\n',
        b"a = x\n",
        b'a = "${x}"\n',
    ),
    # hclsyntax cuts such a label into two literal tokens and Terraform then
    # silently deletes the label, changing the configuration; govctl keeps it.
    Deviation(
        "label_with_dollar_kept",
        b'resource "a$b" "c" {}\n',
        b'resource "a$b" "c" {}\n',
        b'resource "c" {}\n',
    ),
]

ALL = [*CASES, *(Case(d.name, d.source, d.expected) for d in DEVIATIONS)]


@pytest.mark.parametrize("case", ALL, ids=lambda c: c.name)
def test_format(case: Case) -> None:
    assert format_source(case.source) == case.expected


@pytest.mark.parametrize("case", ALL, ids=lambda c: c.name)
def test_idempotent(case: Case) -> None:
    once = format_source(case.source)
    assert format_source(once) == once
    assert format_source(case.expected) == case.expected


# (source, line, column, message): all rejected by Terraform as well, including
# the mistakes tree-sitter-hcl lets through.
BROKEN = [
    (b'resource "a" "b" {\n  x = 1\n', 1, 18, "Unclosed configuration block"),
    (b'a = "\\q"\n', 1, 6, "Invalid escape sequence"),
    (b"a = <<EOT\nfoo\n", 1, 5, "Unterminated heredoc"),
    (b'a = "${x"\n', 1, 6, "Unclosed template interpolation sequence"),
    (b"x {\n  a = [1,\n}\n", 2, 10, "Invalid expression"),
    (b"a = 1\n}\n", 2, 1, "Unexpected closing brace"),
    # tolerated by tree-sitter-hcl, rejected by hclsyntax
    (b"a = 1 b = 2\n", 1, 7, "Missing newline after argument"),
    (b"a {\n  b = 1 }\n", 2, 9, "Missing newline after argument"),
    (b"a { b = 1 c = 2 }\n", 1, 11, "Invalid single-argument block definition"),
    (b"a { b = 1\n}\n", 1, 5, "Invalid single-argument block definition"),
    (b"block\n{\n}\n", 2, 1, "Invalid block definition"),
    (b"a = {\n  b = 1 c = 2\n}\n", 2, 9, "Missing attribute separator"),
    (b"a = 1 +\n  2\n", 1, 8, "Invalid expression"),
    (b'a = "x\ny"\n', 1, 7, "Invalid multi-line string"),
    (b"a = 0x10\n", 1, 5, "Invalid number literal"),
    (b"a = [for x inb : x]\n", 1, 12, "Invalid syntax"),
    (b"a = x.0.1\n", 1, 7, "Invalid legacy index syntax"),
    (b"a = provider::aws::arn\n", 1, 5, "Missing open parenthesis"),
    (b"{ a = 1 }\n", 1, 1, "Argument or block definition required"),
    (b'a = "\xff"\n', 1, 6, "Invalid character encoding"),
    # the column counts characters: "é" and "café" are one column per letter
    (b'\xc3\xa9 = "caf\xc3\xa9 ${}"\n', 1, 13, "Invalid expression"),
]


@pytest.mark.parametrize(("source", "line", "column", "message"), BROKEN)
def test_broken_input_raises(source: bytes, line: int, column: int, message: str) -> None:
    with pytest.raises(FormatError) as info:
        format_source(source)
    assert (info.value.line, info.value.column, info.value.message) == (line, column, message)
    assert str(info.value).startswith(f"{line}:{column}: ")


def test_bad_bytes_allowed_in_comments_only() -> None:
    assert format_source(b"a=1 # \xff\n") == b"a = 1 # \xff\n"


# --- differential tests against a real Terraform ------------------------------

needs_terraform = pytest.mark.skipif(shutil.which("terraform") is None,
                                     reason="terraform is not on PATH")


def terraform_fmt(source: bytes) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "TF_CLI_CONFIG_FILE": os.devnull, "TF_IN_AUTOMATION": "1"}
    return subprocess.run(["terraform", "fmt", "-no-color", "-"], input=source,
                          capture_output=True, env=env, timeout=120, check=False)


def as_stdout(formatted: bytes) -> bytes:
    """`terraform fmt -` prints through a UI writer that drops one final newline
    and then ends the output with one; a file would get the bytes unchanged."""
    return formatted.removesuffix(b"\n") + b"\n"


@needs_terraform
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_matches_terraform(case: Case) -> None:
    result = terraform_fmt(case.source)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert result.stdout == as_stdout(format_source(case.source))


@needs_terraform
@pytest.mark.parametrize("deviation", DEVIATIONS, ids=lambda d: d.name)
def test_deviations_are_still_terraform_behaviour(deviation: Deviation) -> None:
    result = terraform_fmt(deviation.source)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert result.stdout == as_stdout(deviation.terraform)


@needs_terraform
@pytest.mark.parametrize("source", [b[0] for b in BROKEN])
def test_terraform_rejects_broken_input_too(source: bytes) -> None:
    assert terraform_fmt(source).returncode != 0
