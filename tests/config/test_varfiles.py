"""Variable values: sources and Terraform's precedence order."""

from __future__ import annotations

from tests.config.helpers import errors, py, run

CONFIG = {
    "main.hcl": """
        variable "name" { default = "default" }
        variable "size" { type = number }
        variable "tags" { type = map(string) }
        output "name" { value = var.name }
        output "size" { value = var.size }
        output "tags" { value = var.tags }
    """,
}


def test_environment_is_lowest_then_files_then_command_line(write_config, tmp_path):
    d = write_config({**CONFIG,
                      "govctl.tfvars": 'name = "tfvars"\nsize = 2\ntags = { a = "1" }\n',
                      "b.auto.tfvars": 'name = "auto-b"\n',
                      "a.auto.tfvars.json": '{"name": "auto-a", "size": 3}'})
    extra = tmp_path / "extra.tfvars"
    extra.write_text('name = "file"\n')
    env = {"GOVCTL_VAR_name": "env", "GOVCTL_VAR_size": "1", "GOVCTL_VAR_tags": '{b = "2"}'}
    r = run(d, env=env)
    assert errors(r) == []
    # auto files in lexical order: a.auto.tfvars.json then b.auto.tfvars
    assert py(r, "name") == "auto-b"
    assert py(r, "size") == 3
    assert py(r, "tags") == {"a": "1"}
    r = run(d, env=env, cli=[("var", "name=cli"), ("var-file", str(extra))])
    assert py(r, "name") == "file"
    r = run(d, env=env, cli=[("var-file", str(extra)), ("var", "name=cli")])
    assert py(r, "name") == "cli"


def test_environment_values_are_parsed_for_non_string_types(write_config):
    d = write_config(CONFIG)
    r = run(d, env={"GOVCTL_VAR_size": "7", "GOVCTL_VAR_tags": '{team = "ml"}'})
    assert errors(r) == []
    assert py(r, "size") == 7
    assert py(r, "tags") == {"team": "ml"}
    assert py(r, "name") == "default"


def test_bad_cli_values_are_diagnosed(write_config):
    d = write_config(CONFIG)
    r = run(d, cli=[("var", "nmae=x"), ("var", "size=abc"), ("var", "novalue")])
    details = " | ".join(e.detail for e in errors(r))
    assert 'Did you mean "name"?' in details
    assert "not correctly specified" in details
    summaries = [e.summary for e in errors(r)]
    assert "Unknown variable" in summaries  # size=abc parses as a reference


def test_undeclared_variable_in_file_is_a_warning(write_config):
    d = write_config({**CONFIG, "govctl.tfvars": 'size = 1\ntags = {}\nnmae = "x"\n'})
    r = run(d)
    assert errors(r) == []
    warnings = [x for x in r.diagnostics if x.summary == "Value for undeclared variable"]
    assert warnings and 'Did you mean "name"?' in warnings[0].detail
    assert warnings[0].range.start.line == 3


def test_type_any_parses_the_value_and_no_type_keeps_it_literal(write_config):
    """As Terraform 1.11: `type = any` reads `-var` text as an expression;
    a variable with no type (or `type = string`) takes it literally."""
    d = write_config({"main.hcl": """
        variable "any" { type = any }
        variable "untyped" {}
        output "any" { value = var.any }
        output "untyped" { value = var.untyped }
    """})
    r = run(d, cli=[("var", 'any=[{a = "b"}]'), ("var", "untyped=[1]")],
            env={})
    assert errors(r) == []
    assert py(r, "any") == [{"a": "b"}]
    assert py(r, "untyped") == "[1]"
    r = run(d, env={"GOVCTL_VAR_any": "{n = 1}", "GOVCTL_VAR_untyped": "{n = 1}"})
    assert py(r, "any") == {"n": 1}
    assert py(r, "untyped") == "{n = 1}"


SENSITIVE = {"main.hcl": """
    variable "n" {
      type      = list(number)
      sensitive = true
    }
    variable "pin" {
      type      = number
      sensitive = true
    }
    output "n" {
      value     = var.n
      sensitive = true
    }
"""}


def test_a_sensitive_variable_s_bad_value_is_never_shown(write_config, tmp_path):
    d = write_config({**SENSITIVE, "govctl.tfvars": 'pin = "SECRET2"\n'})
    bad = tmp_path / "bad.tfvars"
    bad.write_text("pin = SECRET3\n")
    for cli, env in (([("var", 'n=["SECRETN"]')], {}),
                     ([("var", "n=[SECRETVAR]")], {}),
                     ([], {"GOVCTL_VAR_n": "[SECRETENV"}),
                     ([("var-file", str(bad))], {})):
        r = run(d, cli=cli, env=env)
        text = " | ".join(f"{e.summary}: {e.detail} {e.range}" for e in errors(r))
        assert errors(r), (cli, env)
        assert "Invalid value redacted because it is sensitive" in text, text
        for secret in ("SECRETN", "SECRETVAR", "SECRETENV", "SECRET2", "SECRET3"):
            assert secret not in text, (secret, text)
