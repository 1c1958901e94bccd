"""Regressions found in review: sensitivity carried through references,
data sources depending on pending changes, provider bugs and bad plan files
reported as diagnostics."""

from __future__ import annotations

import pytest

from govctl.plugins.testing import InMemoryProvider

SECRET_CONFIG = '''
    variable "secret" {
      type      = string
      sensitive = true
      default   = "hunter2"
    }
    resource "mem_object" "a" {
      name  = "a"
      value = var.secret
    }
    resource "mem_object" "b" {
      name  = "b"
      value = mem_object.a.value
    }
    output "v" {
      value     = mem_object.a.value
%s    }
    '''


def test_attribute_set_from_sensitive_variable_stays_sensitive_in_references(ws):
    ws.write(SECRET_CONFIG % '')
    code, out, err = ws.plan()
    assert code == 1
    assert "hunter2" not in out + err
    assert "Output refers to sensitive values" in err
    ws.write(SECRET_CONFIG % '      sensitive = true\n')
    code, out, err = ws.apply()
    assert code == 0, err
    assert "hunter2" not in out + err
    code, out, err = ws.run("output", "-state", str(ws.root / "govctl.tfstate"))
    assert code == 0
    assert "hunter2" not in out and "v = <sensitive>" in out
    # and on a later run, where the instances are unchanged (values from state)
    code, out, err = ws.plan("-detailed-exitcode")
    assert code == 0, err
    assert "hunter2" not in out + err


def test_data_source_depending_on_a_pending_create_is_read_during_apply(ws):
    ws.write('''
    resource "mem_object" "a" {
      name  = "a0"
      value = "hello"
    }
    data "mem_lookup" "l" {
      name = mem_object.a.name
    }
    data "mem_lookup" "m" {
      name       = "a0"
      depends_on = [mem_object.a]
    }
    resource "mem_object" "u" {
      name  = "u"
      value = "${data.mem_lookup.l.value}-${data.mem_lookup.m.value}"
    }
    ''')
    code, out, err = ws.plan()
    assert code == 0, err
    assert "data.mem_lookup.l will be read during apply" in out
    assert "data.mem_lookup.m will be read during apply" in out
    code, out, err = ws.apply()
    assert code == 0, err
    assert ws.world.find("mem_object", "u")["value"] == "hello-hello"
    code, out, err = ws.plan("-detailed-exitcode")
    assert code == 0, out + err


@pytest.mark.parametrize("method", ["plan", "read"])
def test_provider_bug_during_plan_is_a_diagnostic(ws, monkeypatch, method):
    ws.write('''
    resource "mem_object" "a" {
      name = "a0"
    }
    ''')
    if method == "read":
        assert ws.apply()[0] == 0

    def broken(self, *args):
        raise KeyError("boom")

    monkeypatch.setattr(InMemoryProvider, method, broken)
    code, _out, err = ws.plan()
    assert code == 1
    assert "the provider failed unexpectedly: KeyError('boom')" in err


@pytest.mark.parametrize("text", ['[1]', '{"format": "govctl-plan/1", "changes": '
                                  '[{"addr": 5}], "outputs": []}'])
def test_malformed_plan_file_is_a_diagnostic(ws, text):
    ws.write('''
    resource "mem_object" "a" {
      name = "a0"
    }
    ''')
    path = ws.root / "bad.plan"
    path.write_text(text)
    code, _out, err = ws.run("apply", "-no-color", str(path))
    assert code == 1
    assert "Invalid plan file" in err
