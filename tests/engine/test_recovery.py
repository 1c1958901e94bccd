"""Crashes, interrupts and failures in the middle of an apply: nothing created
is lost or created twice, and what failed is reported with the provider's
own message."""

from __future__ import annotations

import signal
import subprocess
import time

from govctl.plan.model import Action
from govctl.plugins.testing import InMemoryProvider
from govctl.state.local import LocalBackend

from .support import (
    capture_plans,
    clear_stale_lock,
    govctl_cmd,
    govctl_env,
    objects,
    run_govctl,
)


def _after_kill(ws, outside: str | None = None) -> tuple[list[str], list[str]]:
    """What a killed apply left, read from the world and the state: the objects
    made but not recorded (each with a sent intent) and any other
    intents (of creates with nothing behind them). Which create got the slot
    first is up to the threads, so the tests do not assume it."""
    state = LocalBackend(ws.root / "govctl.tfstate").read()
    made = {f"mem_object.{o['name']}" for o in ws.world.list("mem_object")
            if o["id"] != outside}      # an object made outside govctl is not ours
    recorded = {str(addr) for addr, _, _ in state.instances()}
    assert recorded < made, (recorded, made)
    # the create the kill cut short, and perhaps one that had returned but
    # whose record was still on its way to the journal when the kill came
    cuts = sorted(made - recorded)
    assert 1 <= len(cuts) <= 2, cuts
    intents = sorted(state.intents)
    assert set(cuts) <= set(intents), intents
    assert all(state.intents[c].sent for c in cuts)     # their creates were sent
    waiting = [a for a in intents if a not in made]
    # a create waiting for a provider slot has its intent written, not sent yet
    assert all(not state.intents[a].sent for a in waiting), waiting
    return cuts, waiting


def test_killed_create_is_found_again_not_duplicated(ws, monkeypatch):
    ws.write(objects(5))
    proc = run_govctl("apply", "-no-color", "-auto-approve", "-parallelism=1", str(ws.root),
                      fail={"call": "create", "nth": 2, "action": "kill"})
    assert proc.returncode == -signal.SIGKILL, proc.stdout + proc.stderr
    assert len(ws.world.list("mem_object")) == 2     # the second create happened
    clear_stale_lock(ws.root)
    cuts, waiting = _after_kill(ws)
    assert len(waiting) <= 1, waiting   # at most one more apply thread (2 x parallelism)
    made = sorted(f"mem_object.{o['name']}" for o in ws.world.list("mem_object"))
    plans = capture_plans(monkeypatch)
    code, out, err = ws.plan()
    assert code == 0, err
    assert "Plan: 3 to add, 0 to change, 0 to destroy." in out
    creates = sorted(str(c.addr) for c in plans[0].changes if c.action is Action.CREATE)
    assert creates == sorted({f"mem_object.o{i}" for i in range(1, 6)} - set(made))
    found = [c for c in plans[0].changes if c.recovered]
    assert [str(c.addr) for c in found] == cuts
    assert plans[0].settled == waiting      # nothing behind them: dropped
    assert all(c.action is Action.NOOP for c in found)
    code, out, err = ws.apply()
    assert code == 0, err + out
    names = sorted(o["name"] for o in ws.world.list("mem_object"))
    assert names == ["o1", "o2", "o3", "o4", "o5"]
    assert ws.addresses() == [f"mem_object.o{i}" for i in range(1, 6)]
    assert ws.state()["intents"] == []
    ids = {i["attributes"]["id"] for r in ws.state()["resources"] for i in r["instances"]}
    assert ids == {o["id"] for o in ws.world.list("mem_object")}
    code, out, _ = ws.plan()
    assert "No changes." in out


