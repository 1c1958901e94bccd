"""The state journal: every finished change survives a crash, replay is exact,
a torn last line is ignored, and an obsolete journal is never replayed twice."""

from __future__ import annotations

import json
import threading
from decimal import Decimal

import pytest

from govctl.addrs import parse_instance
from govctl.diagnostics import DiagnosticError
from govctl.plugins.protocol import UNKNOWN
from govctl.state.local import LocalBackend, LockError
from govctl.state.model import InstanceState, OutputState, State
from govctl.state.statefile import instance_to_json

from .conftest import AWS, put, rendered
from .procs import APPENDER, Child


def set_entry(addr: str, **attrs: object) -> dict:
    a = parse_instance(addr)
    return {"kind": "set", "addr": addr, "provider": AWS,
            "instance": instance_to_json(InstanceState(a.key, dict(attrs)))}


def attrs(state: State, addr: str) -> dict:
    inst = state.instance(parse_instance(addr))
    assert inst is not None, addr
    return inst.attributes


def test_every_entry_kind_replays(saved):
    with saved.lock("apply"):
        base = saved.read()
        j = saved.journal()
        j.append(set_entry("x_t.new[0]", n=Decimal("1.25"), s="é"))
        j.append({"kind": "intent", "addr": "x_t.pending", "provider": AWS, "type": "x_t",
                  "planned": {"name": "p", "arn": UNKNOWN}})
        j.append({"kind": "intent", "addr": "x_t.done", "provider": AWS, "type": "x_t",
                  "planned": {"name": "d"}})
        j.append({"kind": "settle", "addr": "x_t.done"})
        j.append({"kind": "remove", "addr": "aws_s3_bucket.b[1]"})
        j.outputs({"o": OutputState([1, 2], ["list", "number"], True)})
        j.remove("aws_kms_key.k")
        j.set('module.m["a"].x_t.r', 'module.m.provider["govctl/aws"]',
              instance_to_json(InstanceState(None, {"a": 1}, tainted=True)))
    state = LocalBackend(saved.path).read()
    assert state.serial == base.serial + 1
    assert attrs(state, "x_t.new[0]") == {"n": Decimal("1.25"), "s": "é"}
    assert state.intents["x_t.pending"].planned == {"name": "p"}   # UNKNOWN stripped
    assert "x_t.done" not in state.intents
    assert state.instance(parse_instance("aws_s3_bucket.b[1]")) is None
    assert state.instance(parse_instance("aws_kms_key.k")) is None
    assert state.outputs == {"o": OutputState([1, 2], ["list", "number"], True)}
    assert state.instance(parse_instance('module.m["a"].x_t.r')).tainted  # type: ignore[union-attr]
    assert not saved.journal_path.exists()


def test_another_reader_sees_a_running_apply_without_touching_it(saved):
    with saved.lock("apply"):
        saved.read()
        j = saved.journal()
        j.append(set_entry("x_t.a", v=1))
        before = saved.path.read_bytes()
        view = LocalBackend(saved.path).read()        # lock held: replay in memory only
        assert attrs(view, "x_t.a") == {"v": 1}
        assert saved.path.read_bytes() == before and saved.journal_path.exists()
        j.append(set_entry("x_t.b", v=2))             # the apply carries on undisturbed
    state = saved.read()
    assert attrs(state, "x_t.a") == {"v": 1} and attrs(state, "x_t.b") == {"v": 2}


def test_write_replaces_the_journal_and_the_next_append_starts_a_new_one(saved):
    with saved.lock("apply"):
        state = saved.read()
        j = saved.journal()
        j.append(set_entry("x_t.a", v=1))
        put(state, "x_t.a", {"v": 1})
        saved.write(state)
        assert not saved.journal_path.exists()
        j.append(set_entry("x_t.b", v=2))
        header = json.loads(saved.journal_path.read_text().splitlines()[0])
        assert header.pop("id") not in (None, "")
        assert header == {"kind": "begin", "lineage": state.lineage, "serial": state.serial}
    state = saved.read()
    assert attrs(state, "x_t.b") == {"v": 2}


def test_obsolete_journal_is_discarded_not_replayed(saved):
    """A crash after the state file was written but before the journal was removed."""
    with saved.lock("apply"):
        state = saved.read()
        j = saved.journal()
        j.append(set_entry("x_t.a", v=1))
        j.append({"kind": "remove", "addr": "x_t.a"})
        leftover = saved.journal_path.read_bytes()
        put(state, "x_t.a", {"v": "re-created after the journal"})
        saved.write(state)
    saved.journal_path.write_bytes(leftover)
    again = saved.read()
    assert attrs(again, "x_t.a") == {"v": "re-created after the journal"}
    assert again.serial == state.serial
    assert not saved.journal_path.exists()


