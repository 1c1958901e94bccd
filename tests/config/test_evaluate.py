"""Module evaluation: locals, variables, outputs, count/for_each, dynamic
blocks, modules, references and their diagnostics."""

from __future__ import annotations

from tests.config.helpers import errors, py, run, summaries


def test_locals_outputs_and_templates(write_config):
    d = write_config({"main.hcl": """
        locals {
          prefix = "gov-${local.env}"
          env    = "dev"
          nums   = [for n in [1, 2, 3] : n * 2 if n != 2]
        }
        output "prefix" { value = local.prefix }
        output "nums" { value = local.nums }
    """})
    r = run(d)
    assert errors(r) == []
    assert py(r, "prefix") == "gov-dev"
    assert py(r, "nums") == [2, 6]


def test_cycle_between_locals_is_reported_with_chain(write_config):
    d = write_config({"main.hcl": """
        locals {
          a = local.b
          b = local.a
        }
        output "a" { value = local.a }
    """})
    r = run(d)
    cycle = [e for e in errors(r) if e.summary == "Cycle in references"]
    assert cycle, summaries(r)
    assert "local.a -> local.b -> local.a" in cycle[0].detail


def test_undeclared_references_get_suggestions_and_locations(write_config):
    d = write_config({"main.hcl": """
        variable "region" { default = "eu-west-1" }
        locals { name = "x" }
        resource "aws_s3_bucket" "logs" { bucket = "b" }
        output "a" { value = var.regoin }
        output "b" { value = local.nmae }
        output "c" { value = aws_s3_bucket.log.arn }
    """})
    r = run(d)
    errs = errors(r)
    by_summary = {e.summary: e for e in errs}
    var_err = by_summary["Reference to undeclared input variable"]
    assert 'Did you mean "region"?' in var_err.detail
    assert var_err.range.start.line == 5
    assert var_err.range.start.column == 22
    assert 'Did you mean "name"?' in by_summary["Reference to undeclared local value"].detail
    res_err = by_summary["Reference to undeclared resource"]
    assert 'Did you mean "aws_s3_bucket.logs"?' in res_err.detail


def test_variable_types_defaults_and_optional_attributes(write_config):
    d = write_config({"main.hcl": """
        variable "teams" {
          type = map(object({ owner = string, budget = optional(number, 100) }))
          default = { ml = { owner = "alice" }, data = { owner = "bob", budget = "5" } }
        }
        output "budgets" { value = { for k, t in var.teams : k => t.budget } }
    """})
    r = run(d)
    assert errors(r) == []
    assert py(r, "budgets") == {"data": 5, "ml": 100}


def test_invalid_default_is_reported(write_config):
    d = write_config({"main.hcl": """
        variable "n" {
          type    = number
          default = "five"
        }
    """})
    r = run(d)
    assert summaries(r) == ["Invalid default value for variable"]
    assert "cannot convert" in errors(r)[0].detail


def test_variable_validation_failure_uses_error_message(write_config):
    d = write_config({"main.hcl": """
        variable "env" {
          type = string
          validation {
            condition     = var.env == "dev" || var.env == "prod"
            error_message = "env must be dev or prod."
          }
        }
    """})
    r = run(d, cli=[("var", "env=test")])
    assert summaries(r) == ["Invalid value for variable"]
    assert "env must be dev or prod." in errors(r)[0].detail
    assert errors(run(d, cli=[("var", "env=prod")])) == []


def test_missing_required_root_variable(write_config):
    d = write_config({"main.hcl": 'variable "name" { type = string }\n'})
    assert summaries(run(d)) == ["No value for required variable"]
    assert errors(run(d, validate_only=True)) == []


def test_sensitive_variable_marks_outputs_and_requires_sensitive_output(write_config):
    d = write_config({"main.hcl": """
        variable "password" {
          default   = "hunter2"
          sensitive = true
        }
        output "leak" { value = "pw=${var.password}" }
        output "ok" {
          value     = upper(var.password)
          sensitive = true
        }
    """})
    r = run(d)
    assert summaries(r) == ["Output refers to sensitive values"]
    assert r.outputs["ok"].sensitive


