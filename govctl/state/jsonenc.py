"""A small deterministic JSON encoder for state files and journal lines.

The standard library cannot write a Decimal as a JSON number (only as a
string, or through float, which loses digits), and state must keep every digit
an attribute had. So this encoder writes int and Decimal exactly, floats by
their shortest repr, refuses NaN, infinities, the UNKNOWN sentinel and any
non-JSON type (naming the path), and orders objects deterministically: a
`Fixed` dict (the file's own structure) in insertion order, every other dict
(data: attributes, outputs) by sorted keys. The output matches
`json.dumps(indent=2)` byte for byte where both can encode a value.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from govctl.plugins.protocol import UNKNOWN

_ESCAPE: Callable[[str], str] = json.encoder.encode_basestring
_ESCAPE_ASCII: Callable[[str], str] = json.encoder.encode_basestring_ascii


class Fixed(dict[str, Any]):
    """A JSON object written in insertion order."""


class EncodeError(ValueError):
    """A value JSON cannot hold; `path` says where it is."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        self.path: list[str | int] = []
        super().__init__(problem)

    def __str__(self) -> str:
        where = "".join(f"[{p}]" if isinstance(p, int) else f"[{json.dumps(p)}]"
                        for p in self.path)
        return f"{self.problem} at {where or 'the top level'}"


def encode(value: Any, indent: int | None = 2, ascii_only: bool = False) -> str:
    """`value` as JSON text: indented by `indent` spaces, or compact on one line.

    Written for speed (a state of 10,000 instances is ten megabytes): strings,
    the commonest leaves, are written inline by the container loops, and the
    separators of each depth are computed once.
    """
    chunks: list[str] = []
    put = chunks.append
    esc = _ESCAPE_ASCII if ascii_only else _ESCAPE
    key_sep = ":" if indent is None else ": "
    first_lead: list[str] = []     # by depth: before the first member
    lead: list[str] = []           # before the others
    close: list[str] = []          # before the closing bracket

    def depth(level: int) -> None:
        while len(lead) <= level:
            n = len(lead)
            pad = "" if indent is None else "\n" + " " * (indent * (n + 1))
            first_lead.append(pad)
            lead.append("," + pad)
            close.append("" if indent is None else "\n" + " " * (indent * n))

    def scalar(v: Any) -> str:
        t = type(v)
        if t is str:
            return esc(v)
        if v is None:
            return "null"
        if v is True:
            return "true"
        if v is False:
            return "false"
        if isinstance(v, int):
            return int.__repr__(v)
        if isinstance(v, Decimal):
            if not v.is_finite():
                raise EncodeError(f"{v} is not a finite number")
            return str(v)
        if isinstance(v, float):
            if not math.isfinite(v):
                raise EncodeError(f"{v} is not a finite number")
            return float.__repr__(v)
        if isinstance(v, str):
            return esc(v)
        if v is UNKNOWN:
            raise EncodeError("a value known only after apply (UNKNOWN) cannot be stored")
        raise EncodeError(f"a {type(v).__name__} is not a JSON value")

    def enc(v: Any, level: int) -> None:
        if isinstance(v, dict):
            enc_object(v, level)
        elif isinstance(v, list | tuple):
            enc_array(v, level)
        else:
            put(scalar(v))

    def enc_object(v: dict[Any, Any], level: int) -> None:
        if not v:
            put("{}")
            return
        depth(level)
        try:
            items = v.items() if type(v) is Fixed else sorted(v.items())
        except TypeError:
            raise EncodeError("object keys must be strings") from None
        sep = first_lead[level]
        put("{")
        for k, child in items:
            if type(k) is not str:
                raise EncodeError(f"object key {k!r} is not a string")
            try:
                if type(child) is str:
                    put(sep + esc(k) + key_sep + esc(child))
                elif isinstance(child, dict | list | tuple):
                    put(sep + esc(k) + key_sep)
                    enc(child, level + 1)
                else:
                    put(sep + esc(k) + key_sep + scalar(child))
            except EncodeError as exc:
                exc.path.insert(0, k)
                raise
            sep = lead[level]
        put(close[level] + "}")

    def enc_array(v: list[Any] | tuple[Any, ...], level: int) -> None:
        if not v:
            put("[]")
            return
        depth(level)
        sep = first_lead[level]
        put("[")
        for i, child in enumerate(v):
            try:
                if isinstance(child, dict | list | tuple):
                    put(sep)
                    enc(child, level + 1)
                else:
                    put(sep + scalar(child))
            except EncodeError as exc:
                exc.path.insert(0, i)
                raise
            sep = lead[level]
        put(close[level] + "]")

    enc(value, 0)
    return "".join(chunks)


def encode_bytes(value: Any, indent: int | None = 2) -> bytes:
    """UTF-8 JSON; strings that are not valid Unicode (lone surrogates) force
    ASCII escapes for the whole text, which reads back to the same strings."""
    try:
        return encode(value, indent).encode("utf-8")
    except UnicodeEncodeError:
        return encode(value, indent, ascii_only=True).encode("ascii")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def decode(text: str) -> Any:
    """JSON text -> data, with fractions and exponents as Decimal (no rounding)."""
    return json.loads(text, parse_float=Decimal, parse_constant=_no_constant)


__all__ = ["EncodeError", "Fixed", "decode", "encode", "encode_bytes"]
