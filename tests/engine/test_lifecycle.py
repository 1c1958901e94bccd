"""lifecycle: replace_triggered_by and postconditions."""

from __future__ import annotations

from govctl.plan.model import Action
from govctl.plugins.testing import InMemoryProvider

from .support import capture_plans

TRIGGERED = """
resource "mem_object" "config" {
  name  = "config"
  value = "%(v)s"
  tags  = { owner = "%(owner)s" }
}
resource "mem_object" "worker" {
  name = "worker"
  lifecycle {
    replace_triggered_by = [%(ref)s]
  }
}
"""


def _actions(plan) -> dict[str, Action]:
    return {str(c.addr): c.action for c in plan.changes}


def test_replaced_when_the_referenced_instance_is_updated(ws, monkeypatch):
    ws.write(TRIGGERED % {"v": "1", "owner": "a", "ref": "mem_object.config"})
    assert ws.apply()[0] == 0
    old_id = ws.world.find("mem_object", "worker")["id"]
    ws.write(TRIGGERED % {"v": "2", "owner": "a", "ref": "mem_object.config"})
    plans = capture_plans(monkeypatch)
    code, out, err = ws.plan()
    assert code == 0, err
    assert _actions(plans[0]) == {"mem_object.config": Action.UPDATE,
                                  "mem_object.worker": Action.REPLACE}
    assert "replace_triggered_by: mem_object.config" in out
    InMemoryProvider.calls.clear()
    assert ws.apply()[0] == 0
    ops = [(c, n) for c, _, n in InMemoryProvider.calls if c in ("create", "delete")]
    assert ops == [("delete", "worker"), ("create", "worker")]
    # the in-memory cloud derives ids from names: the object is new all the same
    assert ws.world.find("mem_object", "worker")["id"] == old_id
    plans.clear()
    assert ws.plan()[0] == 0
    assert _actions(plans[0])["mem_object.worker"] is Action.NOOP


def test_attribute_reference_triggers_only_on_that_attribute(ws, monkeypatch):
    ws.write(TRIGGERED % {"v": "1", "owner": "a", "ref": "mem_object.config.tags"})
    assert ws.apply()[0] == 0
    plans = capture_plans(monkeypatch)
    ws.write(TRIGGERED % {"v": "2", "owner": "a", "ref": "mem_object.config.tags"})
    ws.plan()
    assert _actions(plans[-1])["mem_object.worker"] is Action.NOOP
    ws.write(TRIGGERED % {"v": "1", "owner": "b", "ref": "mem_object.config.tags"})
    ws.plan()
    assert _actions(plans[-1])["mem_object.worker"] is Action.REPLACE


def test_trigger_by_one_instance_of_a_counted_resource(ws, monkeypatch):
    # Terraform also allows mem_object.c[count.index] here; the configuration
    # decoder accepts only literal keys for now
    config = """
        resource "mem_object" "c" {
          count = 2
          name  = "c${count.index}"
          value = "%s"
        }
        resource "mem_object" "w" {
          name  = "w"
          lifecycle {
            replace_triggered_by = [mem_object.c[1]]
          }
        }
    """
    ws.write(config % '${count.index == 0 ? "x" : "y"}')
    assert ws.apply()[0] == 0
    plans = capture_plans(monkeypatch)
    ws.write(config % '${count.index == 0 ? "changed" : "y"}')
    ws.plan()
    assert _actions(plans[-1])["mem_object.w"] is Action.NOOP
    ws.write(config % '${count.index == 0 ? "x" : "changed"}')
    ws.plan()
    assert _actions(plans[-1])["mem_object.w"] is Action.REPLACE


def test_trigger_by_a_whole_counted_resource(ws, monkeypatch):
    config = """
        resource "mem_object" "c" {
          count = 2
          name  = "c${count.index}"
          value = "%s"
        }
        resource "mem_object" "w" {
          name  = "w"
          lifecycle {
            replace_triggered_by = [mem_object.c]
          }
        }
    """
    ws.write(config % '${count.index == 0 ? "x" : "y"}')
    assert ws.apply()[0] == 0
    plans = capture_plans(monkeypatch)
    ws.write(config % '${count.index == 0 ? "changed" : "y"}')
    ws.plan()
    assert _actions(plans[-1])["mem_object.w"] is Action.REPLACE


POST = """
resource "mem_object" "checked" {
  name  = "checked"
  value = "%s"
  lifecycle {
    postcondition {
      condition     = self.arn == "arn:mem:object/${self.name}" && self.value != "bad"
      error_message = "The object ${self.name} came out wrong."
    }
  }
}
resource "mem_object" "after" {
  name  = "after"
  value = mem_object.checked.id
}
resource "mem_object" "alone" {
  name = "alone"
}
"""


def test_postcondition_holds(ws):
    ws.write(POST % "good")
    code, _out, err = ws.apply()
    assert code == 0, err
    assert len(ws.addresses()) == 3


def test_failed_postcondition_stops_dependents(ws):
    ws.write(POST % "bad")
    code, _out, err = ws.apply()
    assert code == 1
    assert "Resource postcondition failed" in err
    assert "The object checked came out wrong." in err
    assert "main.hcl line" in err
    # the object exists, so it is in state; its dependent was not made
    assert ws.addresses() == ["mem_object.alone", "mem_object.checked"]
    assert ws.world.find("mem_object", "after") is None


KNOWN_POST = """
resource "mem_object" "checked" {
  name  = "checked"
  value = "%s"
  lifecycle {
    postcondition {
      condition     = self.value != "bad"
      error_message = "The value of ${self.name} is bad."
    }
  }
}
resource "mem_object" "alone" {
  name = "alone"
}
"""


def test_a_postcondition_decided_by_planned_values_fails_the_plan(ws):
    ws.write(KNOWN_POST % "bad")
    code, _out, err = ws.plan()
    assert code == 1
    assert "Resource postcondition failed" in err and "The value of checked is bad." in err
    assert "main.hcl line" in err
    code, _out, err = ws.apply()
    assert code == 1
    assert ws.world.list("mem_object") == []        # nothing was made


def test_a_postcondition_on_an_existing_object_is_checked_at_plan(ws):
    ws.write(KNOWN_POST % "good")
    assert ws.apply()[0] == 0
    ws.write(KNOWN_POST % "bad")
    code, _out, err = ws.plan()
    assert code == 1 and "The value of checked is bad." in err
    assert ws.world.find("mem_object", "checked")["value"] == "good"