def test_count_and_for_each_expand_instances(write_config):
    d = write_config({"main.hcl": """
        variable "teams" { default = { ml = "alice", data = "bob" } }
        resource "aws_iam_role" "r" {
          count = 3
          name  = "role-${count.index}"
        }
        resource "aws_s3_bucket" "b" {
          for_each = var.teams
          bucket   = "${each.key}-${each.value}"
        }
        resource "aws_s3_bucket" "s" {
          for_each = toset(["x", "y"])
          bucket   = each.value
        }
        output "n" { value = length(aws_iam_role.r) }
        output "keys" { value = keys(aws_s3_bucket.b) }
    """})
    r = run(d)
    assert errors(r) == []
    addrs = {i.addr: i.config.v["name" if "role" in i.addr else "bucket"].v
             for i in r.instances}
    assert addrs == {
        "aws_iam_role.r[0]": "role-0", "aws_iam_role.r[1]": "role-1",
        "aws_iam_role.r[2]": "role-2",
        'aws_s3_bucket.b["data"]': "data-bob", 'aws_s3_bucket.b["ml"]': "ml-alice",
        'aws_s3_bucket.s["x"]': "x", 'aws_s3_bucket.s["y"]': "y",
    }
    assert py(r, "n") == 3
    assert py(r, "keys") == ["data", "ml"]


def test_for_each_rejects_lists_and_sensitive_values(write_config):
    d = write_config({"main.hcl": """
        variable "s" {
          default   = { a = 1 }
          sensitive = true
        }
        resource "aws_s3_bucket" "l" {
          for_each = ["a", "b"]
          bucket   = each.key
        }
        resource "aws_s3_bucket" "s" {
          for_each = var.s
          bucket   = each.key
        }
    """})
    r = run(d)
    details = [e.detail for e in errors(r)]
    assert any("must be a map, or set of strings" in x and "tuple" in x for x in details)
    assert any("Sensitive values" in x for x in details)


def test_count_must_be_whole_and_not_negative(write_config):
    d = write_config({"main.hcl": """
        resource "aws_iam_role" "a" { count = -1 }
        resource "aws_iam_role" "b" { count = 1.5 }
        resource "aws_iam_role" "c" { count = "two" }
    """})
    r = run(d)
    assert summaries(r) == ["Invalid count argument"] * 3


def test_missing_instance_key_and_count_outside_context(write_config):
    d = write_config({"main.hcl": """
        resource "aws_iam_role" "r" {
          count = 2
          name  = "x"
        }
        output "bad" { value = aws_iam_role.r.name }
        output "ctx" { value = count.index }
        output "ok" { value = aws_iam_role.r[0].name }
    """})
    r = run(d)
    assert sorted(summaries(r)) == sorted([
        "Missing resource instance key",
        'Reference to "count" in a context where it is not available'])


def test_dynamic_blocks_with_iterator(write_config):
    d = write_config({"main.hcl": """
        locals { rules = { a = 1, b = 2 } }
        resource "aws_s3_bucket" "b" {
          bucket = "x"
          dynamic "rule" {
            for_each = local.rules
            iterator = r
            content {
              id   = r.key
              days = r.value * 10
            }
          }
        }
    """})
    r = run(d)
    assert errors(r) == []
    (inst,) = r.instances
    assert inst.config.v["rule"].to_python() == [{"days": 10, "id": "a"},
                                                  {"days": 20, "id": "b"}]


def test_unknown_values_flow_into_outputs(write_config):
    d = write_config({"main.hcl": """
        resource "aws_kms_key" "k" { description = "k" }
        output "arn" { value = "arn is ${aws_kms_key.k.arn}" }
    """})
    r = run(d)
    assert errors(r) == []
    assert r.outputs["arn"].unknown


def test_preconditions_fail_with_message(write_config):
    d = write_config({"main.hcl": """
        variable "days" { default = 400 }
        resource "aws_kms_key" "k" {
          lifecycle {
            precondition {
              condition     = var.days <= 365
              error_message = "Keys must rotate yearly, not every ${var.days} days."
            }
          }
        }
    """})
    r = run(d)
    assert summaries(r) == ["Resource precondition failed"]
    assert errors(r)[0].detail == "Keys must rotate yearly, not every 400 days."


