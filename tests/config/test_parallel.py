"""The two-process validation path finds exactly what the serial path finds."""

from __future__ import annotations

import pytest

from govctl.commands.validate import check
from govctl.config import parallel

pytestmark = pytest.mark.skipif(not parallel.enabled(), reason="needs fork (Linux)")

FILES = {
    "a_vars.hcl": """
        variable "env" { default = "dev" }
        locals { prefix = "gov-${var.env}" }
    """,
    "b_res.hcl": """
        resource "aws_kms_key" "k" {
          count       = 2
          description = "${local.prefix}-${count.index}"
        }
        output "bad_local" { value = local.missing }
    """,
    "c_res.hcl": """
        resource "aws_s3_bucket" "b" {
          bucket = aws_kms_key.k[0].arn
          tags   = { key = aws_kms_key.k.arn }
        }
    """,
    "d_res.hcl": """
        resource "aws_iam_role" "r" {
          name = upper(var.nope)
          description = lenght("x")
        }
        output "ok" { value = aws_s3_bucket.b.bucket }
    """,
}


def _keys(diags):
    return [(d.summary, d.detail, str(d.range)) for d in diags]


def test_parallel_and_serial_agree_on_errors(write_config):
    d = write_config(FILES)
    serial = check(d, parallel=False)
    par = parallel.validate(d, min_bytes=0)
    assert par is not None
    assert sorted(_keys(par)) == sorted(_keys(serial))
    summaries = {s for s, _, _ in _keys(serial)}
    assert {"Missing resource instance key", "Reference to undeclared input variable",
            "Call to unknown function", "Reference to undeclared local value"} <= summaries


def test_parallel_stops_before_evaluation_on_syntax_errors(write_config):
    d = write_config({**FILES, "e_broken.hcl": "resource \"x\" \"y\" {\n"})
    serial = check(d, parallel=False)
    par = parallel.validate(d, min_bytes=0)
    assert par is not None
    assert sorted(_keys(par)) == sorted(_keys(serial))
    assert [s for s, _, _ in _keys(serial)] == ["Unclosed configuration block"]


def test_parallel_valid_configuration(write_config):
    d = write_config({"a.hcl": 'locals { x = 1 }\n', "b.hcl": 'output "x" { value = local.x }\n'})
    assert parallel.validate(d, min_bytes=0) == []


def test_small_configurations_stay_serial(write_config):
    d = write_config({"a.hcl": 'locals { x = 1 }\n', "b.hcl": 'output "x" { value = local.x }\n'})
    assert parallel.validate(d) is None


def test_duplicates_across_halves_are_reported_once(write_config):
    d = write_config({
        "a.hcl": 'resource "aws_s3_bucket" "dup" { bucket = "first" }\n',
        "b.hcl": 'resource "aws_s3_bucket" "dup" { bucket = "second" }\n',
    })
    serial = check(d, parallel=False)
    par = parallel.validate(d, min_bytes=0)
    assert par is not None
    assert _keys(par) == _keys(serial)
    assert [s for s, _, _ in _keys(par)] == ['Duplicate resource "aws_s3_bucket" configuration']
    assert par[0].range.filename.endswith("b.hcl")


def test_parallel_checks_provider_schemas_like_serial(write_config):
    d = write_config({
        "a.hcl": 'resource "mem_object" "a" {\n  nme = "x"\n}\n',
        "b.hcl": 'resource "mem_object" "b" {\n  name = "b"\n  arn = "set"\n}\n',
    })
    serial = check(d, parallel=False)
    par = parallel.validate(d, min_bytes=0)
    assert par is not None
    assert sorted(_keys(par)) == sorted(_keys(serial))
    assert {s for s, _, _ in _keys(serial)} == {
        "Unsupported argument", "Missing required argument",
        "Value for unconfigurable attribute"}
