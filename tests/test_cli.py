"""The command line, end to end through govctl.cli.main."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from govctl.cli import main
from govctl.commands import console

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "ml-platform-aws"


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("govctl v")


def test_version_does_not_import_heavy_modules():
    code = ("import sys; from govctl.cli import main; main(['--version']); "
            "heavy = [m for m in ('tree_sitter', 'pydantic', 'boto3', 'rich', 'jinja2') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip().endswith("[]")


def test_validate_example_succeeds(capsys):
    assert main(["validate", str(EXAMPLE)]) == 0
    assert "Success! The configuration is valid." in capsys.readouterr().out


def test_validate_reports_every_error_with_location(write_config, capsys):
    d = write_config({
        "a.hcl": 'resource "aws_s3_bucket" "b" {\n  bucket = var.nope\n}\n',
        "b.hcl": 'output "x" {\n  value = local.missing\n}\n',
    })
    assert main(["validate", "-no-color", str(d)]) == 1
    err = capsys.readouterr().err
    assert "Reference to undeclared input variable" in err
    assert "Reference to undeclared local value" in err
    assert "a.hcl line 2, column 12" in err
    assert "  bucket = var.nope" in err
    assert "2 error(s) found." in err


def test_validate_json(write_config, capsys):
    d = write_config({"main.hcl": 'x = \n'})
    assert main(["validate", "-json", str(d)]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["valid"] is False
    assert doc["error_count"] == 1
    diag = doc["diagnostics"][0]
    assert diag["severity"] == "error"
    assert diag["range"]["start"]["line"] == 1


def test_syntax_errors_in_several_files_are_all_reported(write_config, capsys):
    d = write_config({"a.hcl": 'a {\n', "b.hcl": 'x = "a\\qb"\n'})
    assert main(["validate", "-no-color", str(d)]) == 1
    err = capsys.readouterr().err
    assert "Unclosed configuration block" in err
    assert "Invalid escape sequence" in err


def test_console_prints_like_terraform_and_keeps_going(write_config):
    d = write_config({"main.hcl": """
        variable "secret" {
          default   = "s3cr3t"
          sensitive = true
        }
        locals { m = { b = [1, "x"], a = true } }
        resource "aws_kms_key" "k" {}
    """})
    out = io.StringIO()
    stdin = io.StringIO("local.m\nlocal.nope\nvar.secret\naws_kms_key.k.arn\n"
                        "\"multi\\nline\"\ntype(local.m)\n1 + 1\n")
    status = console.run(console.ConsoleOptions(d, colour=False), stdin, out)
    assert status == 1  # one line failed, the others still ran
    assert out.getvalue() == (
        '{\n  "a" = true\n  "b" = [\n    1,\n    "x",\n  ]\n}\n'
        "(sensitive value)\n"
        "(known after apply)\n"
        "<<EOT\nmulti\nline\nEOT\n"
        "object({\n    a: bool,\n    b: tuple([\n        number,\n        string,\n    ]),\n})\n"
        "2\n")


def test_console_uses_var_flags(write_config):
    d = write_config({"main.hcl": 'variable "n" { type = number }\n'})
    out = io.StringIO()
    status = console.run(console.ConsoleOptions(d, [("var", "n=41")], colour=False),
                         io.StringIO("var.n + 1\n"), out)
    assert status == 0
    assert out.getvalue() == "42\n"


@pytest.mark.parametrize("flag,code", [("-check", 3), ("-diff", 0)])
def test_fmt_check_and_diff(write_config, capsys, flag, code):
    d = write_config({"main.hcl": 'a   =  1\nbb = 2\n'})
    assert main(["fmt", flag, str(d)]) == code
    out = capsys.readouterr().out
    assert "main.hcl" in out
    if flag == "-check":
        assert (d / "main.hcl").read_text() == 'a   =  1\nbb = 2\n'
    else:
        assert (d / "main.hcl").read_text() == "a  = 1\nbb = 2\n"
        assert "+a  = 1" in out


def test_fmt_refuses_broken_files(write_config, capsys):
    d = write_config({"main.hcl": 'a = {\n'})
    assert main(["fmt", str(d)]) == 2
    assert (d / "main.hcl").read_text() == "a = {\n"


def test_console_works_without_configuration(tmp_path):
    out = io.StringIO()
    status = console.run(console.ConsoleOptions(tmp_path, colour=False),
                         io.StringIO('upper("x")\n[for i in range(3) : i * i]\n'), out)
    assert status == 0
    assert out.getvalue() == '"X"\n[\n  0,\n  1,\n  4,\n]\n'


def test_validate_checks_resources_against_installed_provider_schemas(write_config, capsys):
    d = write_config({"main.hcl": 'resource "mem_object" "a" {\n  nme = "x"\n}\n'
                                  'resource "nobody_thing" "b" {\n  anything = 1\n}\n'})
    assert main(["validate", "-no-color", str(d)]) == 1
    err = capsys.readouterr().err
    assert 'An argument named "nme" is not expected in mem_object. Did you mean "name"?' in err
    assert 'The argument "name" is required in mem_object' in err
    assert "nobody_thing" not in err    # no provider installed for it: left to init


@pytest.mark.parametrize("command", ["plan", "apply", "destroy", "console", "import"])
def test_double_dash_var_file_is_a_var_file(command):
    """`--var-file` and `--var` mean what `-var-file` and `-var` mean, in order."""
    from govctl.cli import _parser

    extra = ["x.a", "id"] if command == "import" else []
    args = _parser().parse_args([command, "--var-file=a.tfvars", "--var", "n=1",
                                 "-var-file", "b.tfvars", "--var=m=2", *extra])
    assert args.vars == [("var-file", "a.tfvars"), ("var", "n=1"), ("var-file", "b.tfvars"),
                         ("var", "m=2")]


@pytest.mark.parametrize("flag", ["--json", "--no-color"])
def test_validate_takes_double_dash_flags(flag):
    from govctl.cli import _parser

    assert _parser().parse_args(["validate", flag]) is not None


@pytest.mark.parametrize("args, summary", [
    (["apply", "-refresh-only", "-destroy", "-auto-approve"], "Incompatible plan mode options"),
    (["plan", "-refresh-only", "-refresh=false"], "Incompatible refresh options"),
    (["plan", "-refresh-only", "-replace", "x.y"], "Incompatible plan options"),
])
def test_incompatible_plan_modes_are_refused_before_anything_runs(args, summary, tmp_path,
                                                                 capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "main.hcl").write_text('resource "mem_object" "a" {\n  name = "a"\n}\n')
    assert main([*args, "-no-color"]) == 1
    err = capsys.readouterr().err
    assert summary in err
    assert not (tmp_path / "govctl.tfstate").exists()


@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_parallelism_must_be_a_positive_whole_number(value, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["plan", f"-parallelism={value}"])
    assert exc.value.code == 2
    assert "-parallelism" in capsys.readouterr().err


def test_a_plan_file_that_cannot_be_written_is_a_diagnostic(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "main.hcl").write_text('resource "mem_object" "a" {\n  name = "a"\n}\n')
    assert main(["plan", "-no-color", "-out", str(tmp_path / "missing" / "p.plan")]) == 1
    err = capsys.readouterr().err
    assert "Failed to write plan file" in err and "No such file or directory" in err
    assert "Traceback" not in err
