"""`state list|show|rm|mv`, `output` and `force-unlock`: what they print and
what they change."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from govctl.addrs import parse_instance
from govctl.state import commands as C
from govctl.state.local import LocalBackend
from govctl.state.model import OutputState

from .conftest import put
from .procs import hold_lock

ALL = ["data.aws_caller_identity.me", "aws_kms_key.k", "aws_s3_bucket.b[0]",
       "aws_s3_bucket.b[1]", 'module.net["eu"].aws_iam_role.r',
       'module.net["us"].aws_iam_role.r']


def out_lines(capsys) -> list[str]:
    return capsys.readouterr().out.splitlines()


# --- state list --------------------------------------------------------------

def test_list_everything(saved, capsys):
    assert C.state_list(saved, []) == 0
    assert out_lines(capsys) == ALL


@pytest.mark.parametrize("filters, expected", [
    (["aws_s3_bucket.b"], ["aws_s3_bucket.b[0]", "aws_s3_bucket.b[1]"]),
    (["aws_s3_bucket.b[1]"], ["aws_s3_bucket.b[1]"]),
    (["module.net"], ['module.net["eu"].aws_iam_role.r', 'module.net["us"].aws_iam_role.r']),
    (['module.net["us"]'], ['module.net["us"].aws_iam_role.r']),
    (['module.net["us"].aws_iam_role.r'], ['module.net["us"].aws_iam_role.r']),
    (["aws_iam_role.r"], []),
    (["data.aws_caller_identity.me", "aws_kms_key.k"],
     ["data.aws_caller_identity.me", "aws_kms_key.k"]),
])
def test_list_filters(saved, capsys, filters, expected):
    assert C.state_list(saved, filters) == 0
    assert out_lines(capsys) == expected


def test_list_bad_filter(saved, capsys):
    assert C.state_list(saved, ["aws_s3_bucket", "ok_t.fine", "x.y.z.w"]) == 1
    err = capsys.readouterr().err
    assert err.count("Error: Invalid address") == 2


def test_list_without_state(backend, capsys):
    assert C.state_list(backend, []) == 1
    assert "No state file was found!" in capsys.readouterr().err


def test_list_reports_a_damaged_state(saved, capsys):
    saved.path.write_text("{")
    assert C.state_list(saved, []) == 1
    assert "State file is truncated" in capsys.readouterr().err


# --- state show ------------------------------------------------------------------

def test_show_renders_hcl_like_with_secrets_hidden(saved, capsys):
    assert C.state_show(saved, 'module.net["eu"].aws_iam_role.r') == 0
    assert capsys.readouterr().out == (
        '# module.net["eu"].aws_iam_role.r:\n'
        'resource "aws_iam_role" "r" {\n'
        '    name     = "r"\n'
        '    password = (sensitive value)\n'
        '    tags     = {\n'
        '        env = "prod"\n'
        '    }\n'
        '}\n')


def test_show_values_of_every_kind(backend, capsys):
    s = backend.read()
    put(s, "x_t.v[0]", {"n": Decimal("1.50"), "f": 0.1, "big": 10**20, "b": False,
                        "gone": None, "l": [1, None, {"k": "v", "secret": "s"}], "e": [],
                        "o": {}, "odd key": "${x} %{y}", "text": "one\ntwo\n",
                        "q": 'say "hi"\\'},
        sensitive_paths=[["l", 2, "secret"]], tainted=True)
    backend.write(s)
    assert C.state_show(backend, "x_t.v[0]") == 0
    assert capsys.readouterr().out == (
        "# x_t.v[0]: (tainted)\n"
        'resource "x_t" "v" {\n'
        "    b         = false\n"
        "    big       = 100000000000000000000\n"
        "    e         = []\n"
        "    f         = 0.1\n"
        "    l         = [\n"
        "        1,\n"
        "        null,\n"
        "        {\n"
        '            k      = "v"\n'
        "            secret = (sensitive value)\n"
        "        },\n"
        "    ]\n"
        "    n         = 1.5\n"
        "    o         = {}\n"
        '    "odd key" = "$${x} %%{y}"\n'
        '    q         = "say \\"hi\\"\\\\"\n'
        "    text      = <<-EOT\n"
        "        one\n"
        "        two\n"
        "    EOT\n"
        "}\n")


def test_show_data_source_and_unkeyed_resource(saved, capsys):
    assert C.state_show(saved, "data.aws_caller_identity.me") == 0
    assert out_lines(capsys)[:2] == ["# data.aws_caller_identity.me:",
                                     'data "aws_caller_identity" "me" {']


@pytest.mark.parametrize("addr", ["aws_s3_bucket.b", "aws_s3_bucket.b[7]", "module.net",
                                  "nope_t.x"])
def test_show_needs_one_existing_instance(saved, capsys, addr):
    assert C.state_show(saved, addr) == 1
    assert "No instance found for the given address!" in capsys.readouterr().err


# --- state rm ----------------------------------------------------------------------

def test_rm_instances_resources_and_modules(saved, capsys):
    assert C.state_rm(saved, ["aws_s3_bucket.b[0]", "module.net", "aws_kms_key.k"]) == 0
    assert out_lines(capsys) == [
        "Removed aws_s3_bucket.b[0]", 'Removed module.net["eu"].aws_iam_role.r',
        'Removed module.net["us"].aws_iam_role.r', "Removed aws_kms_key.k",
        "Successfully removed 4 resource instance(s)."]
    state = saved.read()
    assert [str(a) for a, _, _ in state.instances()] == ["data.aws_caller_identity.me",
                                                         "aws_s3_bucket.b[1]"]
    assert state.serial == 2
    assert not saved.lock_path.exists()


def test_rm_changes_nothing_when_an_address_matches_nothing(saved, capsys):
    before = saved.path.read_bytes()
    assert C.state_rm(saved, ["aws_kms_key.k", "aws_kms_key.missing"]) == 1
    err = capsys.readouterr().err
    assert 'No matching objects found for "aws_kms_key.missing"' in err
    assert saved.path.read_bytes() == before


def test_rm_waits_for_or_reports_the_lock(saved, capsys):
    child, _ = hold_lock(saved.path)
    try:
        assert C.state_rm(saved, ["aws_kms_key.k"]) == 1
        assert "Error acquiring the state lock" in capsys.readouterr().err
    finally:
        child.close()
    assert saved.read().instance(parse_instance("aws_kms_key.k")) is not None


def test_rm_and_mv_without_locking(saved, capsys):
    child, _ = hold_lock(saved.path)
    try:
        assert C.state_rm(saved, ["aws_kms_key.k"], lock=False) == 0
        assert C.state_mv(saved, "aws_s3_bucket.b", "aws_s3_bucket.c", lock=False) == 0
    finally:
        child.close()
    assert "aws_s3_bucket.c[0]" in addrs(saved) and "aws_kms_key.k" not in addrs(saved)


# --- state mv ------------------------------------------------------------------------

def addrs(backend: LocalBackend) -> list[str]:
    return [str(a) for a, _, _ in backend.read().instances()]


def test_mv_instance(saved, capsys):
    assert C.state_mv(saved, "aws_s3_bucket.b[1]", 'aws_s3_bucket.b["one"]') == 1
    assert "would mix instance keys of different kinds" in capsys.readouterr().err
    assert C.state_mv(saved, "aws_s3_bucket.b[1]", "aws_s3_bucket.b[5]") == 0
    assert out_lines(capsys) == ['Move "aws_s3_bucket.b[1]" to "aws_s3_bucket.b[5]"',
                                 "Successfully moved 1 object(s)."]
    assert "aws_s3_bucket.b[5]" in addrs(saved) and "aws_s3_bucket.b[1]" not in addrs(saved)


def test_mv_instance_to_a_new_resource_and_key(saved, capsys):
    assert C.state_mv(saved, "aws_kms_key.k", "aws_kms_key.main[0]") == 0
    state = saved.read()
    inst = state.instance(parse_instance("aws_kms_key.main[0]"))
    assert inst is not None and inst.key == 0 and inst.attributes["id"] == "k-1"


def test_mv_resource_rewrites_dependencies(saved, capsys):
    assert C.state_mv(saved, "aws_kms_key.k", "aws_kms_key.main") == 0
    state = saved.read()
    assert state.instance(parse_instance("aws_kms_key.main")) is not None
    assert state.instance(parse_instance("aws_s3_bucket.b[0]")).dependencies == [  # type: ignore[union-attr]
        "aws_kms_key.main"]


def test_mv_whole_counted_resource(saved, capsys):
    assert C.state_mv(saved, "aws_s3_bucket.b", "aws_s3_bucket.logs") == 0
    assert "Successfully moved 2 object(s)." in capsys.readouterr().out
    assert [a for a in addrs(saved) if "s3" in a] == ["aws_s3_bucket.logs[0]",
                                                      "aws_s3_bucket.logs[1]"]


def test_mv_module(saved, capsys):
    assert C.state_mv(saved, 'module.net["eu"]', "module.network.module.eu") == 0
    assert "module.network.module.eu.aws_iam_role.r" in addrs(saved)
    assert 'module.net["us"].aws_iam_role.r' in addrs(saved)
    state = saved.read()
    rs = state.resources[parse_instance("module.network.module.eu.aws_iam_role.r").resource]
    assert rs.provider == 'module.net.provider["govctl/aws"]'   # kept, as Terraform does


@pytest.mark.parametrize("src, dst, message", [
    ("aws_kms_key.k", "aws_s3_bucket.b[2]", "the resource types do not match"),
    ("aws_s3_bucket.b[0]", "aws_s3_bucket.b[1]", "aws_s3_bucket.b[1] already exists"),
    ("aws_s3_bucket.b", "aws_kms_key.k", "the resource types do not match"),
    ("aws_s3_bucket.b", "aws_s3_bucket.b", "the same"),
    ("aws_s3_bucket.b", "aws_s3_bucket.c[0]", "has several instances"),
    ('module.net["eu"]', 'module.net["us"]', "already has resources"),
    ("module.net", "module.net.module.inner", "cannot move into itself"),
    ('module.net["eu"]', "aws_kms_key.x", "a module moves only to a module"),
    ("aws_kms_key.nope", "aws_kms_key.x", 'No matching objects found for "aws_kms_key.nope"'),
    ("module.none", "module.x", 'No matching objects found for "module.none"'),
    ("aws_kms_key.k", "aws_kms_key.x[", "Invalid address"),
])
def test_mv_refusals_change_nothing(saved, capsys, src, dst, message):
    before = saved.path.read_bytes()
    assert C.state_mv(saved, src, dst) == 1
    assert message in capsys.readouterr().err
    assert saved.path.read_bytes() == before


def test_mv_into_a_resource_of_another_provider(saved, capsys):
    s = saved.read()
    put(s, "aws_kms_key.west[0]", {}, provider='provider["govctl/aws"].west')
    saved.write(s)
    assert C.state_mv(saved, "aws_kms_key.k", "aws_kms_key.west[1]") == 1
    assert 'is managed by provider["govctl/aws"].west' in capsys.readouterr().err


# --- output ----------------------------------------------------------------------------

def test_output_all_hides_sensitive(saved, capsys):
    assert C.output(saved) == 0
    assert capsys.readouterr().out == (
        'bucket = "b0"\n'
        "count = 2\n"
        "names = tolist([\n"
        '  "b0",\n'
        '  "b1",\n'
        "])\n"
        "secret = <sensitive>\n")


def test_output_by_name(saved, capsys):
    assert C.output(saved, "names") == 0
    assert capsys.readouterr().out.startswith("tolist([\n")
    assert C.output(saved, "secret") == 0
    assert capsys.readouterr().out == "<sensitive>\n"


def test_output_json_includes_sensitive_values(saved, capsys):
    assert C.output(saved, json=True) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["secret"] == {"sensitive": True, "type": "string", "value": "s3cr3t"}
    assert doc["names"] == {"sensitive": False, "type": ["list", "string"],
                            "value": ["b0", "b1"]}
    assert C.output(saved, "secret", json=True) == 0
    assert capsys.readouterr().out == '"s3cr3t"\n'


def test_output_json_keeps_every_digit(backend, capsys):
    s = backend.read()
    s.outputs["pi"] = OutputState(Decimal("3.14159265358979323846264338327950288"), "number")
    backend.write(s)
    assert C.output(backend, "pi", json=True) == 0
    assert capsys.readouterr().out == "3.14159265358979323846264338327950288\n"


@pytest.mark.parametrize("value, type_, printed", [
    ("b0\n", "string", "b0\n"),
    (2, "number", "2"),
    (Decimal("2.50"), "number", "2.5"),
    (True, "bool", "true"),
])
def test_output_raw(backend, capsys, value, type_, printed):
    s = backend.read()
    s.outputs["o"] = OutputState(value, type_, sensitive=True)
    backend.write(s)
    assert C.output(backend, "o", raw=True) == 0
    assert capsys.readouterr().out == printed          # no newline added, as Terraform


@pytest.mark.parametrize("value, type_, message", [
    (["a"], ["list", "string"], 'output value "o" is list of string'),
    ({"a": 1}, ["object", {"a": "number"}], 'output value "o" is object'),
    (None, "string", 'output value "o" is null'),
])
def test_output_raw_refuses_complex_values(backend, capsys, value, type_, message):
    s = backend.read()
    s.outputs["o"] = OutputState(value, type_)
    backend.write(s)
    assert C.output(backend, "o", raw=True) == 1
    err = capsys.readouterr().err
    assert "Unsupported value for raw output" in err and message in err


def test_output_complex_types_render_like_terraform(backend, capsys):
    s = backend.read()
    s.outputs["m"] = OutputState({"b": 1, "a": 2}, ["map", "number"])
    s.outputs["o"] = OutputState({"s": ["x"], "n": None},
                                 ["object", {"s": ["set", "string"], "n": "string"}])
    s.outputs["t"] = OutputState([1, "x"], ["tuple", ["number", "string"]])
    backend.write(s)
    assert C.output(backend) == 0
    assert capsys.readouterr().out == (
        "m = tomap({\n"
        '  "a" = 2\n'
        '  "b" = 1\n'
        "})\n"
        "o = {\n"
        '  "n" = null\n'
        '  "s" = toset([\n'
        '    "x",\n'
        "  ])\n"
        "}\n"
        "t = [\n"
        "  1,\n"
        '  "x",\n'
        "]\n")


def test_output_errors(saved, capsys):
    assert C.output(saved, "nope") == 1
    assert 'Output "nope" not found' in capsys.readouterr().err
    assert C.output(saved, raw=True) == 1
    assert "The -raw option requires a single output name." in capsys.readouterr().err
    assert C.output(saved, "bucket", json=True, raw=True) == 1
    assert "mutually exclusive" in capsys.readouterr().err


def test_output_without_outputs(backend, capsys):
    assert C.output(backend) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and "No outputs found" in captured.err
    assert C.output(backend, json=True) == 0
    assert capsys.readouterr().out == "{}\n"


# --- force-unlock ------------------------------------------------------------------------

def test_force_unlock(saved, capsys):
    child, lock_id = hold_lock(saved.path)
    child.kill()
    child.close()
    assert C.force_unlock(saved, "other") == 1
    assert f'does not match the existing lock ID "{lock_id}"' in capsys.readouterr().err
    assert C.force_unlock(saved, lock_id) == 0
    assert "successfully unlocked" in capsys.readouterr().out
    assert C.force_unlock(saved, lock_id) == 1
    assert "No lock is held" in capsys.readouterr().err
