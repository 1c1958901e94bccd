"""Provider blocks against their provider's config_schema: statically in
`govctl validate`, and with every value known when a command configures the
providers, as diagnostics at the argument rather than a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from govctl.cli import main
from govctl.commands.validate import check
from govctl.config import parallel
from govctl.config.evaluate import InputValue, ModuleEval, Options, Result
from govctl.config.loader import load_config
from govctl.diagnostics import Diagnostic
from govctl.lang import values as V
from govctl.plan.providers import ProviderSet
from govctl.plugins.registry import installed
from govctl.plugins.testing import InMemoryProvider

RESOURCE = 'resource "mem_object" "a" {\n  name = "a"\n}\n'


@pytest.fixture(autouse=True)
def _reset_provider():
    InMemoryProvider.reset()
    yield
    InMemoryProvider.reset()


def _where(d: Diagnostic) -> tuple[str, int, int]:
    assert d.range is not None
    return (Path(d.range.filename).name, d.range.start.line, d.range.start.column)


def _errors(diags: list[Diagnostic]) -> list[tuple[str, str, tuple[str, int, int]]]:
    return [(d.summary, d.detail, _where(d)) for d in diags]


def _configure(directory: Path, inputs: dict[str, InputValue] | None = None) -> ProviderSet:
    """What every command does before its first provider call."""
    module, diags = load_config(directory)
    assert diags == []
    providers = ProviderSet(installed(), module)
    providers.configure(ModuleEval(module, inputs or {}, Options(validate_only=False),
                                   module.path, Result()))
    return providers


# --- validate: static checks ------------------------------------------------------

def test_validate_reports_a_literal_of_the_wrong_type_at_its_value(write_config):
    d = write_config({"main.hcl": 'provider "mem" {\n  storage = ["w"]\n}\n' + RESOURCE})
    assert _errors(check(d, parallel=False)) == [(
        "Incorrect attribute value type",
        'Inappropriate value for attribute "storage": string required, but have tuple.',
        ("main.hcl", 2, 13))]


def test_validate_reports_a_string_where_a_number_belongs(write_config):
    d = write_config({"main.hcl": 'provider "mem" {\n  latency_ms = "fast"\n}\n'})
    [diag] = check(d, parallel=False)
    assert diag.summary == "Incorrect attribute value type"
    assert diag.detail.startswith('Inappropriate value for attribute "latency_ms": a number '
                                  "is required")
    assert _where(diag) == ("main.hcl", 2, 16)


def test_validate_reports_an_unknown_argument_in_terraforms_words(write_config):
    d = write_config({"main.hcl": 'provider "mem" {\n  latncy_ms = 3\n}\n' + RESOURCE})
    assert _errors(check(d, parallel=False)) == [(
        "Unsupported argument",
        'An argument named "latncy_ms" is not expected here. Did you mean "latency_ms"?',
        ("main.hcl", 2, 3))]


def test_validate_accepts_alias_and_values_known_only_later(write_config):
    d = write_config({"main.hcl": 'variable "dir" {}\n'
                                  'provider "mem" {\n  alias = "west"\n'
                                  '  storage = "${var.dir}/w.json"\n  latency_ms = 1\n}\n'
                                  + RESOURCE})
    assert check(d, parallel=False) == []


def test_validate_checks_the_aws_provider_and_its_nested_blocks(write_config):
    d = write_config({"main.hcl": 'provider "aws" {\n  max_retries = "lots"\n'
                                  '  assume_role {\n    session_name = "s"\n  }\n}\n'})
    got = _errors(check(d, parallel=False))
    assert [(s, w) for s, _, w in got] == [
        ("Incorrect attribute value type", ("main.hcl", 2, 17)),
        ("Missing required argument", ("main.hcl", 3, 3))]
    assert got[1][1] == ('The argument "role_arn" is required in a "assume_role" block, but '
                         "no definition was found.")


@pytest.mark.skipif(not parallel.enabled(), reason="needs fork (Linux)")
def test_parallel_validate_reports_provider_blocks_once(write_config):
    d = write_config({"a.hcl": 'provider "mem" {\n  storage = ["w"]\n  latncy_ms = 1\n}\n',
                      "b.hcl": RESOURCE})
    serial = check(d, parallel=False)
    par = parallel.validate(d, min_bytes=0)
    assert par is not None
    assert sorted(_errors(par)) == sorted(_errors(serial))
    assert sorted(s for s, _, _ in _errors(serial)) == [
        "Incorrect attribute value type", "Unsupported argument"]


# --- configuring: every command ------------------------------------------------------

def test_configure_reports_a_value_of_the_wrong_type_and_configures_nothing(write_config):
    d = write_config({"main.hcl": 'variable "s" {}\nprovider "mem" {\n  storage = var.s\n}\n'})
    providers = _configure(d, {"s": InputValue(V.from_python(["w"]))})
    assert _errors(providers.diagnostics) == [(
        "Incorrect attribute value type",
        'Inappropriate value for attribute "storage": string required, but have tuple.',
        ("main.hcl", 3, 13))]
    assert "mem" not in providers.instances


def test_configure_does_not_show_a_sensitive_value(write_config):
    d = write_config({"main.hcl": 'variable "s" {\n  sensitive = true\n}\n'
                                  'provider "mem" {\n  storage = var.s\n}\n'})
    providers = _configure(d, {"s": InputValue(V.from_python(["hunter2"]))})
    [diag] = providers.diagnostics
    assert diag.detail == ('Inappropriate value for attribute "storage": string required '
                           "(the given value is sensitive).")
    assert "hunter2" not in diag.render()


def test_configure_points_a_provider_error_at_the_attribute_it_names(write_config):
    d = write_config({"main.hcl": 'provider "mem" {\n  storage = null\n  latency_ms = -5\n}\n'})
    providers = _configure(d)
    assert _errors(providers.diagnostics) == [(
        'Invalid provider configuration for "mem"', "latency_ms must not be negative",
        ("main.hcl", 3, 16))]


def test_configure_still_configures_a_valid_block(write_config):
    d = write_config({"main.hcl": 'provider "mem" {\n  latency_ms = 2\n}\n'})
    providers = _configure(d)
    assert providers.diagnostics == []
    assert providers.instances["mem"].latency == 0.002


@pytest.mark.parametrize("command", [
    ["plan"], ["apply", "-auto-approve"], ["destroy", "-auto-approve"], ["drift"], ["check"],
])
def test_every_command_exits_1_with_the_diagnostic(write_config, capsys, command):
    d = write_config({"main.hcl": 'provider "mem" {\n  storage = ["w"]\n  latncy_ms = 3\n}\n'
                                  + RESOURCE})
    assert main([*command, "-no-color", str(d)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "ConversionError" not in err
    assert "main.hcl line 2, column 13:" in err
    assert 'Inappropriate value for attribute "storage": string required, but have tuple.' \
        in err
    assert 'An argument named "latncy_ms" is not expected here. Did you mean "latency_ms"?' \
        in err


def test_import_exits_1_with_the_diagnostic(write_config, capsys):
    d = write_config({"main.hcl": 'provider "mem" {\n  latency_ms = "fast"\n}\n' + RESOURCE})
    assert main(["import", "-config", str(d), "mem_object.a", "id-1"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "Incorrect attribute value type" in err
    assert "main.hcl line 2, column 16:" in err


def test_plan_points_a_provider_error_at_its_attribute(write_config, capsys):
    d = write_config({"main.hcl": 'provider "mem" {\n  latency_ms = -5\n}\n' + RESOURCE})
    assert main(["plan", "-no-color", str(d)]) == 1
    err = capsys.readouterr().err
    assert 'Error: Invalid provider configuration for "mem"' in err
    assert "main.hcl line 2, column 16:" in err
    assert "latency_ms must not be negative" in err


def test_validate_asks_the_provider_about_its_block_too(write_config):
    """Checks beyond the schema (Provider.validate_config) run in validate, on
    the values known without configuring: latency_ms = -5 at its value."""
    d = write_config({"main.hcl": 'provider "mem" {\n  latency_ms = -5\n}\n' + RESOURCE})
    assert _errors(check(d)) == [('Invalid provider configuration for "mem"',
                                  "latency_ms must not be negative", ("main.hcl", 2, 16))]
    d = write_config({"main.hcl": 'variable "l" {\n  type = number\n}\n'
                      'provider "mem" {\n  latency_ms = var.l\n}\n' + RESOURCE})
    assert _errors(check(d)) == []      # not known before plan: the plan says
