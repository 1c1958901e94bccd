"""Each form of HCL native syntax parses into the right govctl AST node.

Expected values follow HCL's specification; template whitespace rules were
checked against Terraform 1.11 (`terraform console`, `templatefile`).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from govctl.hcl import ast
from govctl.hcl.parser import parse, parse_expression, parse_template
from govctl.lang.eval import Scope, evaluate


def expr(text: str) -> ast.Expr:
    e, diags = parse_expression(text)
    assert not diags, [d.render() for d in diags]
    assert e is not None
    return e


def parse_ok(text: str) -> ast.File:
    f, diags = parse(text.encode(), "main.tf")
    assert not diags, [d.render() for d in diags]
    assert f is not None
    return f


def string_of(text: str) -> str:
    """Evaluate a template (no variables) to its string."""
    v = evaluate(expr(text), Scope(functions={}))
    assert isinstance(v.v, str)
    return v.v


def attr_value(config: str, name: str = "x") -> object:
    f = parse_ok(config)
    return evaluate(f.body.attributes[name].expr, Scope(functions={})).to_python()


def shape(e: object) -> object:
    """A compact, position-free picture of an expression tree."""
    if isinstance(e, ast.Literal):
        return e.value
    if isinstance(e, ast.Variable):
        return e.name
    if isinstance(e, ast.SplatItem):
        return "*"
    if isinstance(e, ast.Paren):
        return ("()", shape(e.inner))
    if isinstance(e, ast.GetAttr):
        return (".", shape(e.obj), e.name)
    if isinstance(e, ast.Index):
        return ("[]", shape(e.obj), shape(e.key))
    if isinstance(e, ast.Splat):
        return ("[*]" if e.full else ".*", shape(e.source), shape(e.each))
    if isinstance(e, ast.Binary):
        return (e.op, shape(e.left), shape(e.right))
    if isinstance(e, ast.Unary):
        return (e.op, shape(e.operand))
    if isinstance(e, ast.Conditional):
        return ("?:", shape(e.cond), shape(e.true), shape(e.false))
    if isinstance(e, ast.Call):
        return ("call", e.name, [shape(a) for a in e.args], e.expand)
    if isinstance(e, ast.TupleCons):
        return ["tuple", *[shape(i) for i in e.items]]
    if isinstance(e, ast.ObjectCons):
        return {"object": [(shape(k), shape(v)) for k, v in e.items]}
    if isinstance(e, ast.ForExpr):
        return ("for", e.key_var, e.val_var, shape(e.coll),
                shape(e.key_expr) if e.key_expr else None, shape(e.val_expr),
                shape(e.cond) if e.cond else None, e.group)
    if isinstance(e, ast.Template):
        return ("tpl", [p if isinstance(p, str) else shape(p) for p in e.parts])
    if isinstance(e, ast.TemplateIf):
        return ("if", shape(e.cond), [p if isinstance(p, str) else shape(p) for p in e.then_parts],
                [p if isinstance(p, str) else shape(p) for p in e.else_parts])
    if isinstance(e, ast.TemplateFor):
        return ("tfor", e.key_var, e.val_var, shape(e.coll),
                [p if isinstance(p, str) else shape(p) for p in e.body])
    raise AssertionError(type(e))


# --- structure -------------------------------------------------------------

def test_blocks_with_zero_one_two_labels_quoted_and_bare():
    f = parse_ok('a {}\nb "one" {}\nc "x" y {}\nd one "two" {\n}\n')
    got = [(b.type, b.labels) for b in f.body.blocks]
    assert got == [("a", []), ("b", ["one"]), ("c", ["x", "y"]), ("d", ["one", "two"])]


def test_label_escapes_are_decoded():
    f = parse_ok('r "a\\"b" "\\u00e9" {}\n')
    assert f.body.blocks[0].labels == ['a"b', "é"]


def test_attributes_and_nested_blocks():
    f = parse_ok('top = 1\nouter "l" {\n  inner = "v"\n  nested {\n    deep = true\n  }\n}\n')
    assert list(f.body.attributes) == ["top"]
    outer = f.body.blocks[0]
    assert list(outer.body.attributes) == ["inner"]
    assert outer.body.blocks_of("nested")[0].body.attributes["deep"].expr.value is True


def test_one_line_blocks():
    f = parse_ok('variable "x" { default = 1 }\nempty {}\n')
    v, empty = f.body.blocks
    assert shape(v.body.attributes["default"].expr) == 1
    assert empty.body.attributes == {} and empty.body.blocks == []


def test_comments_of_every_kind_are_ignored():
    f = parse_ok("# hash\na = 1 # trailing\n// slashes\nb = 2 // trailing\n"
                 "/* block\n   comment */ c = 3\nd = /* inline */ 4\n")
    assert {k: shape(a.expr) for k, a in f.body.attributes.items()} == \
        {"a": 1, "b": 2, "c": 3, "d": 4}


def test_empty_file_and_only_comments():
    assert parse_ok("").body.attributes == {}
    assert parse_ok("# nothing\n").body.blocks == []


def test_block_def_range_and_label_range():
    f = parse_ok('resource "aws_s3_bucket" "b" {\n}\n')
    b = f.body.blocks[0]
    r = b.def_range
    assert (r.start.line, r.start.column, r.end.column) == (1, 1, 29)
    assert b.label_range(1).start.column == 26


# --- literals ----------------------------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("1", 1), ("0", 0), ("1.5", Decimal("1.5")), ("1e3", 1000), ("1.5e-3", Decimal("0.0015")),
    ("1E+2", 100), ("2e0", 2), ("12345678901234567890123", 12345678901234567890123),
    ("true", True), ("false", False), ("null", None),
])
def test_literals(text, value):
    e = expr(text)
    assert isinstance(e, ast.Literal)
    assert e.value == value
    assert type(e.value) is type(value)


@pytest.mark.parametrize(("text", "value"), [
    (r'"a\nb"', "a\nb"), (r'"a\rb"', "a\rb"), (r'"a\tb"', "a\tb"), (r'"a\"b"', 'a"b'),
    (r'"a\\b"', "a\\b"), (r'"\u00e9"', "é"), (r'"\U0001F600"', "😀"),
    (r'"$${x}"', "${x}"), (r'"%%{x}"', "%{x}"), (r'"$$"', "$$"), (r'"%%"', "%%"),
    (r'"a$"', "a$"), (r'"100%"', "100%"), (r'"\\$${x}"', "\\${x}"), (r'"$$$${"', "$$${"),
    ('""', ""), ('"é ü"', "é ü"),
])
def test_string_escapes(text, value):
    e = expr(text)
    assert isinstance(e, ast.Literal)
    assert e.value == value


def test_interpolation_parts():
    assert shape(expr('"a ${b} c"')) == ("tpl", ["a ", "b", " c"])
    assert shape(expr('"${a}${b}"')) == ("tpl", ["a", "b"])
    # a lone interpolation stays a one-part template (evaluation unwraps it)
    assert shape(expr('"${a}"')) == ("tpl", ["a"])


# --- template directives and strip markers ------------------------------------

@pytest.mark.parametrize(("text", "result"), [
    ('"a %{ if true ~} b %{~ endif } c"', "a b c"),
    ('"a %{~ if true ~} b %{~ else ~} c %{~ endif ~} d"', "abd"),
    ('"a %{~ if false ~} b %{~ else ~} c %{~ endif ~} d"', "acd"),
    ('"a %{ if false } b %{ else } c %{ endif } d"', "a  c  d"),
    ('"a ${ "x" } b"', "a x b"),
    ('"a ${~ "x" ~} b"', "axb"),
    ('"a ${~ "x" } b"', "ax b"),
    ('"a ${ "x" ~} b"', "a xb"),
    ('"[%{ for x in [1,2] ~} ${x} %{~ endfor }]"', "[12]"),
    ('"[%{ for i, x in ["a","b"] }${i}=${x},%{ endfor }]"', "[0=a,1=b,]"),
    ('"%{ for k, v in {a=1} }${k}:${v}%{ endfor }"', "a:1"),
    ('"x %{~ for x in [1,2] } ${x} %{ endfor ~} y"', "x 1  2 y"),
    ('"a \\n ${~ "x"}"', "ax"),   # escaped whitespace is stripped too
    ('"%{if true}${1}%{endif}"', "1"),
])
def test_template_directives_and_strip_markers(text, result):
    """Every value here is what Terraform 1.11 prints for the same input."""
    assert string_of(text) == result


def test_template_directive_ast():
    assert shape(expr('"%{ if c }a%{ else }b%{ endif }"')) == \
        ("tpl", ["", ("if", "c", ["a"], ["b"])])
    assert shape(expr('"%{ for k, v in m ~} ${k} %{~ endfor }"')) == \
        ("tpl", ["", ("tfor", "k", "v", "m", ["k"])])


def test_strip_that_leaves_no_text_does_not_unwrap():
    """HCL unwraps only a lone `${x}`: `" ${~ 1}"` is still the string "1"."""
    v = evaluate(expr('" ${~ 1}"'), Scope(functions={}))
    assert v.v == "1" and v.type.friendly() == "string"


# --- heredocs -----------------------------------------------------------------

HEREDOCS = '''a = <<EOT
  hello
    ${"x"}
  world
EOT
b = <<-EOT
    hello
      ${"x"} y
    world
    EOT
c = <<-EOT
    hello

      x
  EOT
d = <<-EOT
    ${"a"} hello
  x
  EOT
e = <<-EOT
\thello
\t  x
  EOT
f = <<-EOT
  a
      EOT
g = <<EOT
EOT
h = <<-EOT
  %{ if true ~}
    yes
  %{~ endif }
  EOT
i = <<EOT
a
  ${~ "x"}
EOT
j = <<EOT
${"x" ~}
  b
EOT
k = <<EOT
%{ for x in [1,2] ~}
${x}
%{ endfor ~}
EOT
l = <<-EOT
    %{~ for x in [1,2] ~}
    ${x}
    %{~ endfor ~}
    done
  EOT
m = <<EOT
a $${x} %%{y} \\n \\t
EOT
'''

# Terraform 1.11's values (jsonencode of each local).
HEREDOC_VALUES = {
    "a": "  hello\n    x\n  world\n",
    "b": "hello\n  x y\nworld\n",
    "c": "hello\n\n  x\n",
    "d": "  a hello\nx\n",        # a line starting with ${} has indentation 0
    "e": "hello\n  x\n",
    "f": "a\n",                   # the closing marker's indentation does not count
    "g": "",
    "h": "      yes\n\n",         # `~` trims tokens before the indentation is measured
    "i": "a\nx\n",                # `${~` trims only its own line's text
    "j": "x  b\n",                # `~}` trims only the rest of its own line
    "k": "1\n2\n",
    "l": "    1\n    2\n    done\n",
    "m": "a ${x} %{y} \\n \\t\n",  # no backslash escapes in heredocs
}


@pytest.mark.parametrize("name", sorted(HEREDOC_VALUES))
def test_heredocs(name):
    assert attr_value(HEREDOCS, name) == HEREDOC_VALUES[name]


def test_heredoc_ast_keeps_interpolations():
    f = parse_ok('x = <<EOT\na ${b}\nEOT\n')
    e = f.body.attributes["x"].expr
    assert isinstance(e, ast.Template) and e.heredoc
    assert shape(e) == ("tpl", ["a ", "b", "\n"])


@pytest.mark.parametrize(("text", "value"), [
    ("a  \n${~ \"x\"}\n", "ax\n"),
    ("${\"x\" ~}\n  b\n", "x  b\n"),
    ("a\n  ${~ \"x\"}\n", "a\nx\n"),
    ("%{ for x in [1,2] ~}\n${x}\n%{ endfor ~}\n", "1\n2\n"),
    ("x\n\n", "x\n\n"),
    ("", ""),
    ("a\\n $${x}", "a\\n ${x}"),
])
def test_template_files(text, value):
    """templatefile() rules (Terraform 1.11): heredoc-like, no escapes, newline kept."""
    e, diags = parse_template(text, "t.tpl")
    assert not diags and e is not None
    assert evaluate(e, Scope(functions={})).v == value


def test_template_file_lone_interpolation_keeps_type():
    e, _ = parse_template("${[1, 2]}", "t.tpl")
    assert evaluate(e, Scope(functions={})).to_python() == [1, 2]
    e, _ = parse_template("${1}\n", "t.tpl")
    assert evaluate(e, Scope(functions={})).v == "1\n"


# --- operators ----------------------------------------------------------------

@pytest.mark.parametrize(("text", "tree"), [
    ("a || b && c == d < e + f * -g",
     ("||", "a", ("&&", "b", ("==", "c", ("<", "d", ("+", "e", ("*", "f", ("-", "g")))))))),
    ("a * b + c < d == e && f || g",
     ("||", ("&&", ("==", ("<", ("+", ("*", "a", "b"), "c"), "d"), "e"), "f"), "g")),
    ("a - b - c", ("-", ("-", "a", "b"), "c")),
    ("a / b / c", ("/", ("/", "a", "b"), "c")),
    ("a % b * c", ("*", ("%", "a", "b"), "c")),
    ("a == b != c", ("!=", ("==", "a", "b"), "c")),
    ("a <= b", ("<=", "a", "b")), ("a >= b", (">=", "a", "b")), ("a > b", (">", "a", "b")),
    ("!a && b", ("&&", ("!", "a"), "b")),
    ("!a == b", ("==", ("!", "a"), "b")),
    ("-a.b[0]", ("-", ("[]", (".", "a", "b"), 0))),
    ("a - -b", ("-", "a", ("-", "b"))),
    ("(a + b) * c", ("*", ("()", ("+", "a", "b")), "c")),
])
def test_operator_precedence(text, tree):
    assert shape(expr(text)) == tree


@pytest.mark.parametrize(("text", "tree"), [
    ("a ? b : c", ("?:", "a", "b", "c")),
    ("a ? b : c ? d : e", ("?:", "a", "b", ("?:", "c", "d", "e"))),
    ("a ? b : c ? d : e ? f : g", ("?:", "a", "b", ("?:", "c", "d", ("?:", "e", "f", "g")))),
    ("a ? b ? c : d : e", ("?:", "a", ("?:", "b", "c", "d"), "e")),
    ("(a ? b : c) ? d : e", ("?:", ("()", ("?:", "a", "b", "c")), "d", "e")),
    ("a || b ? c : d", ("?:", ("||", "a", "b"), "c", "d")),
    ("a ? b : c || d", ("?:", "a", "b", ("||", "c", "d"))),
])
def test_conditionals_are_right_associative(text, tree):
    assert shape(expr(text)) == tree


def test_nested_conditional_evaluates_like_terraform():
    assert evaluate(expr("true ? 1 : false ? 2 : 3"), Scope(functions={})).v == 1
    assert evaluate(expr("false ? 1 : true ? 2 : 3"), Scope(functions={})).v == 2


# --- collections and for expressions ------------------------------------------

def test_tuple_and_object_constructors():
    assert shape(expr("[1, a, [2]]")) == ["tuple", 1, "a", ["tuple", 2]]
    assert shape(expr("[]")) == ["tuple"]
    assert shape(expr('{a = 1, "b" = 2, (c) = 3, d: 4}')) == \
        {"object": [("a", 1), ("b", 2), (("()", "c"), 3), ("d", 4)]}
    assert shape(expr("{\n a = 1\n b = 2\n}")) == {"object": [("a", 1), ("b", 2)]}


def test_keyword_object_keys_are_names():
    assert shape(expr("{null = 1, true = 2, false = 3}")) == \
        {"object": [("null", 1), ("true", 2), ("false", 3)]}


def test_dotted_object_key_is_ambiguous():
    _e, diags = parse_expression("{a.b = 1}")
    assert [d.summary for d in diags] == ["Ambiguous attribute key"]


@pytest.mark.parametrize(("text", "tree"), [
    ("[for x in xs : x]", ("for", None, "x", "xs", None, "x", None, False)),
    ("[for i, x in xs : i if x]", ("for", "i", "x", "xs", None, "i", "x", False)),
    ("{for k, v in m : k => v}", ("for", "k", "v", "m", "k", "v", None, False)),
    ("{for k, v in m : v => k...}", ("for", "k", "v", "m", "v", "k", None, True)),
    ("{for x in xs : x => x if x != \"\"}",
     ("for", None, "x", "xs", "x", "x", ("!=", "x", ""), False)),
])
def test_for_expressions(text, tree):
    assert shape(expr(text)) == tree


# --- traversals -----------------------------------------------------------------

@pytest.mark.parametrize(("text", "tree"), [
    ("a.b.c", (".", (".", "a", "b"), "c")),
    ("a[0]", ("[]", "a", 0)),
    ('a["k"]', ("[]", "a", "k")),
    ("a.0", ("[]", "a", 0)),
    ("a.0.b", (".", ("[]", "a", 0), "b")),
    ("a[*]", ("[*]", "a", "*")),
    ("a.*", (".*", "a", "*")),
    ("a[*].b[0].c", ("[*]", "a", (".", ("[]", (".", "*", "b"), 0), "c"))),
    ("a.*.b.c", (".*", "a", (".", (".", "*", "b"), "c"))),
    ("x.*.0.y", (".*", "x", (".", ("[]", "*", 0), "y"))),
    # the legacy splat stops at an index: [0] applies to its result (as HCL)
    ("a.*.b[0].c", (".", ("[]", (".*", "a", (".", "*", "b")), 0), "c")),
    # a full splat takes everything after it, another splat included
    ("a[*].b.*.c", ("[*]", "a", (".*", (".", "*", "b"), (".", "*", "c")))),
    ("a.b[*].c", ("[*]", (".", "a", "b"), (".", "*", "c"))),
    ("f(x)[0].y", (".", ("[]", ("call", "f", ["x"], False), 0), "y")),
])
def test_traversals_and_splats(text, tree):
    assert shape(expr(text)) == tree


def test_legacy_index_chain_is_rejected():
    _, diags = parse_expression("a.0.1")
    assert [d.summary for d in diags] == ["Invalid legacy index syntax"]
    assert "[0][1]" in diags[0].detail


def test_function_calls():
    assert shape(expr("f()")) == ("call", "f", [], False)
    assert shape(expr("f(a, 1)")) == ("call", "f", ["a", 1], False)
    assert shape(expr("f(a, b...)")) == ("call", "f", ["a", "b"], True)
    assert shape(expr("provider::aws::arn_parse(x)")) == \
        ("call", "provider::aws::arn_parse", ["x"], False)
    assert shape(expr("f(\n  a,\n  b,\n)")) == ("call", "f", ["a", "b"], False)


# --- positions ------------------------------------------------------------------

def test_positions_are_one_based_characters_after_multibyte_text():
    f = parse_ok('x = "ééé" + bad\ny = { "ü" = 1, k = v }\n')
    plus = f.body.attributes["x"].expr
    assert isinstance(plus, ast.Binary)
    r = plus.right.range
    assert (r.start.line, r.start.column, r.end.column) == (1, 13, 16)
    assert r.start.byte == 15  # three two-byte characters before
    obj = f.body.attributes["y"].expr
    v = obj.items[1][1]
    assert (v.range.start.line, v.range.start.column) == (2, 20)


def test_positions_in_parse_expression_hide_the_wrapper():
    e = expr('"é" == b')
    assert isinstance(e, ast.Binary)
    r = e.right.range
    assert (r.start.line, r.start.column, r.filename) == (1, 8, "<console-input>")


def test_positions_inside_heredoc_and_template_file():
    f = parse_ok('x = <<EOT\n  é ${v}\nEOT\n')
    tpl = f.body.attributes["x"].expr
    var = next(p for p in tpl.parts if isinstance(p, ast.Expr))
    assert (var.range.start.line, var.range.start.column) == (2, 7)
    e, _ = parse_template("ü ${v}", "t.tpl")
    var = next(p for p in e.parts if isinstance(p, ast.Expr))
    assert (var.range.start.line, var.range.start.column, var.range.filename) == \
        (1, 5, "t.tpl")


def test_attribute_name_range():
    f = parse_ok("  long_name = 1\n")
    r = f.body.attributes["long_name"].name_range
    assert (r.start.column, r.end.column) == (3, 12)