def test_a_kill_never_takes_over_an_object_made_outside_govctl(ws, monkeypatch):
    """A create still waiting for its provider slot leaves an intent marked as
    not sent: the next plan drops it without looking, so an object of the same
    name made outside govctl is not taken for one this apply made."""
    ws.write(objects(5))
    outside = ws.world.put("mem_object", {"name": "o3", "value": "someone else's",
                                          "arn": "arn:mem:object/o3"})
    proc = run_govctl("apply", "-no-color", "-auto-approve", "-parallelism=1", str(ws.root),
                      fail=[{"call": "apply", "delay": 0.3},
                            {"call": "create", "nth": 2, "action": "kill"}])
    assert proc.returncode == -signal.SIGKILL, proc.stdout + proc.stderr
    clear_stale_lock(ws.root)
    cuts, waiting = _after_kill(ws, outside=outside["id"])
    # while the second create took 0.3 s, the other thread had moved on to the
    # third object and written its intent, unsent, while waiting for the slot
    assert waiting == ["mem_object.o3"]
    plans = capture_plans(monkeypatch)
    code, _, err = ws.plan()
    assert code == 0, err
    assert [str(c.addr) for c in plans[0].changes if c.recovered] == cuts
    assert plans[0].settled == waiting      # dropped without looking for "o3"
    creates = sorted(str(c.addr) for c in plans[0].changes if c.action is Action.CREATE)
    assert "mem_object.o3" in creates
    assert ws.world.get("mem_object", outside["id"])["value"] == "someone else's"


def test_intent_with_nothing_behind_it_is_dropped(ws, monkeypatch):
    ws.write(objects(2))
    proc = run_govctl("apply", "-no-color", "-auto-approve", "-parallelism=1", str(ws.root),
                      fail={"call": "create", "nth": 2, "action": "kill"})
    assert proc.returncode == -signal.SIGKILL
    clear_stale_lock(ws.root)
    cuts, waiting = _after_kill(ws)
    assert waiting == []            # two objects: nothing else was waiting
    for cut in cuts:
        ws.world.delete("mem_object", ws.world.find("mem_object", cut.split(".")[1])["id"])
    plans = capture_plans(monkeypatch)
    code, out, err = ws.plan()
    assert code == 0, err
    assert f"Plan: {len(cuts)} to add" in out
    assert plans[0].settled == cuts
    assert ws.apply()[0] == 0
    assert ws.state()["intents"] == []
    assert ws.addresses() == ["mem_object.o1", "mem_object.o2"]


CHAIN = """
resource "mem_object" "a" {
  name = "a"
}
resource "mem_object" "b" {
  name  = "b"
  value = mem_object.a.id
}
resource "mem_object" "x" {
  name = "x"
}
resource "mem_object" "y" {
  name  = "y"
  value = mem_object.x.id
}
resource "mem_object" "z" {
  name = "z"
}
"""


def test_failure_stops_only_its_dependents(ws):
    ws.write(CHAIN)
    InMemoryProvider.inject(call="create", name="x", error="quota exceeded for x")
    code, out, err = ws.apply()
    assert code == 1
    assert ws.addresses() == ["mem_object.a", "mem_object.b", "mem_object.z"]
    assert sorted(o["name"] for o in ws.world.list("mem_object")) == ["a", "b", "z"]
    assert "Failed to create mem_object.x" in err
    assert "quota exceeded for x" in err
    assert "mem_object.y" not in err          # skipped, not a failure of its own
    assert "1 failed" in out
    InMemoryProvider.reset()
    code, out, err = ws.apply()
    assert code == 0, err
    assert ws.addresses() == ["mem_object.a", "mem_object.b", "mem_object.x", "mem_object.y",
                              "mem_object.z"]


def test_every_failure_is_named_with_its_message(ws):
    ws.write(CHAIN)
    InMemoryProvider.inject(call="create", name="x", error="no room for x")
    InMemoryProvider.inject(call="create", name="z", error="z is forbidden here")
    code, _out, err = ws.apply()
    assert code == 1
    assert "Failed to create mem_object.x" in err and "no room for x" in err
    assert "Failed to create mem_object.z" in err and "z is forbidden here" in err
    assert ws.addresses() == ["mem_object.a", "mem_object.b"]


