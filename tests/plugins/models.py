"""Schema models shared by the plugin tests: one of every annotation kind."""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel

from govctl.plugins.protocol import attribute, block


class Color(enum.StrEnum):
    RED = "red"
    BLUE = "blue"


class Filter(BaseModel):
    prefix: str = attribute()


class Rule(BaseModel):
    action: str = attribute()
    priority: int | None = attribute(None)
    token: str | None = attribute(None, sensitive=True)
    filter: list[Filter] = block()


class Logging(BaseModel):
    target: str = attribute()


class Point(BaseModel):
    x: int = attribute()
    y: int | None = attribute(None)


class Bucket(BaseModel):
    """The resource type "t_bucket"."""

    name: str = attribute(force_new=True)
    size: int | None = attribute(None)
    ratio: float | None = attribute(None)
    price: Decimal | None = attribute(None)
    public: bool = attribute(False)
    labels: list[str] | None = attribute(None)
    members: set[str] | None = attribute(None)
    tags: dict[str, str] | None = attribute(None)
    extra: Any = attribute(None)
    color: Color | None = attribute(None)
    mode: Literal["fast", "slow"] = attribute("fast")
    note: Annotated[str, "doc"] | None = attribute(None)
    origin: Point | None = attribute(None)
    password: str | None = attribute(None, sensitive=True)
    arn: str | None = attribute(computed=True)
    rule: list[Rule] = block(max_items=3)
    logging: Logging | None = block()


class Needs(BaseModel):
    """The resource type "t_needs": a block that must appear at least twice."""

    step: list[Logging] = block(min_items=2)