def test_modules_inputs_outputs_nesting_and_shared_modules_dir(write_config, tmp_path):
    root = tmp_path / "repo"
    write_config({
        "modules/naming/main.hcl": """
            variable "prefix" { type = string }
            output "name" { value = "${var.prefix}-named" }
        """,
        "envs/dev/inner/main.hcl": """
            variable "n" { type = number }
            module "naming" {
              source = "modules/naming"
              prefix = "inner${var.n}"
            }
            output "doubled" { value = var.n * 2 }
            output "name" { value = module.naming.name }
        """,
        "envs/dev/main.hcl": """
            module "inner" {
              source   = "./inner"
              for_each = { a = 1, b = 2 }
              n        = each.value
            }
            output "doubled" { value = { for k, m in module.inner : k => m.doubled } }
            output "names" { value = [for m in module.inner : m.name] }
        """,
    }, root)
    r = run(root / "envs/dev")
    assert errors(r) == []
    assert py(r, "doubled") == {"a": 2, "b": 4}
    assert py(r, "names") == ["inner1-named", "inner2-named"]


def test_module_call_argument_errors(write_config):
    d = write_config({
        "main.hcl": """
            module "m" {
              source = "./m"
              nmae   = "x"
            }
            output "o" { value = module.m.nope }
        """,
        "m/main.hcl": """
            variable "name" { type = string }
            output "out" { value = var.name }
        """,
    })
    r = run(d)
    got = summaries(r)
    assert "Unsupported argument" in got
    assert "Missing required argument" in got
    assert "Unsupported attribute" in got
    unsupported = next(e for e in errors(r) if e.summary == "Unsupported argument")
    assert 'Did you mean "name"?' in unsupported.detail


def test_module_input_type_conversion_error(write_config):
    d = write_config({
        "main.hcl": """
            module "m" {
              source = "./m"
              n      = "not a number"
            }
        """,
        "m/main.hcl": 'variable "n" { type = number }\n',
    })
    r = run(d)
    assert summaries(r) == ["Invalid value for input variable"]
    assert errors(r)[0].range.start.line == 4


def test_missing_module_directory(write_config):
    d = write_config({"main.hcl": 'module "m" { source = "./nowhere" }\n'})
    r = run(d)
    assert summaries(r) == ["Module not found"]


def test_path_and_workspace_references(write_config):
    d = write_config({"main.hcl": """
        output "root" { value = path.root }
        output "ws" { value = terraform.workspace }
    """})
    r = run(d)
    assert errors(r) == []
    assert py(r, "root") == str(d.resolve())
    assert py(r, "ws") == "default"


def test_unknown_function_suggestion(write_config):
    d = write_config({"main.hcl": 'output "x" { value = lenght([1]) }\n'})
    r = run(d)
    assert summaries(r) == ["Call to unknown function"]
    assert 'Did you mean "length"?' in errors(r)[0].detail


def test_unknown_for_each_is_allowed_in_validate_but_not_in_evaluation(write_config):
    d = write_config({"main.hcl": """
        resource "aws_kms_key" "k" {}
        resource "aws_kms_alias" "a" {
          for_each = { (aws_kms_key.k.arn) = 1 }
          name     = each.key
        }
    """})
    assert errors(run(d, validate_only=True)) == []
    r = run(d)
    assert summaries(r) == ["Invalid for_each argument"]
    assert "cannot be determined until apply" in errors(r)[0].detail


def test_self_only_in_postconditions(write_config):
    d = write_config({"main.hcl": """
        resource "aws_kms_key" "k" {
          description = self.arn
          lifecycle {
            postcondition {
              condition     = self.enable_key_rotation
              error_message = "rotation off for ${self.arn}"
            }
          }
        }
    """})
    r = run(d)
    assert summaries(r) == ['Reference to "self" in a context where it is not available']
    assert errors(r)[0].range.start.line == 3