REPLACE = """
resource "mem_object" "r" {
  name = "%s"
  lifecycle {
    create_before_destroy = %s
  }
}
"""


def _apply_calls() -> list[tuple[str, str | None]]:
    return [(c, n) for c, _, n in InMemoryProvider.calls if c in ("create", "update", "delete")]


def test_replace_destroys_first_by_default(ws):
    ws.write(REPLACE % ("one", "false"))
    assert ws.apply()[0] == 0
    InMemoryProvider.calls.clear()
    ws.write(REPLACE % ("two", "false"))
    code, _, err = ws.apply()
    assert code == 0, err
    assert _apply_calls() == [("delete", "one"), ("create", "two")]


def test_create_before_destroy_creates_first(ws):
    ws.write(REPLACE % ("one", "true"))
    assert ws.apply()[0] == 0
    InMemoryProvider.calls.clear()
    ws.write(REPLACE % ("two", "true"))
    code, out, err = ws.apply()
    assert code == 0, err
    assert _apply_calls() == [("create", "two"), ("delete", "one")]
    assert "1 added, 0 changed, 1 destroyed" in out
    assert [o["name"] for o in ws.world.list("mem_object")] == ["two"]
    assert ws.state()["resources"][0]["instances"][0]["attributes"]["name"] == "two"
    assert ws.state()["intents"] == []


CBD_WITH_DEPENDENT = """
resource "mem_object" "r" {
  name = "%s"
  lifecycle {
    create_before_destroy = true
  }
}
resource "mem_object" "user" {
  name  = "user"
  value = mem_object.r.id
}
"""


def test_create_before_destroy_updates_dependents_before_destroying(ws):
    ws.write(CBD_WITH_DEPENDENT % "one")
    assert ws.apply()[0] == 0
    InMemoryProvider.calls.clear()
    ws.write(CBD_WITH_DEPENDENT % "two")
    code, _, err = ws.apply()
    assert code == 0, err
    assert _apply_calls() == [("create", "two"), ("update", "user"), ("delete", "one")]
    assert ws.world.find("mem_object", "user")["value"] == ws.world.find("mem_object",
                                                                          "two")["id"]


def test_failed_destroy_of_the_old_object_leaves_it_deposed(ws, monkeypatch):
    ws.write(REPLACE % ("one", "true"))
    assert ws.apply()[0] == 0
    old_id = ws.world.find("mem_object", "one")["id"]
    ws.write(REPLACE % ("two", "true"))
    InMemoryProvider.inject(call="delete", name="one", error="one is still in use")
    code, _out, err = ws.apply()
    assert code == 1
    assert "destroying the old one failed: one is still in use" in err
    state = ws.state()
    # the old object is still the instance in state; the new one is recorded too
    assert state["resources"][0]["instances"][0]["attributes"]["id"] == old_id
    assert [i["planned"]["name"] for i in state["intents"]] == ["two"]
    assert sorted(o["name"] for o in ws.world.list("mem_object")) == ["one", "two"]
    InMemoryProvider.reset()
    plans = capture_plans(monkeypatch)
    code, out, err = ws.plan()
    assert code == 0, err
    deposed = [c for c in plans[0].changes if c.deposed]
    assert [(str(c.addr), c.before["name"]) for c in deposed] == [("mem_object.r", "one")]
    assert "Plan: 0 to add, 0 to change, 1 to destroy." in out
    code, out, err = ws.apply()
    assert code == 0, err
    assert [o["name"] for o in ws.world.list("mem_object")] == ["two"]
    assert ws.state()["resources"][0]["instances"][0]["attributes"]["name"] == "two"
    assert ws.state()["intents"] == []
    assert "No changes." in ws.plan()[1]