def test_torn_last_line_is_ignored(saved):
    with saved.lock("apply"):
        saved.read()
        j = saved.journal()
        j.append(set_entry("x_t.a", v=1))
        j.append(set_entry("x_t.b", v=2))
    with open(saved.journal_path, "ab") as f:      # a crash in the middle of a write
        f.write(b'{"kind":"set","addr":"x_t.c","provider":"provid')
    state = saved.read()
    assert attrs(state, "x_t.a") == {"v": 1} and attrs(state, "x_t.b") == {"v": 2}
    assert state.instance(parse_instance("x_t.c")) is None
    assert not saved.journal_path.exists()


def test_complete_but_garbled_last_line_is_ignored_too(saved):
    with saved.lock("apply"):
        saved.read()
        saved.journal().append(set_entry("x_t.a", v=1))
    with open(saved.journal_path, "ab") as f:
        f.write(b"\x00\x00\x00\n")
    assert attrs(saved.read(), "x_t.a") == {"v": 1}


def test_damaged_middle_line_is_an_error(saved):
    with saved.lock("apply"):
        saved.read()
        j = saved.journal()
        j.append(set_entry("x_t.a", v=1))
        j.append(set_entry("x_t.b", v=2))
        lines = saved.journal_path.read_bytes().split(b"\n")
        lines[1] = lines[1][:20]
        saved.journal_path.write_bytes(b"\n".join(lines))
        with pytest.raises(DiagnosticError) as exc:
            LocalBackend(saved.path).read()
    assert "Invalid state journal" in rendered(exc.value)
    assert "line 2:" in rendered(exc.value)


def test_first_apply_that_died_before_any_state_file(backend):
    child = Child(APPENDER, backend.path, 3, 3)
    try:
        assert [child.line() for _ in range(3)] == ["0", "1", "2"]
        child.kill()
    finally:
        child.close()
    assert not backend.path.exists() and backend.exists()
    lineage = json.loads(backend.journal_path.read_text().splitlines()[0])["lineage"]
    state = backend.read()
    assert state.lineage == lineage            # the journal's history is adopted
    assert [str(a) for a, _, _ in state.instances()] == ["x_t.r[0]", "x_t.r[1]", "x_t.r[2]"]


def test_sigkill_between_appends_loses_nothing(saved):
    child = Child(APPENDER, saved.path, 100, 7)
    try:
        assert [child.line() for _ in range(7)] == [str(i) for i in range(7)]
        child.kill()                    # paused between append 7 and 8
    finally:
        child.close()
    state = LocalBackend(saved.path).read()    # stale lock: replayed in memory
    assert [attrs(state, f"x_t.r[{i}]")["i"] for i in range(7)] == list(range(7))
    assert state.instance(parse_instance("x_t.r[7]")) is None
    assert saved.journal_path.exists()
    holder = saved.lock_holder()
    assert holder is not None and holder[1]           # stale, and left for the user
    saved.force_unlock(holder[0].id)  # type: ignore[union-attr]
    folded = saved.read()                              # now folded into the file
    assert not saved.journal_path.exists()
    assert folded.serial == state.serial + 1
    assert folded.equal_content(state)


def test_sigkill_while_appending_keeps_a_prefix(saved):
    child = Child(APPENDER, saved.path, 5000, 0)
    try:
        reported = [child.line() for _ in range(40)]
        child.kill()                    # somewhere in the middle of an append
    finally:
        child.close()
    assert reported == [str(i) for i in range(40)]
    state = LocalBackend(saved.path).read()
    got = sorted(inst.attributes["i"] for a, _, inst in state.instances()
                 if a.resource.type == "x_t")
    assert got == list(range(len(got))) and len(got) >= 40


@pytest.mark.parametrize("via", ["journal", "backend"])
def test_journal_fold_writes_and_removes(saved, via):
    with saved.lock("apply"):
        base = saved.read()
        j = saved.journal()
        j.append(set_entry("x_t.a", v=1))
        folded = j.fold(base) if via == "journal" else saved.fold(base)
        assert attrs(folded, "x_t.a") == {"v": 1} and folded.serial == base.serial + 1
        assert base.instance(parse_instance("x_t.a")) is None     # base left alone
        assert not saved.journal_path.exists()
    assert saved.read().equal_content(folded)


def test_journal_fold_refuses_another_base(saved):
    with saved.lock("apply"):
        base = saved.read()
        j = saved.journal()
        j.append(set_entry("x_t.a", v=1))
        other = base.copy()
        other.serial += 1
        with pytest.raises(ValueError, match="the journal applies to serial 1"):
            j.fold(other)


def test_appends_from_many_threads(saved):
    with saved.lock("apply"):
        saved.read()
        j = saved.journal()

        def work(t: int) -> None:
            for i in range(25):
                j.append(set_entry(f'x_t.r["{t}-{i}"]', v=i))
        threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    state = saved.read()
    assert sum(1 for a, _, _ in state.instances() if a.resource.type == "x_t") == 200


