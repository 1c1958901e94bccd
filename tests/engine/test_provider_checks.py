"""A provider's own checks (Provider.validate) run before planning and point
at the attribute they name; failures during apply point at the resource."""

from __future__ import annotations

from govctl.plugins.testing import InMemoryProvider
from tests.engine.conftest import Workspace


def test_validate_errors_stop_the_plan_at_the_attribute(ws: Workspace) -> None:
    ws.write('resource "mem_object" "a" {\n  name  = ""\n  value = "v"\n}\n')
    code, _out, err = ws.plan()
    assert code == 1
    assert "Invalid mem_object configuration" in err
    assert "mem_object.a: name must not be empty" in err
    assert "main.hcl line 5, column 11" in err          # the value of `name`
    assert not [c for c in InMemoryProvider.calls if c[0] == "plan"]


def test_apply_failure_points_at_the_resource(ws: Workspace) -> None:
    ws.write('resource "mem_object" "a" {\n  name = "boom"\n}\n')
    InMemoryProvider.inject(call="create", name="boom", error="quota exceeded")
    code, _out, err = ws.apply()
    assert code == 1
    assert "Failed to create mem_object.a" in err
    assert "quota exceeded" in err
    assert 'main.hcl line 4, column 1' in err and 'resource "mem_object" "a"' in err
