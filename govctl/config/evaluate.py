"""Evaluate a module tree: variables, locals, outputs, module calls, and the
expansion of resources into instances (count, for_each, dynamic blocks).

Values are resolved lazily and memoized: an expression gets a scope holding
exactly the names its static references need, each resolved on demand, so a
local used by nothing costs nothing and a cycle between locals is caught
where it closes, with the chain that forms it.

Resource attributes are not known before a provider plans them; until then a
resource instance's value is unknown, as in `terraform validate`. The
`instance_value` hook is where the planner plugs in planned values.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from govctl.addrs import InstanceAddr, ModulePath, ResourceAddr, key_str
from govctl.config import model as m
from govctl.config.body import BodyEvaluator
from govctl.config.refs import Ref, references
from govctl.diagnostics import Diagnostic, error
from govctl.hcl import ast
from govctl.lang import values as V
from govctl.lang.convert import ConversionError, convert
from govctl.lang.eval import EvalError, Scope, evaluate, suggest
from govctl.lang.functions import CallContext
from govctl.lang.types import BOOL, DYNAMIC, STRING
from govctl.lang.values import SENSITIVE, Value

InstanceKey = int | str | None


@dataclass
class Instance:
    """One expanded resource instance with its evaluated configuration.

    `value` is what references to it see: unknown in validate; the planned
    object while planning; the new object while applying.
    """

    addr: str
    module_path: tuple[str, ...]
    resource: m.Resource
    key: InstanceKey
    config: Value
    address: InstanceAddr | None = None     # None while the instance keys are unknown
    value: Value = field(default_factory=V.unknown)


class InstancePlanner(Protocol):
    """The hook through which planning (and apply) gives instances their values.

    Called once per instance, in dependency order: an instance's references are
    resolved, and so planned, before it is."""

    def instance(self, module: ModuleEval, inst: Instance) -> Value: ...

    # optional: `value_of(inst) -> Value`, consulted when a reference is read
    # (apply uses it to wait for the change that gives the instance its value)


@dataclass
class Options:
    validate_only: bool = True        # unknown root variables instead of "missing value"
    workspace: str | None = None      # None: the root module's current workspace
    allow_outside_root: bool = False
    planner: InstancePlanner | None = None
    # parallel validation: expand only resources declared in these files, and
    # leave module-wide checks (outputs, module calls, imports) to one worker
    plan_time: bool = True               # timestamp()/uuid() unknown until apply
    plan_timestamp: str | None = None    # plantimestamp(); unknown when None
    own_files: frozenset[str] | None = None
    module_wide: bool = True


@dataclass
class InputValue:
    value: Value
    node: ast.Node | None = None     # where the value was written, for messages
    source: str = ""                 # "-var", "file.tfvars", "environment", ...


@dataclass
class Result:
    instances: list[Instance] = field(default_factory=list)
    outputs: dict[str, Value] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    seen: set[tuple[str, str, str]] = field(default_factory=set)


class _Cycle(Exception):
    pass


class ModuleEval:
    """Evaluation of one module instance."""

    def __init__(self, module: m.Module, inputs: Mapping[str, InputValue], opts: Options,
                 root: Path, result: Result, path: tuple[str, ...] = (),
                 addr: str = "", module_path: ModulePath = ()):
        self.module = module
        self.inputs = inputs
        self.opts = opts
        self.root = root
        self.result = result
        self.path = path
        self.addr = addr   # "module.a[0].module.b" or ""
        self.module_path = module_path
        self._instances: dict[str, list[Instance]] = {}
        self.ctx = CallContext(base_dir=module.path, root_dir=root,
                               allow_outside_root=opts.allow_outside_root,
                               plan_time=opts.plan_time, plan_timestamp=opts.plan_timestamp)
        self._vars: dict[str, Value] = {}
        self._locals: dict[str, Value] = {}
        self._outputs: dict[str, Value] = {}
        self._children: dict[str, Value] = {}
        self._resources: dict[str, Value] = {}     # plan and apply: final once built
        self._in_progress: list[str] = []
        self.body = BodyEvaluator(self)

    # --- diagnostics --------------------------------------------------------
    def diag(self, d: Diagnostic) -> None:
        """Instances of one block share expressions: report each problem once."""
        key = (d.summary, d.detail, str(d.range) if d.range else "")
        if key in self.result.seen:
            return
        self.result.seen.add(key)
        self.result.diagnostics.append(d)

    def err(self, summary: str, detail: str, node: ast.Node | None) -> None:
        self.diag(error(summary, detail, node.range if node is not None else None))

    # --- scopes -----------------------------------------------------------
    def eval(self, expr: ast.Expr, extra: Mapping[str, Value] | None = None,
             allowed: frozenset[str] | None = None) -> Value | None:
        """Evaluate `expr`; None after reporting a diagnostic."""
        scope = self.scope_for(expr, extra or {}, allowed)
        if scope is None:
            return None
        try:
            return evaluate(expr, scope)
        except EvalError as exc:
            self.diag(exc.diagnostic)
            return None

    def scope_for(self, node: ast.Node, extra: Mapping[str, Value],
                  allowed: frozenset[str] | None = None) -> Scope | None:
        names: dict[str, Any] = {}
        ok = True
        for ref in references(node, frozenset(extra)):
            if allowed is not None and ref.root not in allowed:
                self.err("Invalid reference",
                         f'References to "{ref.root}" are not allowed here.', ref.node)
                ok = False
                continue
            if not self.resolve(ref, names):
                ok = False
        if not ok:
            return None
        variables: dict[str, Value] = dict(extra)
        for root, val in names.items():
            variables[root] = _as_value(val)
        return Scope(variables, self.ctx)

    def resolve(self, ref: Ref, names: dict[str, Any]) -> bool:
        """Put the value `ref` needs into names[root]; report undeclared names."""
        root = ref.root
        try:
            if root == "var":
                return self._ref_named(ref, names, self.module.variables, self.var,
                                       "Reference to undeclared input variable",
                                       'An input variable with the name "{}" has not been '
                                       'declared. This variable can be declared with a '
                                       'variable "{}" {{}} block.')
            if root == "local":
                return self._ref_named(ref, names, self.module.locals, self.local,
                                       "Reference to undeclared local value",
                                       'A local value with the name "{}" has not been '
                                       "declared.")
            if root == "module":
                return self._ref_module(ref, names)
            if root == "data":
                return self._ref_data(ref, names)
            if root == "path":
                return self._ref_fixed(ref, names, {
                    "module": V.string(str(self.module.path)),
                    "root": V.string(str(self.root)),
                    "cwd": V.string(str(Path.cwd()))})
            if root == "terraform" or root == "govctl":
                return self._ref_fixed(ref, names, {"workspace":
                                                    V.string(self._workspace())})
            if root in ("count", "each", "self"):
                self.err(f'Reference to "{root}" in a context where it is not available',
                         _CONTEXT_HELP[root], ref.node)
                return False
            return self._ref_resource(ref, names)
        except _Cycle:
            return False

    def _workspace(self) -> str:
        """`govctl.workspace`: read once per evaluation (state commands choose the
        state by the same rule, govctl.state.workspaces.current)."""
        if self.opts.workspace is None:
            from govctl.state.workspaces import current

            self.opts.workspace = current(self.root)
        return self.opts.workspace

    def _ref_named(self, ref: Ref, names: dict[str, Any], table: Mapping[str, Any],
                   getter: Callable[[str, ast.Node], Value], summary: str,
                   detail: str) -> bool:
        name = ref.attr(0)
        if name is None:
            self.err("Invalid reference", f'The "{ref.root}" object cannot be accessed '
                     f'directly. Instead, access one of its attributes, like '
                     f'{ref.root}.name.', ref.node)
            return False
        if name not in table:
            self.err(summary, detail.format(name, name) + suggest(name, table), ref.node)
            return False
        names.setdefault(ref.root, {})[name] = getter(name, ref.node)
        return True

    def _ref_fixed(self, ref: Ref, names: dict[str, Any], attrs: dict[str, Value]) -> bool:
        name = ref.attr(0)
        if name not in attrs:
            self.err("Invalid reference",
                     f'The "{ref.root}" object has no attribute "{name}".'
                     + suggest(str(name), attrs), ref.node)
            return False
        names[ref.root] = attrs
        return True

    def _ref_module(self, ref: Ref, names: dict[str, Any]) -> bool:
        name = ref.attr(0)
        calls = self.module.module_calls
        if name is None or name not in calls:
            self.err("Reference to undeclared module",
                     f'No module call named "{name}" is declared in '
                     f"{self._where()}." + suggest(str(name), calls), ref.node)
            return False
        child = self.module.children.get(name)
        if child is None:
            return False  # load error already reported
        out = ref.steps[1] if len(ref.steps) > 1 else None
        call = calls[name]
        if isinstance(out, str) and call.count is None and call.for_each is None \
                and out not in child.outputs:
            self.err("Unsupported attribute",
                     f'This object does not have an attribute named "{out}": module '
                     f'"{name}" declares no such output.' + suggest(out, child.outputs),
                     ref.node)
            return False
        names.setdefault("module", {})[name] = self.module_value(name)
        return True

    def _ref_data(self, ref: Ref, names: dict[str, Any]) -> bool:
        rtype, rname = ref.attr(0), ref.attr(1)
        key = f"data.{rtype}.{rname}"
        if rtype is None or rname is None or key not in self.module.data:
            known = [f"data.{r.type}.{r.name}" for r in self.module.data.values()]
            self.err("Reference to undeclared resource",
                     f'A data resource "{rtype}" "{rname}" has not been declared in '
                     f"{self._where()}." + suggest(key, known), ref.node)
            return False
        res = self.module.data[key]
        if not self._check_instance_key(ref, res, 2):
            return False
        names.setdefault("data", {}).setdefault(rtype, {})
        names["data"][rtype][rname] = self.resource_value(res)
        return True

    def _ref_resource(self, ref: Ref, names: dict[str, Any]) -> bool:
        rname = ref.attr(0)
        if rname is None:
            if not ref.steps:
                self.err("Unknown variable",
                         f'There is no variable named "{ref.root}".'
                         + suggest(ref.root, ["var", "local", "module", "data", "path",
                                              "count", "each", *self._resource_types()]),
                         ref.node)
            else:
                self.err("Invalid reference", "A reference to a resource type must be "
                         "followed by at least one attribute access, specifying the resource "
                         "name.", ref.node)
            return False
        key = f"{ref.root}.{rname}"
        res = self.module.resources.get(key)
        if res is None:
            known = list(self.module.resources)
            roots = ["var", "local", "module", "data", "path", "count", "each", "self"]
            hint = suggest(key, known) or suggest(ref.root, roots)
            self.err("Reference to undeclared resource",
                     f'A managed resource "{ref.root}" "{rname}" has not been declared in '
                     f"{self._where()}." + hint, ref.node)
            return False
        if not self._check_instance_key(ref, res, 1):
            return False
        names.setdefault(ref.root, {})[rname] = self.resource_value(res)
        return True

    def _check_instance_key(self, ref: Ref, res: m.Resource, at: int) -> bool:
        nxt = ref.steps[at] if len(ref.steps) > at else None
        expanded = res.count is not None or res.for_each is not None
        # `aws_x.y.attr` where y has count/for_each: an index is needed first
        if expanded and isinstance(nxt, str):
            self.err("Missing resource instance key",
                     f"Because {res.key} has \"{'count' if res.count else 'for_each'}\" "
                     "set, its attributes must be accessed on specific instances. For "
                     f"example, to correlate with indices of a referring resource, use: "
                     f"{res.key}[{'count.index' if res.count else 'each.key'}]",
                     ref.node)
            return False
        return True

    def _resource_types(self) -> list[str]:
        return sorted({r.type for r in self.module.resources.values()})

    def _where(self) -> str:
        return f"module.{'.module.'.join(self.path)}" if self.path else "the root module"

    # --- named values -----------------------------------------------------
    def _guard(self, key: str, node: ast.Node) -> None:
        if key in self._in_progress:
            chain = [*self._in_progress[self._in_progress.index(key):], key]
            self.err("Cycle in references",
                     "These values depend on each other: " + " -> ".join(chain) + ".", node)
            raise _Cycle()

    def var(self, name: str, node: ast.Node | None = None) -> Value:
        if name not in self._vars:
            self._vars[name] = self._var_value(self.module.variables[name])
        return self._vars[name]

    def _var_value(self, var: m.Variable) -> Value:
        given = self.inputs.get(var.name)
        if given is None:
            if self.opts.validate_only and not self.path:
                # as terraform validate: the check must hold for any value
                val = V.unknown(var.type if not var.type.has_dynamic() else DYNAMIC)
            elif var.default is not None:
                val = var.default
            elif self.path:
                # a missing input was reported at the module call
                val = V.unknown(var.type if not var.type.has_dynamic() else DYNAMIC)
            else:
                self.diag(error("No value for required variable",
                                f'The root module input variable "{var.name}" is not set, '
                                "and has no default value. Use a -var or -var-file command "
                                f"line argument, or set GOVCTL_VAR_{var.name}, to provide a "
                                "value for this variable.", var.block.def_range))
                val = V.unknown(var.type)
        else:
            try:
                val = convert(given.value, var.type)
            except ConversionError as exc:
                if var.sensitive:   # neither the value nor the text that gave it
                    self.diag(error("Invalid value for input variable",
                                    f"The given value is not suitable for var.{var.name}, "
                                    f"which is sensitive: {var.type.friendly()} required. "
                                    "Invalid value redacted because it is sensitive.",
                                    var.block.def_range))
                else:
                    self.diag(error("Invalid value for input variable",
                                    f'The given value is not suitable for var.{var.name}'
                                    f'{" declared at " + _at(var.block) if given.node else ""}'
                                    f": {exc.describe()}.",
                                    given.node.range if given.node else var.block.def_range))
                val = V.unknown(var.type)
            if val.is_null and not val.unknown:
                if not var.nullable:
                    self.diag(error("Required variable not set",
                                    f'Unsuitable value for var.{var.name}: required variable '
                                    "may not have a null value.",
                                    given.node.range if given.node else var.block.def_range))
                elif var.default is not None and given.node is None:
                    val = var.default
        if var.sensitive:
            val = val.mark({SENSITIVE})
        self._vars[var.name] = val
        self._check_validations(var, val, given)
        return val

    def _check_validations(self, var: m.Variable, val: Value,
                           given: InputValue | None) -> None:
        for v in var.validations:
            scope_extra = {"var": V.obj({var.name: val})}
            refs = [r for r in references(v.condition) if r.root != "var"
                    or r.attr(0) != var.name]
            extra = scope_extra if not refs else None
            cond = self.eval(v.condition, extra) if extra is not None else \
                self.eval(v.condition)
            if cond is None or not cond.is_wholly_known():
                continue
            try:
                ok = convert(cond, BOOL)
            except ConversionError:
                self.err("Invalid variable validation result",
                         "The validation condition must produce a bool.", v.condition)
                continue
            if ok.unmark().v is False:
                msg = self._message(v.error_message, scope_extra)
                at = given.node.range if given is not None and given.node is not None \
                    else v.condition.range
                self.diag(error("Invalid value for variable",
                                f"{msg}\n\nThis was checked by the validation rule at "
                                f"{_at_node(v.block)}.", at))

    def _message(self, expr: ast.Expr, extra: Mapping[str, Value] | None = None) -> str:
        msg = self.eval(expr, extra)
        if msg is None:
            return "(the error message could not be evaluated)"
        if msg.sensitive:
            return "(the error message refers to sensitive values)"
        if not msg.is_wholly_known():
            return "(the error message is not yet known)"
        try:
            return str(convert(msg.unmark(), STRING).v)
        except ConversionError:
            return "(the error message must be a string)"

    def local(self, name: str, node: ast.Node | None = None) -> Value:
        if name in self._locals:
            return self._locals[name]
        key = f"local.{name}"
        self._guard(key, node or self.module.locals[name].attr)
        self._in_progress.append(key)
        try:
            val = self.eval(self.module.locals[name].attr.expr)
        finally:
            self._in_progress.pop()
        self._locals[name] = val if val is not None else V.unknown()
        return self._locals[name]

    def resource_value(self, res: m.Resource) -> Value:
        """What a reference to `res` sees: unknown in validate (without evaluating
        its body, which validate does once anyway); planned values otherwise."""
        if self.opts.planner is None:
            keys = None
            if res.count is None and res.for_each is None:
                return V.unknown()
            keys = self.instance_keys(res, report=False)
            if keys is None:
                return V.unknown()
            if res.count is not None:
                return V.tuple_(V.unknown() for _ in keys)
            return V.obj({str(k): V.unknown() for k, _ in keys})
        # Built once: every instance's value is final by then (planned, or
        # waited for in apply), and `res[each.key]` from N instances of another
        # resource must not rebuild this N times (quadratic in the count).
        key = res.key
        cached = self._resources.get(key)
        if cached is not None:
            return cached
        insts = self.instances_of(res)
        value_of = getattr(self.opts.planner, "value_of", None)
        values = [value_of(i) if value_of else i.value for i in insts]
        if res.count is None and res.for_each is None:
            value = values[0] if values else V.unknown()
        elif any(i.address is None for i in insts):
            value = V.unknown()
        elif res.count is not None:
            value = V.tuple_(values)
        else:
            value = V.obj({str(i.key): v for i, v in zip(insts, values, strict=True)})
        self._resources[key] = value
        return value

    def module_value(self, name: str) -> Value:
        if name in self._children:
            return self._children[name]
        key = f"module.{name}"
        call = self.module.module_calls[name]
        self._guard(key, call.block)
        self._in_progress.append(key)
        try:
            value = self._run_child(call)
        finally:
            self._in_progress.pop()
        self._children[name] = value
        return value

    # --- module calls -------------------------------------------------------
    def _run_child(self, call: m.ModuleCall) -> Value:
        child = self.module.children.get(call.name)
        if child is None:
            return V.unknown()
        for name, attr in call.inputs.items():
            if name not in child.variables:
                self.diag(error("Unsupported argument",
                                f'An argument named "{name}" is not expected here: module '
                                f'"{call.name}" declares no variable "{name}".'
                                + suggest(name, child.variables), attr.name_range))
        for vname, var in child.variables.items():
            if var.default is None and vname not in call.inputs:
                self.diag(error("Missing required argument",
                                f'The argument "{vname}" is required, but no definition was '
                                "found.", call.block.def_range))
        expansions = self.body.expansions(call.count, call.for_each, call.block)
        if expansions is None:
            self._child_instance(call, child, self.body.unknown_repetition(call), None)
            return V.unknown()
        values: list[tuple[InstanceKey, Value]] = []
        for key, extra in expansions:
            values.append((key, self._child_instance(call, child, extra, key)))
        if call.count is not None:
            return V.tuple_(v for _, v in values)
        if call.for_each is not None:
            return V.obj({str(k): v for k, v in values})
        return values[0][1]

    def _child_instance(self, call: m.ModuleCall, child: m.Module,
                        extra: Mapping[str, Value], key: InstanceKey) -> Value:
        inputs: dict[str, InputValue] = {}
        for name, attr in call.inputs.items():
            if name not in child.variables:
                continue
            val = self.eval(attr.expr, extra)
            inputs[name] = InputValue(val if val is not None else V.unknown(), attr.expr)
        suffix = "" if key is None else (f"[{key}]" if isinstance(key, int) else f'["{key}"]')
        addr = f"{self.addr + '.' if self.addr else ''}module.{call.name}{suffix}"
        sub = ModuleEval(child, inputs, self.opts, self.root, self.result,
                         (*self.path, call.name), addr, (*self.module_path, (call.name, key)))
        return sub.run()

    # --- resources ----------------------------------------------------------
    def instance_keys(self, res: m.Resource, report: bool = True
                      ) -> list[tuple[InstanceKey, dict[str, Value]]] | None:
        return self.body.expansions(res.count, res.for_each, res.block, report)

    def instances_of(self, res: m.Resource) -> list[Instance]:
        """The instances of `res`, evaluated (and planned, with a planner) once."""
        done = self._instances.get(res.key)
        if done is not None:
            return done
        key = f"resource.{res.key}"
        self._guard(key, res.block)
        self._in_progress.append(key)
        try:
            insts = self._expand(res)
        finally:
            self._in_progress.pop()
        self._instances[res.key] = insts
        self.result.instances.extend(insts)
        return insts

    def _expand(self, res: m.Resource) -> list[Instance]:
        expansions = self.instance_keys(res)
        base = f"{self.addr + '.' if self.addr else ''}{res.key}"
        raddr = ResourceAddr(self.module_path, res.mode, res.type, res.name)
        if expansions is None:
            # instances unknown until apply: check the body once with unknown keys
            extra = self.body.unknown_repetition(res)
            self.body.check_preconditions(res, extra)
            config = self.body.evaluate(res.body, extra)
            return [Instance(base + "[*]", self.path, res, None, config)]
        out = []
        for key, extra in expansions:
            self.body.check_preconditions(res, extra)
            self._check_postcondition_refs(res, extra)
            config = self.body.evaluate(res.body, extra)
            inst = Instance(f"{base}{key_str(key)}", self.path, res, key, config,
                            raddr.instance(key))
            if self.opts.planner is not None:
                inst.value = self.opts.planner.instance(self, inst)
                if getattr(self.opts.planner, "plans_postconditions", False):
                    self._plan_postconditions(res, extra, inst.value)
            out.append(inst)
        return out

    def _plan_postconditions(self, res: m.Resource, extra: Mapping[str, Value],
                             planned: Value | None) -> None:
        """Terraform checks a postcondition at plan time too, with `self` the
        planned object, when that decides it: a condition on values known
        before apply fails the plan rather than the apply, after the object was
        made. What depends on values known only after apply waits for apply."""
        if planned is None:
            return
        with_self = {**extra, "self": planned}
        for post in res.lifecycle.postconditions:
            self.body.check_condition(post, with_self, "Resource postcondition failed")

    def _check_postcondition_refs(self, res: m.Resource, extra: Mapping[str, Value]) -> None:
        """Postconditions run after apply (self is the new object): check their
        references now, evaluate them when the object is known."""
        with_self = {**extra, "self": V.unknown()}
        for post in res.lifecycle.postconditions:
            self.scope_for(post.condition, with_self)
            self.scope_for(post.error_message, with_self)

    # --- the whole module ---------------------------------------------------
    def run(self) -> Value:
        """Evaluate everything; returns the module's outputs as an object."""
        mod = self.module
        own = self.opts.own_files if not self.path else None
        wide = self.opts.module_wide or bool(self.path)
        if wide:
            for name in mod.variables:
                self.var(name)
            for name in mod.locals:
                try:
                    self.local(name)
                except _Cycle:
                    self._locals[name] = V.unknown()
            for pc in mod.providers.values():
                self.body.evaluate(pc.body, {}, skip=frozenset({"alias"}))
        for res in mod.all_resources():
            if own is not None and res.block.src.filename not in own:
                continue
            self._check_provider_ref(res)
            self._check_refs(res.depends_on, "depends_on")
            self._check_refs(res.lifecycle.replace_triggered_by, "replace_triggered_by")
            with contextlib.suppress(_Cycle):
                self.instances_of(res)
        if not wide:
            return V.unknown()
        for name in mod.module_calls:
            with contextlib.suppress(_Cycle):
                self.module_value(name)
        for imp in mod.imports:
            self._check_import(imp)
        outputs: dict[str, Value] = {}
        for name, out in mod.outputs.items():
            outputs[name] = self._output(out)
        if not self.path:
            self.result.outputs = outputs
        return V.obj(outputs)

    def _output(self, out: m.Output) -> Value:
        self._check_refs(out.depends_on, "depends_on")
        for pre in out.preconditions:
            self.body.check_condition(pre, {}, "Module output value precondition failed")
        val = self.eval(out.value)
        if val is None:
            return V.unknown()
        if not out.sensitive and not self.path and _deep_sensitive(val):
            self.err("Output refers to sensitive values",
                     "To reduce the risk of accidentally exporting sensitive data that was "
                     "intended to be only internal, govctl requires that any root module "
                     "output containing sensitive data be explicitly marked as sensitive, to "
                     "confirm your intent. If you do intend to export this data, annotate the "
                     "output value as sensitive by adding the following argument:\n"
                     "    sensitive = true", out.value)
        if out.sensitive:
            val = val.mark({SENSITIVE})
        return val

    def _check_refs(self, exprs: list[ast.Expr], what: str) -> None:
        for e in exprs:
            self.scope_for(e, {})

    def _check_provider_ref(self, res: m.Resource) -> None:
        if res.provider is None or res.provider[1] is None:
            return
        key = f"{res.provider[0]}.{res.provider[1]}"
        if key not in self.module.providers and not self.path:
            known = list(self.module.providers)
            self.err("Provider configuration not present",
                     f'The provider configuration "{key}" is not declared: add a provider '
                     f'"{res.provider[0]}" block with alias = "{res.provider[1]}".'
                     + suggest(key, known), res.provider_expr)

    def _check_import(self, imp: m.Import) -> None:
        root, steps = _address(imp.to)
        key = f"{root}.{steps[0]}" if steps else root
        if key not in self.module.resources:
            self.err("Configuration for import target does not exist",
                     f"The configuration for the given import {key} does not exist. All "
                     "target instances must have an associated configuration to be imported."
                     + suggest(key, self.module.resources), imp.to)
        val = self.eval(imp.id)
        if val is not None and val.is_known and not val.is_null:
            try:
                convert(val, STRING)
            except ConversionError:
                self.err("Invalid import id argument", "The import ID must be a string.",
                         imp.id)


