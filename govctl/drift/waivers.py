"""Waivers: drift someone accepted, in writing, until a date.

A `waiver` block names an address pattern (`*` any run of characters, dots
and brackets included; `?` one character; everything else literal, so the
`[` `]` of instance keys need no escaping), the attributes it covers (none:
all, and the deletion of the object), an owner, a reason and an expiry date.
After that date (UTC) the waiver no longer hides anything: what it matched is
reported as "waiver expired" and counts as drift again, so exceptions cannot
quietly become permanent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from functools import lru_cache

from govctl.config import model as m
from govctl.drift.model import DriftItem, Kind, Status, WaiverUse


@lru_cache(maxsize=256)
def pattern(glob: str) -> re.Pattern[str]:
    parts = []
    for ch in glob:
        parts.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
    return re.compile("".join(parts), re.DOTALL)


def matches(glob: str, address: str) -> bool:
    return pattern(glob).fullmatch(address) is not None


def uses(waivers: Iterable[m.Waiver], today: date) -> list[WaiverUse]:
    return [WaiverUse(w.name, w.address, list(w.attributes), w.owner, w.reason, w.expires,
                      w.expires < today, location=w.block.def_range)
            for w in sorted(waivers, key=lambda w: w.name)]


def apply(items: list[DriftItem], waivers: list[WaiverUse]) -> None:
    """Set the status of every item and attribute from the waivers (in place),
    and count each waiver's matches. Where several match, an active waiver
    wins over an expired one; among equals, the first by name."""
    for item in items:
        candidates = [w for w in waivers if matches(w.address, item.address)]
        if item.kind is Kind.DELETED:
            item.status, item.waiver = _decide([w for w in candidates if not w.attributes])
            continue
        for attr in item.attributes:
            attr.status, attr.waiver = _decide(
                [w for w in candidates if not w.attributes or attr.name in w.attributes])
        item.status, item.waiver = _overall(item)


def _decide(found: list[WaiverUse]) -> tuple[Status, str | None]:
    if not found:
        return Status.DRIFT, None
    active = [w for w in found if not w.expired]
    chosen = active[0] if active else found[0]
    chosen.matched += 1
    return (Status.WAIVED if active else Status.EXPIRED), chosen.name


def _overall(item: DriftItem) -> tuple[Status, str | None]:
    """The item is drift if any attribute is unwaived; "waiver expired" if the
    only thing keeping it from being waived is an expired waiver."""
    for status in (Status.DRIFT, Status.EXPIRED, Status.WAIVED):
        hit = [a for a in item.attributes if a.status is status]
        if hit:
            return status, hit[0].waiver
    return Status.DRIFT, None
