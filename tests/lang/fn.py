"""Calling built-in functions from tests, the way an expression would."""

from __future__ import annotations

import re

import pytest

from govctl.lang import values as V
from govctl.lang.functions import CallContext, FunctionError, load_all
from govctl.lang.values import Value

FUNCTIONS = load_all()


def val(a: object) -> Value:
    """Plain Python data as a value (lists become tuples, dicts objects)."""
    return a if isinstance(a, Value) else V.from_python(a)


def call(name: str, *args: object, ctx: CallContext | None = None) -> Value:
    return FUNCTIONS[name].call([val(a) for a in args], ctx or CallContext())


def fails(name: str, *args: object, match: str,
          ctx: CallContext | None = None) -> FunctionError:
    with pytest.raises(FunctionError, match=re.escape(match)) as info:
        call(name, *args, ctx=ctx)
    return info.value
