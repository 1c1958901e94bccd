"""check_config: every disagreement between an evaluated resource body and its
schema is a diagnostic pointing at the right place in the HCL."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from govctl.config.evaluate import Instance, Options, evaluate_config
from govctl.config.loader import load_config
from govctl.diagnostics import Diagnostic, Severity
from govctl.plugins.schema import check_config, schema_from_model
from tests.plugins.models import Bucket, Needs

MODELS = {"t_bucket": Bucket, "t_needs": Needs}


@dataclass
class Checked:
    text: str
    diags: list[Diagnostic]

    def at(self, needle: str, nth: int = 0) -> tuple[int, int]:
        """(line, column), both 1-based, of the nth occurrence of needle."""
        offset = -1
        for _ in range(nth + 1):
            offset = self.text.index(needle, offset + 1)
        before = self.text[:offset]
        return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1

    def one(self, summary: str) -> Diagnostic:
        found = [d for d in self.diags if d.summary == summary]
        assert len(found) == 1, [(d.summary, d.detail) for d in self.diags]
        return found[0]

    def summaries(self) -> list[str]:
        return [d.summary for d in self.diags]


def start(d: Diagnostic) -> tuple[int, int]:
    assert d.range is not None
    return d.range.start.line, d.range.start.column


def check(write_config, text: str, index: int = 0) -> Checked:
    text = textwrap.dedent(text)
    directory = write_config({"main.hcl": text})
    module, diags = load_config(directory)
    assert [d for d in diags if d.severity is Severity.ERROR] == []
    result = evaluate_config(module, {}, Options(validate_only=True))
    assert [d.summary for d in result.diagnostics] == []
    inst: Instance = result.instances[index]
    res = inst.resource
    found = check_config(schema_from_model(MODELS[res.type]), inst.config, res.body,
                         f'a "{res.type}" resource', header=res.block.def_range)
    assert all(d.severity is Severity.ERROR for d in found)
    return Checked(text, found)


def test_valid_configuration_has_no_diagnostics(write_config):
    c = check(write_config, """
        resource "t_bucket" "b" {
          name    = "b"
          size    = "12"
          labels  = ["a", 1]
          tags    = { team = "ml" }
          origin  = { x = 1 }
          extra   = [1, "x"]
          rule {
            action = "allow"
            filter { prefix = "a/" }
          }
          logging { target = "t" }
        }
    """)
    assert c.diags == []


def test_unsupported_argument_with_suggestion_at_name(write_config):
    c = check(write_config, """
        resource "t_bucket" "b" {
          name = "b"
          sise = 3
        }
    """)
    d = c.one("Unsupported argument")
    assert 'An argument named "sise" is not expected in a "t_bucket" resource.' in d.detail
    assert 'Did you mean "size"?' in d.detail
    assert start(d) == c.at("sise")
    assert d.range is not None and d.range.end.column == c.at("sise")[1] + 4


def test_argument_where_a_block_belongs(write_config):
    c = check(write_config, """
        resource "t_bucket" "b" {
          name    = "b"
          logging = { target = "t" }
        }
    """)
    d = c.one("Unsupported argument")
    assert 'Did you mean to define a block of type "logging"?' in d.detail
    assert start(d) == c.at("logging")


def test_unsupported_block_type_at_header(write_config):
    c = check(write_config, """
        resource "t_bucket" "b" {
          name = "b"
          rulez {
            action = "x"
          }
        }
    """)
    d = c.one("Unsupported block type")
    assert 'Blocks of type "rulez" are not expected' in d.detail
    assert 'Did you mean "rule"?' in d.detail
    assert start(d) == c.at("rulez")


def test_block_where_an_argument_belongs(write_config):
    c = check(write_config, """
        resource "t_bucket" "b" {
          name = "b"
          tags {
            a = "b"
          }
        }
    """)
    d = c.one("Unsupported block type")
    assert 'Did you mean to define argument "tags"?' in d.detail


def test_wrong_types_point_at_the_expression(write_config):
    c = check(write_config, """
        resource "t_bucket" "b" {
          name   = "b"
          size   = "big"
          tags   = ["a"]
          public = "maybe"
          origin = { y = 2 }
        }
    """)
    errs = [d for d in c.diags if d.summary == "Incorrect attribute value type"]
    assert len(errs) == 4, c.summaries()
    size, tags, public, origin = errs     # in source order
    assert start(size) == c.at('"big"')
    assert 'Inappropriate value for attribute "size": a number is required' in size.detail
    assert start(tags) == c.at('["a"]')
    assert "map of string required" in tags.detail
    assert start(public) == c.at('"maybe"')
    assert 'attribute "x" is required' in origin.detail


def test_wrong_type_of_a_sensitive_value_does_not_show_it(write_config):
    c = check(write_config, """
        resource "t_bucket" "b" {
          name = "b"
          size = sensitive("hunter2")
        }
    """)
    d = c.one("Incorrect attribute value type")
    assert "hunter2" not in d.detail
    assert "number required (the given value is sensitive)" in d.detail


def test_missing_required_argument_at_block_header(write_config):
    c = check(write_config, """
        resource "t_bucket" "b" {
          size = 1
        }
    """)
    d = c.one("Missing required argument")
    assert 'The argument "name" is required' in d.detail
    assert start(d) == c.at("resource")


def test_required_argument_set_to_null(write_config):
    c = check(write_config, """
        resource "t_bucket" "b" {
          name = null
        }
    """)
    d = c.one("Missing required argument")
    assert "its value is null" in d.detail
    assert start(d) == c.at("null")


def test_setting_a_computed_only_attribute(write_config):
    c = check(write_config, """
        resource "t_bucket" "b" {
          name = "b"
          arn  = "arn:x"
        }
    """)
    d = c.one("Value for unconfigurable attribute")
    assert 'Can\'t configure a value for "arn"' in d.detail
    assert start(d) == c.at('"arn:x"')


def test_nested_blocks_are_checked_recursively(write_config):
    c = check(write_config, """
        resource "t_bucket" "b" {
          name = "b"
          rule {
            priority = "high"
            filter {
              prefx = "a"
            }
          }
        }
    """)
    missing = [d for d in c.diags if d.summary == "Missing required argument"]
    assert [start(d) for d in missing] == [c.at("rule"), c.at("filter")]
    assert 'required in a "rule" block' in missing[0].detail
    assert start(c.one("Incorrect attribute value type")) == c.at('"high"')
    unsupported = c.one("Unsupported argument")
    assert start(unsupported) == c.at("prefx")
    assert 'Did you mean "prefix"?' in unsupported.detail


def test_too_many_blocks_points_at_the_first_extra_one(write_config):
    c = check(write_config, """
        resource "t_bucket" "b" {
          name = "b"
          rule { action = "a" }
          rule { action = "b" }
          rule { action = "c" }
          rule { action = "d" }
          logging { target = "x" }
          logging { target = "y" }
        }
    """)
    rule = c.one("Too many rule blocks")
    assert 'No more than 3 "rule" blocks are allowed.' in rule.detail
    assert start(rule) == c.at("rule", 3)
    logging = c.one("Too many logging blocks")
    assert 'Only one "logging" block is allowed.' in logging.detail
    assert start(logging) == c.at("logging", 1)


def test_too_few_blocks_at_header(write_config):
    c = check(write_config, """
        resource "t_needs" "n" {
          step { target = "a" }
        }
    """)
    d = c.one("Insufficient step blocks")
    assert 'At least 2 "step" blocks are required.' in d.detail
    assert start(d) == c.at("resource")


def test_labels_on_nested_blocks_are_extraneous(write_config):
    c = check(write_config, """
        resource "t_bucket" "b" {
          name = "b"
          rule "first" { action = "a" }
        }
    """)
    d = c.one("Extraneous label for rule")
    assert start(d) == c.at('"first"')


def test_dynamic_block_errors_point_into_its_content(write_config):
    c = check(write_config, """
        resource "t_bucket" "b" {
          name = "b"
          dynamic "rule" {
            for_each = ["a", "b"]
            content {
              priority = "p-${rule.value}"
              colour   = 1
            }
          }
        }
    """)
    missing = c.one("Missing required argument")
    assert start(missing) == c.at("dynamic")
    types = [d for d in c.diags if d.summary == "Incorrect attribute value type"]
    assert [start(d) for d in types] == [c.at('"p-${rule.value}"')] * 2
    assert ['"p-a"' in types[0].detail, '"p-b"' in types[1].detail] == [True, True]
    assert start(c.one("Unsupported argument")) == c.at("colour")


def test_dynamic_blocks_among_static_ones_keep_static_ranges(write_config):
    c = check(write_config, """
        resource "t_bucket" "b" {
          name = "b"
          rule {
            action   = "first"
            priority = "one"
          }
          dynamic "rule" {
            for_each = ["x"]
            content { action = rule.value }
          }
          rule {
            action   = "last"
            priority = "three"
          }
        }
    """)
    types = [d for d in c.diags if d.summary == "Incorrect attribute value type"]
    assert [start(d) for d in types] == [c.at('"one"'), c.at('"three"')]


def test_dynamic_block_of_unknown_type_and_too_many_generated(write_config):
    c = check(write_config, """
        resource "t_bucket" "b" {
          name = "b"
          dynamic "rulez" {
            for_each = [1]
            content {}
          }
          dynamic "rule" {
            for_each = range(5)
            content { action = "a" }
          }
        }
    """)
    assert start(c.one("Unsupported block type")) == c.at("dynamic")
    assert start(c.one("Too many rule blocks")) == c.at("dynamic", 1)


def test_unknown_values_pass(write_config):
    c = check(write_config, """
        variable "size" {}
        variable "rules" { type = list(string) }
        resource "t_bucket" "b" {
          name = var.size
          size = var.size
          tags = var.size
          dynamic "rule" {
            for_each = var.rules
            content {
              action = rule.value
            }
          }
        }
        resource "t_needs" "n" {
          dynamic "step" {
            for_each = var.rules
            content { target = step.value }
          }
        }
    """)
    assert c.diags == []


def test_unknown_dynamic_content_is_still_checked_for_names(write_config):
    c = check(write_config, """
        variable "rules" { type = list(string) }
        resource "t_bucket" "b" {
          name = "b"
          dynamic "rule" {
            for_each = var.rules
            content {
              acton = rule.value
            }
          }
        }
    """)
    assert start(c.one("Unsupported argument")) == c.at("acton")
    assert start(c.one("Missing required argument")) == c.at("dynamic")


def test_each_instance_is_checked_with_its_own_values(write_config):
    text = """
        resource "t_bucket" "b" {
          for_each = { one = "1", two = "two" }
          name = each.key
          size = each.value
        }
    """
    assert check(write_config, text, index=0).diags == []
    second = check(write_config, text, index=1)
    assert start(second.one("Incorrect attribute value type")) == second.at("each.value")


def test_header_defaults_to_the_body(write_config):
    directory = write_config({"main.hcl": 'resource "t_bucket" "b" {\n  size = 1\n}\n'})
    module, _ = load_config(directory)
    inst = evaluate_config(module, {}, Options(validate_only=True)).instances[0]
    diags = check_config(schema_from_model(Bucket), inst.config, inst.resource.body,
                         "a bucket")
    assert [d.summary for d in diags] == ["Missing required argument"]
    assert diags[0].range is not None and diags[0].range.start.line == 2


def test_suggestions_cross_between_arguments_and_blocks(write_config):
    c = check(write_config, """
        resource "t_bucket" "b" {
          name  = "b"
          rules = []
          tag { a = "b" }
        }
    """)
    assert 'Did you mean "rule"?' in c.one("Unsupported argument").detail
    assert 'Did you mean "tags"?' in c.one("Unsupported block type").detail