def test_crash_between_create_and_destroy_is_finished_next_time(ws):
    ws.write(REPLACE % ("one", "true"))
    assert ws.apply()[0] == 0
    ws.write(REPLACE % ("two", "true"))
    proc = run_govctl("apply", "-no-color", "-auto-approve", str(ws.root),
                      fail={"call": "create", "name": "two", "action": "kill"})
    assert proc.returncode == -signal.SIGKILL
    clear_stale_lock(ws.root)
    assert sorted(o["name"] for o in ws.world.list("mem_object")) == ["one", "two"]
    code, out, err = ws.apply()
    assert code == 0, err + out
    assert [o["name"] for o in ws.world.list("mem_object")] == ["two"]
    assert ws.addresses() == ["mem_object.r"]
    assert ws.state()["resources"][0]["instances"][0]["attributes"]["name"] == "two"
    assert "No changes." in ws.plan()[1]


def test_first_interrupt_finishes_in_flight_changes_and_saves_state(ws):
    ws.write(objects(8))
    proc = subprocess.Popen(
        govctl_cmd("apply", "-no-color", "-auto-approve", "-parallelism=2", str(ws.root)),
        env=govctl_env({"call": "apply", "delay": 0.5}), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    started = 0
    deadline = time.monotonic() + 60
    while started < 3 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        started += "Creating..." in line
    assert started == 3, "the apply never got going"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, out + err
    assert "Interrupted" in err
    # nothing is left behind: no lock, no journal; state and world agree
    assert not (ws.root / "govctl.tfstate.lock.info").exists()
    assert not (ws.root / "govctl.tfstate.journal").exists()
    in_world = sorted(o["name"] for o in ws.world.list("mem_object"))
    assert 3 <= len(in_world) < 8
    assert ws.addresses() == [f"mem_object.{n}" for n in in_world]
    assert ws.state()["intents"] == []
    code, out, err = ws.apply()
    assert code == 0, err
    assert len(ws.world.list("mem_object")) == 8
    assert len(ws.addresses()) == 8


def test_second_interrupt_exits_without_waiting_and_loses_nothing(ws):
    ws.write(objects(8))
    proc = subprocess.Popen(
        govctl_cmd("apply", "-no-color", "-auto-approve", "-parallelism=2", str(ws.root)),
        env=govctl_env({"call": "apply", "delay": 0.5}), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    started = 0
    while started < 3:
        line = proc.stdout.readline()
        assert line, "the apply never got going"
        started += "Creating..." in line
    proc.send_signal(signal.SIGINT)
    time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, out + err
    assert "Stopped without waiting" in err
    # the next run folds whatever the journal still holds
    code, out, err = ws.plan()
    assert code == 0, err
    in_world = sorted(o["name"] for o in ws.world.list("mem_object"))
    assert ws.addresses() == [f"mem_object.{n}" for n in in_world]
    assert f"Plan: {8 - len(in_world)} to add" in out


def test_destroy_after_a_killed_create_destroys_the_found_object(ws):
    ws.write(objects(2))
    proc = run_govctl("apply", "-no-color", "-auto-approve", "-parallelism=1", str(ws.root),
                      fail={"call": "create", "nth": 2, "action": "kill"})
    assert proc.returncode == -signal.SIGKILL
    clear_stale_lock(ws.root)
    code, out, err = ws.run("destroy", "-no-color", "-auto-approve", str(ws.root))
    assert code == 0, err + out
    assert "Destroy complete! Resources: 2 destroyed." in out
    assert ws.world.list("mem_object") == []
    assert ws.addresses() == []
    assert ws.state()["intents"] == []


def test_destroy_with_a_deposed_object_destroys_both(ws):
    ws.write(REPLACE % ("one", "true"))
    assert ws.apply()[0] == 0
    ws.write(REPLACE % ("two", "true"))
    InMemoryProvider.inject(call="delete", name="one", error="busy")
    assert ws.apply()[0] == 1
    InMemoryProvider.reset()
    code, out, err = ws.run("destroy", "-no-color", "-auto-approve", str(ws.root))
    assert code == 0, err + out
    assert ws.world.list("mem_object") == []
    assert ws.addresses() == []
    assert ws.state()["intents"] == []


def test_saved_plans_carry_the_repairs(ws, tmp_path):
    """Found objects and deposed ones are recorded by `apply PLANFILE` too."""
    ws.write(REPLACE % ("one", "true"))
    assert ws.apply()[0] == 0
    ws.write(REPLACE % ("two", "true"))
    InMemoryProvider.inject(call="delete", name="one", error="busy")
    assert ws.apply()[0] == 1
    InMemoryProvider.reset()
    saved = tmp_path / "deposed.plan"
    assert ws.plan("-out", str(saved))[0] == 0
    code, out, err = ws.run("apply", "-no-color", str(saved))
    assert code == 0, err + out
    assert [o["name"] for o in ws.world.list("mem_object")] == ["two"]
    assert ws.state()["resources"][0]["instances"][0]["attributes"]["name"] == "two"
    assert ws.state()["intents"] == []

    ws.write(objects(2))
    proc = run_govctl("apply", "-no-color", "-auto-approve", "-parallelism=1", str(ws.root),
                      fail={"call": "create", "nth": 2, "action": "kill"})
    assert proc.returncode == -signal.SIGKILL
    clear_stale_lock(ws.root)
    saved = tmp_path / "found.plan"
    assert ws.plan("-out", str(saved))[0] == 0
    code, out, err = ws.run("apply", "-no-color", str(saved))
    assert code == 0, err + out
    assert ws.addresses() == ["mem_object.o1", "mem_object.o2"]
    assert sorted(o["name"] for o in ws.world.list("mem_object")) == ["o1", "o2"]


def test_a_deposed_object_outside_the_targets_is_left_for_a_later_plan(ws, monkeypatch):
    ws.write(REPLACE % ("one", "true") + 'resource "mem_object" "other" {\n  name = "other"\n}\n')
    assert ws.apply()[0] == 0
    ws.write(REPLACE % ("two", "true") + 'resource "mem_object" "other" {\n  name = "other"\n}\n')
    InMemoryProvider.inject(call="delete", name="one", error="one is still in use")
    assert ws.apply()[0] == 1                 # two made, one still there: deposed
    InMemoryProvider.reset()
    ws.write(REPLACE % ("two", "true") + 'resource "mem_object" "other" {\n  name = "other"\n'
             '  value = "changed"\n}\n')
    plans = capture_plans(monkeypatch)
    code, _, err = ws.apply("-target=mem_object.other")
    assert code == 0, err
    assert not [c for c in plans[0].changes if c.deposed]
    # nothing outside the target was touched, and nothing was forgotten
    assert sorted(o["name"] for o in ws.world.list("mem_object")) == ["one", "other", "two"]
    assert [i["planned"]["name"] for i in ws.state()["intents"]] == ["two"]
    code, _, err = ws.apply()
    assert code == 0, err
    assert sorted(o["name"] for o in ws.world.list("mem_object")) == ["other", "two"]
    assert ws.state()["intents"] == []
    assert "No changes." in ws.plan()[1]


def test_a_replacement_whose_create_fails_counts_the_destroy_it_made(ws):
    ws.write(REPLACE % ("one", "false"))
    assert ws.apply()[0] == 0
    ws.write(REPLACE % ("two", "false"))
    InMemoryProvider.inject(call="create", name="two", error="quota exceeded")
    code, out, err = ws.apply()
    assert code == 1
    assert "Apply failed. Resources: 0 added, 0 changed, 1 destroyed; 1 failed." in out
    assert "quota exceeded" in err
    assert ws.world.list("mem_object") == [] and ws.addresses() == []
