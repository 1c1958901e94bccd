"""`govctl audit verify` and `govctl audit show`: the apply audit log, checked
and listed.

verify exits 0 when the chain is intact and its head agrees with the state's
anchor, 1 with one diagnostic naming the first bad record (line, seq) and
what was done to it. show lists records without verifying them (a damaged
line is skipped with a warning), newest last.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govctl.audit.chain import AuditLog, Head, parse_line
from govctl.audit.verify import Anchor, Problem, short, verify
from govctl.diagnostics import Diagnostic, DiagnosticError, Pos, Range, error, warning
from govctl.render.diagnostics import print_diagnostics

_SUMMARIES = {
    "edited": "Audit log record edited", "removed": "Audit log record removed",
    "reordered": "Audit log records reordered", "inserted": "Audit log record inserted",
    "truncated": "Audit log truncated", "rewritten": "Audit log rewritten",
    "not-json": "Audit log line is not a record", "incomplete": "Audit log line incomplete",
    "malformed": "Audit log line is not a record",
    "state-behind": "State is behind the audit log",
}


@dataclass
class AuditOptions:
    log: Path | None = None          # default: the backend's audit log
    state: Path | None = None        # only to report a missing -state file
    json: bool = False
    count: int | None = None         # show: the last N records
    colour: bool | None = None


def verify_command(opts: AuditOptions, backend: Any) -> int:
    log = AuditLog(opts.log or backend.audit_log_path())
    try:
        anchor = _anchor(opts, backend)
    except DiagnosticError as exc:
        print_diagnostics(exc.diagnostics, colour=opts.colour)
        return 1
    report = verify(log, anchor)
    if report.problem is not None:
        print_diagnostics([_diagnostic(log, report.problem, report.count)], colour=opts.colour)
        return 1
    print_diagnostics([warning("Audit log not anchored", w) for w in report.warnings],
                      colour=opts.colour)
    if report.head is None:
        print(f"No audit records at {log.path}: nothing to verify.")
        return 0
    print(f"Audit log intact: {report.count} record{'s' if report.count != 1 else ''}, "
          f"head {short(report.head.hash)}")
    return 0


def _anchor(opts: AuditOptions, backend: Any) -> Anchor | None:
    if opts.state is not None and not Path(opts.state).exists():
        raise DiagnosticError([error("No state file",
                                     f"{opts.state} does not exist: nothing to check the "
                                     "audit log's head against.")])
    state = backend.read()
    head = getattr(state, "audit_head", None)
    if head is None:
        return None
    return Anchor(Head(int(head["seq"]), str(head["hash"])), state.lineage)


def _diagnostic(log: AuditLog, problem: Problem, count: int) -> Diagnostic:
    rng = None
    if problem.line is not None and log.exists():
        rng = Range(str(log.path), Pos(problem.line, 1, 0), Pos(problem.line, 2, 1))
    intact = "" if problem.kind == "state-behind" else \
        (f"\n\nThe {count} record{'s' if count != 1 else ''} before it verify."
         if count and problem.kind not in ("truncated", "rewritten") else "")
    where = "" if rng is not None else f"{log.path}: "    # the range names the file
    return error(_SUMMARIES.get(problem.kind, "Audit log damaged"),
                 f"{where}{problem.message}{intact}", rng)


def show_command(opts: AuditOptions, backend: Any) -> int:
    log = AuditLog(opts.log or backend.audit_log_path())
    records: list[dict[str, Any]] = []
    skipped: list[int] = []
    for n, raw in enumerate(log.lines(), 1):
        rec = parse_line(raw)
        if rec is None:
            skipped.append(n)
        else:
            records.append(rec)
    if skipped:
        print_diagnostics([warning("Audit log lines skipped",
                                   f"{log.path}: line(s) {', '.join(map(str, skipped[:20]))} "
                                   "are not JSON records. Run govctl audit verify.")],
                          colour=opts.colour)
    if opts.count is not None:
        records = records[-opts.count:] if opts.count > 0 else []
    if opts.json:
        from govctl.state.jsonenc import encode

        sys.stdout.write(encode(records, indent=2) + "\n")
        return 0
    if not records:
        print(f"No audit records at {log.path}.")
        return 0
    rows = [("TIME", "SEQ", "KIND", "WHO", "SUMMARY")] + [
        (_time(r), str(r.get("seq", "?")), str(r.get("kind", "?")), who(r), summary(r))
        for r in records]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row[:4], widths, strict=True))
              + "  " + row[4])
    return 0


def _time(rec: dict[str, Any]) -> str:
    text = str(rec.get("time", "?"))
    return text[:19] + "Z" if len(text) > 19 and text[10:11] == "T" else text


def who(rec: dict[str, Any]) -> str:
    """user@host, then each provider's principal: `alice@ci aws=arn:aws:iam::1:user/ci`."""
    parts = [f"{rec.get('user', '?')}@{rec.get('host', '?')}"]
    idents = rec.get("identities")
    if isinstance(idents, dict):
        for key, ident in sorted(idents.items()):
            if isinstance(ident, dict):
                name = next((str(ident[k]) for k in ("arn", "account", "error", "storage")
                             if ident.get(k)), "?")
                parts.append(f"{key}={name}")
    return " ".join(parts)


def summary(rec: dict[str, Any]) -> str:
    """`2 added, 1 changed, 0 destroyed, 1 failed; plan 1a2b3c4d5e6f`."""
    s = rec.get("summary")
    if not isinstance(s, dict):
        return str(rec.get("summary", ""))
    text = (f"{s.get('added', 0)} added, {s.get('changed', 0)} changed, "
            f"{s.get('destroyed', 0)} destroyed")
    if s.get("failed"):
        text += f", {s['failed']} failed"
    if s.get("skipped"):
        text += f", {s['skipped']} skipped"
    status = rec.get("status")
    if status not in (None, "complete"):
        text += f" ({status})"
    if rec.get("command") == "destroy":
        text = "destroy: " + text
    drift = rec.get("drift")
    if rec.get("mode") == "refresh-only" and isinstance(drift, list):
        text = f"refresh-only: {len(drift)} changed outside govctl recorded"
    overrides = rec.get("overrides")
    if isinstance(overrides, list) and overrides:
        text += f"; {len(overrides)} override(s)"
    digest = rec.get("plan_digest")
    if isinstance(digest, str):
        text += f"; plan {short(digest)}"
    return text


__all__ = ["AuditOptions", "show_command", "summary", "verify_command", "who"]
