"""`govctl validate` finds what plan would refuse without a provider call:
dependency cycles, and values of the wrong type already known before a plan.
Both validation paths (serial and two-process) report each problem once."""

from __future__ import annotations

from pathlib import Path

import pytest

from govctl.cli import main
from govctl.commands.validate import check
from govctl.config import parallel
from govctl.diagnostics import Diagnostic

needs_fork = pytest.mark.skipif(not parallel.enabled(), reason="needs fork (Linux)")


def _keys(diags: list[Diagnostic], root: Path) -> list[tuple[str, str, tuple[str, int, int]]]:
    """Summary, detail and place, file names relative to `root`."""
    out = []
    for d in diags:
        assert d.range is not None
        r = d.range
        out.append((d.summary, d.detail.replace(f"{root}/", ""),
                    (Path(r.filename).name, r.start.line, r.start.column)))
    return out


def _both(directory: Path) -> list[tuple[str, str, tuple[str, int, int]]]:
    """The serial path's diagnostics, after checking that the two-process path
    (when available) finds exactly the same; it needs two files to split."""
    if len(list(directory.glob("*.hcl"))) < 2:
        (directory / "zz_other.hcl").write_text('locals {\n  unrelated = 1\n}\n')
    serial = _keys(check(directory, parallel=False), directory)
    if parallel.enabled():
        par = parallel.validate(directory, min_bytes=0)
        assert par is not None
        assert sorted(_keys(par, directory)) == sorted(serial)
    return serial


# --- cycles -------------------------------------------------------------------------

def test_a_cycle_between_resources_is_reported_once_with_every_link(write_config):
    d = write_config({"main.hcl": """\
        resource "mem_object" "a" {
          name  = "a"
          value = mem_object.b.id
        }
        resource "mem_object" "b" {
          name  = "b"
          value = mem_object.a.id
        }
        """})
    assert _both(d) == [(
        "Cycle in dependencies",
        "mem_object.a -> mem_object.b (main.hcl:3,11)\n"
        "mem_object.b -> mem_object.a (main.hcl:7,11)",
        ("main.hcl", 3, 11))]


@needs_fork
def test_a_cycle_across_the_two_halves_is_found_by_the_parallel_path(write_config):
    """Neither process sees the other's resource bodies: the cycle runs
    a.hcl -> local (module-wide) -> b.hcl -> a.hcl."""
    d = write_config({
        "a.hcl": 'resource "mem_object" "a" {\n  name  = "a"\n  value = local.from_b\n}\n',
        "b.hcl": 'locals {\n  from_b = mem_object.b.id\n}\n'
                 'resource "mem_object" "b" {\n  name  = "b"\n  value = mem_object.a.arn\n}\n',
    })
    got = _both(d)
    assert [s for s, _, _ in got] == ["Cycle in dependencies"]
    assert got[0][1] == ("local.from_b -> mem_object.b (b.hcl:2,12)\n"
                         "mem_object.b -> mem_object.a (b.hcl:6,11)\n"
                         "mem_object.a -> local.from_b (a.hcl:3,11)")


def test_a_cycle_of_locals_is_reported_once_not_also_by_the_evaluator(write_config):
    d = write_config({"main.hcl": """\
        locals {
          a = local.b
          b = local.a
        }
        resource "mem_object" "x" {
          name = local.a
        }
        """})
    got = _both(d)
    assert [s for s, _, _ in got] == ["Cycle in dependencies"]
    assert got[0][1] == "local.a -> local.b (main.hcl:2,7)\nlocal.b -> local.a (main.hcl:3,7)"


def test_a_cycle_through_a_child_module_is_reported(write_config):
    d = write_config({
        "main.hcl": 'module "m" {\n  source = "./mod"\n  v = mem_object.a.id\n}\n'
                    'resource "mem_object" "a" {\n  name = module.m.out\n}\n',
        "mod/main.hcl": 'variable "v" {}\noutput "out" {\n  value = var.v\n}\n',
    })
    got = _both(d)
    assert [s for s, _, _ in got] == ["Cycle in dependencies"]
    assert "module.m.output.out -> module.m.var.v" in got[0][1]


def test_an_acyclic_configuration_stays_valid(write_config, capsys):
    d = write_config({
        "a.hcl": 'resource "mem_object" "a" {\n  name = "a"\n}\n',
        "b.hcl": 'resource "mem_object" "b" {\n  name  = "b"\n  value = mem_object.a.id\n}\n',
    })
    assert _both(d) == []
    assert main(["validate", "-no-color", str(d)]) == 0
    assert "Success! The configuration is valid." in capsys.readouterr().out


