"""Changes made outside govctl to a sensitive attribute are shown, never their values."""

from __future__ import annotations

from tests.engine.conftest import Workspace


def test_drift_of_a_sensitive_attribute_is_not_printed(ws: Workspace) -> None:
    ws.write('resource "mem_object" "a" {\n  name   = "a"\n  secret = "hush-hush"\n}\n')
    assert ws.apply()[0] == 0
    obj = ws.world.find("mem_object", "a")
    assert obj is not None
    ws.world.put("mem_object", {**obj, "secret": "new-secret-xyz"})
    code, out, err = ws.plan("-detailed-exitcode")
    assert code == 2
    assert "mem_object.a has changed" in out
    assert "secret" in out and "(sensitive value)" in out
    assert "hush-hush" not in out + err and "new-secret-xyz" not in out + err


def test_destroy_plan_hides_sensitive_attributes(ws: Workspace) -> None:
    ws.write('resource "mem_object" "a" {\n  name   = "a"\n  secret = "hush-hush"\n}\n')
    assert ws.apply()[0] == 0
    code, out, err = ws.plan("-destroy")
    assert code == 0
    assert "mem_object.a will be destroyed" in out
    assert "hush-hush" not in out + err
