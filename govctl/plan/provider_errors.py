"""Turning a provider's failure into a diagnostic: its words, and where in the
configuration it points.

Apart because every provider call (plan, refresh, import, intents, apply)
reports failures the same way, and a provider bug must never surface as a
traceback.
"""

from __future__ import annotations

from govctl.config import model as m
from govctl.diagnostics import Range
from govctl.plugins.protocol import ProviderError


def where(res: m.Resource, exc: BaseException) -> Range | None:
    """Where a provider's error points: the attribute (or nested block) it names
    as written in the resource block, else the block's header."""
    attr = exc.attribute if isinstance(exc, ProviderError) else None
    body = res.body
    if attr and body is not None:
        first = attr.split(".")[0]
        if first in body.attributes:
            return body.attributes[first].expr.range
        blocks = body.blocks_of(first)
        if blocks:
            return blocks[0].def_range
    return res.block.def_range if res.block is not None else None


def provider_message(exc: Exception) -> str:
    """A provider's error for the user; an exception other than ProviderError is
    the provider's bug, reported as such instead of a traceback."""
    if isinstance(exc, ProviderError):
        return exc.message
    return f"the provider failed unexpectedly: {exc!r}"
