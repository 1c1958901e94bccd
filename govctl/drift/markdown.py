"""`govctl drift -markdown`: the report for pull-request comments and tickets,
from the template `render/templates/drift.md.j2`. Cells are escaped here, so
that a value holding `|`, a backtick or a newline cannot break the table."""

from __future__ import annotations

from typing import Any

import jinja2

from govctl.drift.display import text
from govctl.drift.model import Kind, Report

_ENV = jinja2.Environment(loader=jinja2.PackageLoader("govctl", "render/templates"),
                          autoescape=False, keep_trailing_newline=True, trim_blocks=True,
                          lstrip_blocks=True,
                          undefined=jinja2.StrictUndefined)


def cell(value: object) -> str:
    s = str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ")
    return s.replace("\n", "<br>")


def code(value: str) -> str:
    """Inline code, with a fence longer than any run of backticks inside."""
    fence = "`"
    while fence in value:
        fence += "`"
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return cell(f"{fence}{pad}{value}{pad}{fence}")


def render(report: Report) -> str:
    rows: list[dict[str, Any]] = []
    for item in report.items:
        if item.kind is Kind.DELETED:
            rows.append({"address": code(item.address), "attribute": "(object)",
                         "declared": "", "last_applied": "exists", "actual": "**deleted**",
                         "status": _status(item.status.label, item.waiver)})
            continue
        for a in item.attributes:
            rows.append({"address": code(item.address), "attribute": code(a.name),
                         "declared": code(text(a.declared, a.sensitive)),
                         "last_applied": code(text(a.last_applied, a.sensitive)),
                         "actual": code(text(a.actual, a.sensitive)),
                         "status": _status(a.status.label, a.waiver)})
    context = {
        "found": report.found, "drifted": len(report.drifted), "waived": len(report.waived),
        "failing_policies": len(report.failing_policies),
        "unmanaged_count": len(report.unmanaged), "coverage": report.coverage.sentence(),
        "all_types": report.all_types, "rows": rows,
        "unmanaged": [{"provider": cell(u.provider), "type": code(u.type), "id": code(u.id)}
                      for u in report.unmanaged],
        "policies": [{"policy": cell(r.policy), "level": str(r.level),
                      "address": code(r.address), "outcome": str(r.outcome),
                      "message": cell(r.message)} for r in report.policy_results],
        "waivers": [{"name": cell(w.name), "address": code(w.address),
                     "attributes": cell(", ".join(w.attributes) or "all"),
                     "owner": cell(w.owner), "expires": w.expires.isoformat(),
                     "status": "**expired**" if w.expired else "active",
                     "matched": w.matched, "reason": cell(w.reason)} for w in report.waivers],
    }
    return _ENV.get_template("drift.md.j2").render(**context)


def _status(label: str, waiver: str | None) -> str:
    if label == "drift":
        return "**drift**"
    if label == "waiver expired":
        return cell(f"**waiver expired** ({waiver})")
    return cell(f"waived ({waiver})")
