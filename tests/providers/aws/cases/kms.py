from __future__ import annotations

from tests.providers.aws.cases import Case

CASES: list[Case] = []