def test_validate_command_fails_on_a_cycle(write_config, capsys):
    d = write_config({"main.hcl": 'resource "mem_object" "a" {\n  name = mem_object.a.id\n}\n'})
    assert main(["validate", "-no-color", str(d)]) == 1
    err = capsys.readouterr().err
    assert err.count("Error: Cycle in dependencies") == 1
    assert "mem_object.a -> mem_object.a (" in err


# --- values known before a plan ---------------------------------------------------------

def test_a_literal_of_the_wrong_type_is_reported_as_plan_reports_it(write_config, capsys):
    d = write_config({"main.hcl": 'resource "mem_object" "a" {\n  name = "a"\n'
                                  '  tags = "notamap"\n}\n'})
    want = ("Incorrect attribute value type",
            'Inappropriate value for attribute "tags": map of string required.',
            ("main.hcl", 3, 10))
    assert _both(d) == [want]
    assert main(["plan", "-no-color", str(d)]) == 1
    plan_err = capsys.readouterr().err
    assert main(["validate", "-no-color", str(d)]) == 1
    validate_err = capsys.readouterr().err
    block = plan_err.strip()
    assert block.startswith("Error: Incorrect attribute value type")
    assert block in validate_err


def test_an_aws_map_attribute_given_a_string(write_config):
    d = write_config({"main.hcl": 'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n'
                                  '  tags = "notamap"\n}\n'})
    assert _both(d) == [("Incorrect attribute value type",
                         'Inappropriate value for attribute "tags": map of string required.',
                         ("main.hcl", 3, 10))]


def test_instances_of_one_block_report_a_mistake_once(write_config):
    d = write_config({"main.hcl": 'resource "mem_object" "a" {\n  count = 3\n'
                                  '  name  = "a${count.index}"\n  value = ["v"]\n}\n'})
    assert [(s, w) for s, _, w in _both(d)] == [
        ("Incorrect attribute value type", ("main.hcl", 4, 11))]


def test_values_known_through_a_module_call_and_data_sources_are_checked(write_config):
    d = write_config({
        "main.hcl": 'module "m" {\n  source = "./mod"\n  v = ["q"]\n}\n'
                    'data "mem_lookup" "l" {\n  name = { a = 1 }\n}\n',
        "mod/main.hcl": 'variable "v" {}\nresource "mem_policy" "p" {\n  name   = "p"\n'
                        '  policy = var.v\n}\n',
    })
    got = _both(d)
    assert [(s, w) for s, _, w in got] == [
        ("Incorrect attribute value type", ("main.hcl", 6, 10)),
        ("Incorrect attribute value type", ("main.hcl", 4, 12))]
    assert got[1][1] == ('Inappropriate value for attribute "policy": string required, '
                         "but have tuple.")


def test_values_not_known_before_a_plan_pass(write_config):
    """Root variables are unknown in validate, as in Terraform's; so are other
    resources' attributes and for_each keys."""
    d = write_config({"main.hcl": """\
        variable "anything" {}
        resource "mem_object" "a" {
          name = "a"
          tags = var.anything
        }
        resource "mem_object" "b" {
          for_each = var.anything
          name     = each.key
          value    = mem_object.a.id
          tags     = { owner = mem_object.a.arn }
        }
        """})
    assert _both(d) == []


def test_a_variables_declared_type_is_already_known(write_config):
    """An unknown string is still a string: Terraform's validate reports it too."""
    d = write_config({"main.hcl": 'variable "t" {\n  type = string\n}\n'
                                  'resource "mem_object" "a" {\n  name = "a"\n'
                                  '  tags = var.t\n}\n'})
    assert [(s, w) for s, _, w in _both(d)] == [
        ("Incorrect attribute value type", ("main.hcl", 6, 10))]


def test_a_sensitive_value_is_not_shown(write_config):
    d = write_config({"main.hcl": 'locals {\n  s = sensitive(["hunter2"])\n}\n'
                                  'resource "mem_object" "a" {\n  name = "a"\n'
                                  '  secret = local.s\n}\n'})
    [(summary, detail, _)] = _both(d)
    assert summary == "Incorrect attribute value type"
    assert detail == ('Inappropriate value for attribute "secret": string required (the '
                      "given value is sensitive).")


def test_a_moved_block_plan_would_refuse_is_reported_by_both_paths(write_config):
    d = write_config({
        "a.hcl": 'resource "mem_policy" "zz" {\n  name   = "zz"\n  policy = "{}"\n}\n',
        "b.hcl": 'moved {\n  from = mem_object.zz\n  to   = mem_policy.zz\n}\n',
    })
    assert _both(d) == [('Invalid "moved" addresses',
                         "Cannot move mem_object.zz to mem_policy.zz: the resource types "
                         "differ (mem_object and mem_policy); an object keeps its type.",
                         ("b.hcl", 1, 1))]
