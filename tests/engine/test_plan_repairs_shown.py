"""How moves, imports, recovered and deposed objects are shown, and that a
saved plan keeps them (needs the plan_text.py and planfile.py parts)."""

from __future__ import annotations

import signal

from .support import clear_stale_lock, run_govctl, unfinished_replacement


def test_move_is_shown(ws):
    ws.write('resource "mem_object" "a" {\n  name = "keep"\n}\n')
    assert ws.apply()[0] == 0
    ws.write('resource "mem_object" "b" {\n  name = "keep"\n}\n'
             'moved {\n  from = mem_object.a\n  to   = mem_object.b\n}\n')
    _code, out, _ = ws.plan()
    assert "# mem_object.a has moved to mem_object.b" in out
    assert "Plan: 0 to add, 0 to change, 0 to destroy." in out


def test_import_is_shown_and_survives_a_saved_plan(ws, tmp_path):
    obj = ws.world.put("mem_object", {"name": "legacy", "value": "old",
                                      "arn": "arn:mem:object/legacy"})
    ws.write('resource "mem_object" "legacy" {\n  name = "legacy"\n  value = "new"\n}\n'
             f'import {{\n  to = mem_object.legacy\n  id = "{obj["id"]}"\n}}\n')
    saved = tmp_path / "p.plan"
    _code, out, _ = ws.plan("-out", str(saved))
    assert "# mem_object.legacy will be updated in-place" in out
    assert f'# (imported from "{obj["id"]}")' in out
    assert "Plan: 1 to import, 0 to add, 1 to change, 0 to destroy." in out
    code, out, err = ws.run("apply", "-no-color", str(saved))
    assert code == 0, err
    assert ws.addresses() == ["mem_object.legacy"]
    assert [o["name"] for o in ws.world.list("mem_object")] == ["legacy"]


def test_deposed_object_is_shown_and_survives_a_saved_plan(ws, tmp_path):
    unfinished_replacement(ws)
    saved = tmp_path / "p.plan"
    _code, out, _ = ws.plan("-out", str(saved))
    assert "# mem_object.r (deposed object) will be destroyed" in out
    # the new object is recorded, but no run was interrupted: say what happened
    assert ("# mem_object.r will be recorded as the new object of a create_before_destroy "
            "replacement that did not finish") in out
    assert "interrupted run" not in out
    code, out, err = ws.run("apply", "-no-color", str(saved))
    assert code == 0, err
    assert [o["name"] for o in ws.world.list("mem_object")] == ["two"]
    assert ws.state()["intents"] == []


def test_recovered_object_is_shown_and_survives_a_saved_plan(ws, tmp_path):
    ws.write('resource "mem_object" "a" {\n  name = "a"\n}\n')
    proc = run_govctl("apply", "-no-color", "-auto-approve", str(ws.root),
                      fail={"call": "create", "action": "kill"})
    assert proc.returncode == -signal.SIGKILL
    clear_stale_lock(ws.root)
    saved = tmp_path / "p.plan"
    _code, out, _ = ws.plan("-out", str(saved))
    assert "# mem_object.a was created by an interrupted run and is now recorded" in out
    code, out, err = ws.run("apply", "-no-color", str(saved))
    assert code == 0, err
    assert ws.addresses() == ["mem_object.a"]
    assert ws.state()["intents"] == []
