"""Differential test: govctl and `terraform console` evaluate the same expressions.

Terraform prints `jsonencode(<expr>)`, and `type(<expr>)`; we compare the
JSON with our value's Python form and the type text with ours. Skipped when
terraform is not installed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from decimal import Decimal

import pytest

from govctl.hcl.parser import parse_expression
from govctl.lang.eval import Scope, evaluate
from govctl.lang.types import type_string

TERRAFORM = shutil.which("terraform")
pytestmark = pytest.mark.skipif(TERRAFORM is None, reason="terraform is not installed")

EXPRESSIONS = [
    "1 + 2 * 3 - 4 / 2 % 3",
    "-7 % 3",
    "7.5 % 2",
    "-7.5 % -2",
    "10 / 4",
    "0.1 + 0.2",
    "123456789012345678901234567890 + 1",
    "1e3 + 1.5e-3 + 1E+2",
    "5 % 0",
    '"5" + 1',
    '1 == "1"',
    "[1] == [1]",
    "{a = 1} == {a = 1}",
    "null == null",
    'true && "true"',
    "true || false && false",
    '!"false"',
    '1 < "2"',
    'true ? 1 : "a"',
    'true ? {a = 1} : {b = "x"}',
    "true ? [1] : [1, 2]",
    'true ? [] : ["a"]',
    "false ? 1 : true ? 2 : 3",
    '"a${1.5}b${true}"',
    '"${1}"',
    '"a %{ if true ~} b %{~ endif } c"',
    '"a %{~ if false ~} b %{~ else ~} c %{~ endif ~} d"',
    '"[%{ for i, x in ["a", "b"] }${i}=${x},%{ endfor }]"',
    '"x %{~ for x in [1, 2] } ${x} %{ endfor ~} y"',
    '"$${x} %%{y} \\u00e9\\t"',
    "[for x in [1, 2, 3] : x * 2 if x > 1]",
    '{for i, x in ["a", "b", "a"] : x => i...}',
    "{for k, v in {a = 1, b = 2} : v => k}",
    "[{a = 1}, {a = 2}][*].a",
    "[{b = [1, 2]}, {b = [3, 4]}].*.b[0]",
    "[{b = [1, 2]}, {b = [3, 4]}][*].b[0]",
    "null[*]",
    "1[*]",
    "{a = 1}[*]",
    '[1, 2]["1"]',
    "{a = {b = [7]}}.a.b.0",
    "{true = 1, null = 2}",
    'try([1][5], "fallback")',
    "can([1][5])",
]


def terraform_console(expr: str, workdir: str) -> str:
    env = dict(os.environ, TF_CLI_CONFIG_FILE="/dev/null", TF_IN_AUTOMATION="1",
               CHECKPOINT_DISABLE="1")
    assert TERRAFORM is not None
    proc = subprocess.run([TERRAFORM, "console"], input=expr + "\n", capture_output=True,
                          text=True, cwd=workdir, env=env, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def plain(value: object) -> object:
    """Numbers compared exactly, whether int, Decimal or JSON float text."""
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    return Decimal(str(value)).normalize()


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_same_value_and_type_as_terraform(expr, tmp_path):
    printed = terraform_console(f"jsonencode({expr})", str(tmp_path))
    want = json.loads(json.loads(printed), parse_float=Decimal, parse_int=Decimal)
    want_type = terraform_console(f"type({expr})", str(tmp_path))

    parsed, diags = parse_expression(expr)
    assert parsed is not None and not diags
    got = evaluate(parsed, Scope())
    assert plain(got.to_python()) == plain(want)
    assert type_string(got.type) == want_type