@pytest.mark.parametrize("entry, message", [
    ({"kind": "nope"}, "does not match any of the expected tags"),
    ({"kind": "remove", "addr": "not an address"}, "Invalid address"),
    ({"kind": "set", "addr": "x_t.a[1]", "provider": AWS,
      "instance": {"index_key": 2, "attributes": {}}}, r"is not the key of x_t\.a\[1\]"),
    ({"kind": "set", "addr": "x_t.a", "provider": "aws", "instance": {"attributes": {}}},
     "provider: String should match pattern"),
    ({"kind": "set", "addr": "x_t.a", "provider": AWS,
      "instance": {"attributes": {"arn": UNKNOWN}}}, "UNKNOWN"),
    ({"kind": "set", "addr": "x_t.a", "provider": AWS,
      "instance": {"attributes": {}, "dependencies": ["x_t.b[0]"]}}, "has an instance key"),
    ({"kind": "begin", "lineage": "x", "serial": 0}, "written by the journal itself"),
])
def test_bad_entries_are_refused_before_writing(saved, entry, message):
    with saved.lock("apply"):
        saved.read()
        j = saved.journal()
        with pytest.raises(ValueError, match=message):
            j.append(entry)
    assert not saved.journal_path.exists()


def test_journal_needs_a_read(saved):
    fresh = LocalBackend(saved.path)
    with fresh.lock("apply"), pytest.raises(RuntimeError, match="read"):
        fresh.journal()


def test_unlocked_journal_is_live_while_open(saved):
    """-lock=false: no state lock, but readers still leave a live journal alone."""
    base = saved.read()
    j = saved.journal()
    j.append(set_entry("x_t.a", v=1))
    reader = LocalBackend(saved.path)
    assert attrs(reader.read(), "x_t.a") == {"v": 1}      # replayed in memory
    assert saved.journal_path.exists()
    with pytest.raises(DiagnosticError) as exc:
        reader.write(reader.read())          # would lose the live run's changes
    assert "The state is being applied" in rendered(exc.value)
    j.append(set_entry("x_t.b", v=2))
    folded = saved.fold(base)
    assert attrs(folded, "x_t.b") == {"v": 2} and not saved.journal_path.exists()


def test_journal_refuses_a_state_changed_since_read(saved):
    other = LocalBackend(saved.path)
    saved.read()
    s = other.read()
    put(s, "x_t.a", {})
    other.write(s)
    with saved.lock("apply"), pytest.raises(DiagnosticError) as exc:
        saved.journal()
    assert "State changed since it was read" in rendered(exc.value)


def test_appending_after_the_lock_is_released_fails(saved):
    """Releasing the lock closes the journal: a reader may fold it from then on."""
    with saved.lock("apply"):
        saved.read()
        j = saved.journal()
        j.append(set_entry("x_t.a", v=1))
    with pytest.raises(DiagnosticError) as exc:
        j.append(set_entry("x_t.b", v=1))
    assert "already present" in rendered(exc.value)
    assert attrs(saved.read(), "x_t.a") == {"v": 1}


def test_a_foreign_journal_is_not_appended_to(saved):
    with saved.lock("apply"):
        saved.read()
        j = saved.journal()
        saved.journal_path.write_text('{"kind":"begin","lineage":"x","serial":0}\n')
        with pytest.raises(DiagnosticError) as exc:
            j.append(set_entry("x_t.a", v=1))
    assert "already present" in rendered(exc.value)


def test_read_does_not_fold_under_someone_elses_lock(saved):
    with saved.lock("apply"):
        saved.read()
        saved.journal().append(set_entry("x_t.a", v=1))
        other = LocalBackend(saved.path)
        with pytest.raises(LockError), other.lock("x"):
            pass
        assert attrs(other.read(), "x_t.a") == {"v": 1}
        assert saved.journal_path.exists()


def test_an_unsent_intent_is_marked_sent_without_an_fsync_and_both_survive_a_fold(saved):
    """A create's intent is written `sent: false` while it waits for a slot;
    the `sent` mark follows, unsynced, as the call goes out. Both replay, and
    the state file keeps an intent that was never sent as such."""
    with saved.lock("apply"):
        j = saved.journal()
        for name in ("waiting", "going"):
            j.append({"kind": "intent", "addr": f"x_t.{name}", "provider": AWS, "type": "x_t",
                      "planned": {"name": name}, "sent": False})
        j.append_unsynced({"kind": "sent", "addr": "x_t.going"})
        live = saved.read()         # the journal as another reader replays it
        assert not live.intents["x_t.waiting"].sent and live.intents["x_t.going"].sent
    state = LocalBackend(saved.path).read()
    assert not state.intents["x_t.waiting"].sent
    assert state.intents["x_t.going"].sent
    stored = json.loads(saved.path.read_text())["intents"]
    assert {i["addr"]: i.get("sent", True) for i in stored} == {"x_t.going": True,
                                                                 "x_t.waiting": False}
    assert "sent" not in next(i for i in stored if i["addr"] == "x_t.going")
