"""Contract cases: one per resource type, in a module per service.

Each case is a configuration in which `<type>.this` is the object under test
(with whatever it needs around it), and the id `govctl import` takes for it.
test_contract.py runs every case through the same checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.providers.aws.conftest import Moto


@dataclass(frozen=True)
class Case:
    type: str
    config: str
    import_id: Callable[[dict[str, Any]], str]
    # attributes import cannot know (settings that live only in the configuration)
    import_ignores: frozenset[str] = field(default_factory=frozenset)
    discoverable: bool = True
    # objects govctl does not create (a model version the pipeline registers),
    # made out of band before the configuration is applied
    setup: Callable[[Moto], None] | None = None
    # operations moto 5.2.5 lacks: the case is checked at the protocol level
    # with those calls stubbed (test_sagemaker_contract.py), and skipped here
    moto_lacks: tuple[str, ...] = ()
