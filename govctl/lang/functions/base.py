"""The function framework: parameters declare what they accept, and the
framework does the rest uniformly so that no function forgets it.

- arguments are converted to the parameter type (`"5"` for a number);
- an unknown argument makes the result unknown, unless the parameter opts in
  (and one of unknown type always does, unless it opts in to that too);
- sensitive (and any other) marks are stripped before the call and put back on
  the result, so sensitivity survives every function;
- null arguments are refused unless the parameter allows them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from govctl.lang.convert import ConversionError, convert
from govctl.lang.types import DYNAMIC, Type
from govctl.lang.values import Value, unknown


class FunctionError(Exception):
    """A user-facing failure of a call; `arg` is the 0-based argument at fault."""

    def __init__(self, message: str, arg: int | None = None):
        self.message = message
        self.arg = arg
        super().__init__(message)


@dataclass(frozen=True)
class Param:
    name: str
    type: Type = DYNAMIC
    allow_null: bool = False
    allow_unknown: bool = False
    allow_marked: bool = False
    # an unknown value of unknown type says nothing a function could use: the
    # result is unknown too, unless the parameter opts in (as cty's AllowDynamicType)
    allow_dynamic: bool = False


@dataclass
class CallContext:
    """What impure or file functions need from the surrounding run."""

    base_dir: Path = field(default_factory=Path.cwd)      # path.module
    root_dir: Path = field(default_factory=Path.cwd)      # path.root
    plan_time: bool = True        # timestamp()/uuid() are unknown until apply
    allow_outside_root: bool = False
    plan_timestamp: str | None = None   # RFC 3339; set by commands that make a plan
    warnings: list[str] = field(default_factory=list)
    # set by the evaluator: render(template_text, filename, vars) -> Value
    render_template: Callable[[str, str, dict[str, Value]], Value] | None = None


Impl = Callable[[list[Value], CallContext], Value]
ReturnType = Type | Callable[[list[Value]], Type]


@dataclass
class Function:
    name: str
    params: list[Param]
    variadic: Param | None
    returns: ReturnType
    impl: Impl
    doc: str = ""

    def return_type(self, args: list[Value]) -> Type:
        if isinstance(self.returns, Type):
            return self.returns
        try:
            return self.returns(args)
        except Exception:
            return DYNAMIC

    def param_for(self, i: int) -> Param:
        if i < len(self.params):
            return self.params[i]
        assert self.variadic is not None
        return self.variadic

    def call(self, args: list[Value], ctx: CallContext | None = None) -> Value:
        ctx = ctx or CallContext()
        n = len(self.params)
        if len(args) < n or (self.variadic is None and len(args) > n):
            want = f"at least {n}" if self.variadic is not None else f"exactly {n}"
            noun = "argument" if n == 1 else "arguments"
            raise FunctionError(f"Function {self.name!r} expects {want} {noun}, "
                                f"but {len(args)} were given.")
        converted: list[Value] = []
        marks: set[str] = set()
        kept: set[str] = set()
        result_unknown = False
        for i, arg in enumerate(args):
            p = self.param_for(i)
            if not p.allow_marked:
                arg, m = arg.unmark_deep()
                marks |= m
            else:
                kept |= arg.marks  # the impl decides, unless the result is unknown
            if arg.is_null and not p.allow_null:
                raise FunctionError(f'Invalid value for "{p.name}" parameter: argument must '
                                    "not be null.", i)
            try:
                arg = convert(arg, p.type)
            except ConversionError as exc:
                raise FunctionError(f'Invalid value for "{p.name}" parameter: '
                                    f"{exc.describe()}.", i) from None
            unknown_type = arg.unknown and arg.type is DYNAMIC and not p.allow_dynamic
            if unknown_type or (not p.allow_unknown and not arg.is_wholly_known()):
                result_unknown = True
            converted.append(arg)
        if result_unknown:
            return unknown(self.return_type(converted)).mark(marks | kept)
        result = self.impl(converted, ctx)
        return result.mark(marks) if marks else result


FUNCTIONS: dict[str, Function] = {}


def function(name: str, params: list[Param], returns: ReturnType = DYNAMIC,
             variadic: Param | None = None) -> Callable[[Impl], Impl]:
    """Register `impl` as the built-in function `name`."""

    def register(impl: Impl) -> Impl:
        if name in FUNCTIONS:
            raise RuntimeError(f"function {name} registered twice")
        FUNCTIONS[name] = Function(name, params, variadic, returns, impl,
                                   (impl.__doc__ or "").strip())
        return impl

    return register
