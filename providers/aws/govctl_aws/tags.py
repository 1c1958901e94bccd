"""AWS's tag lists ([{"Key": k, "Value": v}]) and the maps the schemas hold."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    """Sorted, so that the same tags always make the same request."""
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def tag_dict(tags: Iterable[Mapping[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in tags or ()}
