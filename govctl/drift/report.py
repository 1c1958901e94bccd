"""The `govctl drift -json` document (format_version 1.0).

Stable for tools: fields are only ever added. Values are JSON; a sensitive
attribute's three values are the string "(sensitive)" and `sensitive` is true;
`declared_state` says whether the declared value is `known`, `unknown` (known
only after apply: `declared` is null) or `absent` (the configuration no
longer declares the instance: `declared` is null).
"""

from __future__ import annotations

import json
from typing import Any

from govctl import __version__
from govctl.diagnostics import Range
from govctl.drift.display import SENSITIVE, plain
from govctl.drift.model import ABSENT, AttributeDrift, DriftItem, Report
from govctl.plugins.protocol import UNKNOWN

FORMAT_VERSION = "1.0"


def document(report: Report) -> dict[str, Any]:
    cov = report.coverage
    return {
        "format_version": FORMAT_VERSION,
        "govctl_version": __version__,
        "generated_at": report.generated_at,
        "configuration": report.config_dir,
        "options": {"all_types": report.all_types,
                    "fail_on_unmanaged": report.fail_on_unmanaged},
        "summary": {
            "drifted": len(report.drifted),
            "waived": len(report.waived),
            "unmanaged": len(report.unmanaged),
            "failing_policies": len(report.failing_policies),
            "drift_found": report.found,
        },
        "drift": [_item(i) for i in report.items],
        "unmanaged": [{"provider": u.provider, "type": u.type, "id": u.id}
                      for u in report.unmanaged],
        "coverage": {
            "managed": cov.managed, "total": cov.total, "percent": cov.percent,
            "text": cov.sentence(),
            "types": [{"provider": t.provider, "type": t.type, "managed": t.managed,
                       "unmanaged": t.unmanaged, "error": t.error} for t in cov.types],
        },
        "waivers": [{"name": w.name, "address": w.address, "attributes": w.attributes,
                     "owner": w.owner, "reason": w.reason,
                     "expires": w.expires.isoformat(), "expired": w.expired,
                     "matched": w.matched, "location": location(w.location)}
                    for w in report.waivers],
        "policies": [r.to_json() for r in report.policy_results],
    }


def dumps(report: Report) -> str:
    return json.dumps(document(report), indent=2, ensure_ascii=False)


def location(rng: Range | None) -> dict[str, Any] | None:
    if rng is None:
        return None
    return {"filename": rng.filename, "line": rng.start.line, "column": rng.start.column}


def _item(item: DriftItem) -> dict[str, Any]:
    return {"address": item.address, "type": item.type, "provider": item.provider,
            "kind": str(item.kind), "status": str(item.status), "waiver": item.waiver,
            "location": location(item.location),
            "attributes": [_attribute(a) for a in item.attributes]}


def _attribute(a: AttributeDrift) -> dict[str, Any]:
    state = "unknown" if a.declared is UNKNOWN else "absent" if a.declared is ABSENT \
        else "known"
    values = [SENSITIVE] * 3 if a.sensitive else \
        [plain(a.declared), plain(a.last_applied), plain(a.actual)]
    return {"name": a.name, "status": str(a.status), "waiver": a.waiver,
            "sensitive": a.sensitive, "declared_state": state, "declared": values[0],
            "last_applied": values[1], "actual": values[2]}