_CONTEXT_HELP = {
    "count": 'The "count" object can only be used in "module", "resource", and "data" '
             'blocks, and only when the "count" argument is set.',
    "each": 'The "each" object can be used only in "module" or "resource" blocks, and only '
            'when the "for_each" argument is set.',
    "self": 'The "self" object can be used only in postconditions of resources, where it '
            "refers to the resource instance being checked.",
}


def _at(block: ast.Block) -> str:
    r = block.def_range
    return f"{r.filename}:{r.start.line},{r.start.column}"


def _at_node(node: ast.Node) -> str:
    r = node.range
    return f"{r.filename}:{r.start.line},{r.start.column}"


def _deep_sensitive(v: Value) -> bool:
    if SENSITIVE in v.marks:
        return True
    if v.unknown:
        return False
    if isinstance(v.v, tuple):
        return any(_deep_sensitive(e) for e in v.v)
    if isinstance(v.v, dict):
        return any(_deep_sensitive(e) for e in v.v.values())
    return False


def _address(expr: ast.Expr) -> tuple[str, list[object]]:
    steps: list[object] = []
    while isinstance(expr, ast.GetAttr | ast.Index):
        if isinstance(expr, ast.GetAttr):
            steps.append(expr.name)
        else:
            steps.append(getattr(expr.key, "value", None))
        expr = expr.obj
    steps.reverse()
    return (expr.name if isinstance(expr, ast.Variable) else ""), steps


def evaluate_config(module: m.Module, inputs: Mapping[str, InputValue],
                    opts: Options | None = None) -> Result:
    result = Result()
    ModuleEval(module, inputs, opts or Options(), module.path, result).run()
    return result


def _as_value(val: Any) -> Value:
    """Nested dicts built while resolving references become object values."""
    if isinstance(val, dict):
        return V.obj({k: _as_value(v) for k, v in val.items()})
    return val
