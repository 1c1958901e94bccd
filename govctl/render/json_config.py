"""The configuration in Terraform's configuration representation (the
`configuration` key of `terraform show -json`), as documented at
https://developer.hashicorp.com/terraform/internals/json-format.

Policy tools read it to follow references between resources that are not
known until apply (Checkov connects a bucket to its encryption resource
through `references`), so expressions are kept unevaluated, as Terraform keeps
them: `{"references": [...]}` when an expression refers to anything,
`{"constant_value": ...}` when it is a literal, `{}` otherwise. Resource and
module addresses are relative to their module, and nested blocks are lists of
expression objects, as in Terraform.

One deviation: an attribute whose provider schema declares it sensitive (a
provider's `secret_key`) never has its constant value here. Terraform prints
it; nothing a policy tool checks needs it, and a credential written into a
CI artifact is a credential leaked.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from govctl.config import model as m
from govctl.config.refs import DYNAMIC_KEY, Key, Ref, references
from govctl.hcl import ast

_NOT_CONSTANT = object()
_SIMPLE_ROOTS = frozenset({"var", "local", "count", "each", "path", "terraform"})


# --- expressions -------------------------------------------------------------
def constant(expr: ast.Expr) -> Any:
    """The value of a literal expression (strings, numbers, bools, null, and
    tuples/objects of them), or _NOT_CONSTANT."""
    if isinstance(expr, ast.Literal):
        return expr.value
    if isinstance(expr, ast.Paren):
        return constant(expr.inner)
    if isinstance(expr, ast.Template):
        return "".join(expr.parts) if all(isinstance(p, str) for p in expr.parts) \
            else _NOT_CONSTANT
    if isinstance(expr, ast.Unary) and expr.op == "-":
        v = constant(expr.operand)
        return -v if isinstance(v, int | Decimal) and not isinstance(v, bool) \
            else _NOT_CONSTANT
    if isinstance(expr, ast.TupleCons):
        items = [constant(x) for x in expr.items]
        return _NOT_CONSTANT if any(x is _NOT_CONSTANT for x in items) else items
    if isinstance(expr, ast.ObjectCons):
        out: dict[str, Any] = {}
        for k, v in expr.items:
            key, value = constant(k), constant(v)
            if not isinstance(key, str) or value is _NOT_CONSTANT:
                return _NOT_CONSTANT
            out[key] = value
        return out
    return _NOT_CONSTANT


def _step_str(step: object) -> str:
    if isinstance(step, Key):
        v = step.value
        return f"[{v}]" if isinstance(v, int) and not isinstance(v, bool) else \
            '["' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"]'
    return f".{step}"


def ref_strings(ref: Ref) -> list[str]:
    """Terraform's references for one reference: the subject with each prefix
    of its remaining traversal, longest first, then the subject, then the
    resource or module call without its instance key (`aws_s3_bucket.b.arn`,
    `aws_s3_bucket.b`; `module.m["a"].out`, `module.m["a"]`)."""
    steps = list(ref.steps)
    if DYNAMIC_KEY in steps:
        steps = steps[:steps.index(DYNAMIC_KEY)]
    extra: list[str] = []
    if ref.root in _SIMPLE_ROOTS:
        if not steps or not isinstance(steps[0], str):
            return [ref.root]
        subject, rest = f"{ref.root}.{steps[0]}", steps[1:]
    elif ref.root == "module":
        if not steps or not isinstance(steps[0], str):
            return ["module"]
        call = f"module.{steps[0]}"
        rest = steps[1:]
        instance = call
        if rest and isinstance(rest[0], Key):
            instance += _step_str(rest.pop(0))
        if rest and isinstance(rest[0], str):
            subject = f"{instance}.{rest.pop(0)}"
            extra = [instance]
        else:
            subject = instance
            extra = [call] if instance != call else []
    else:
        if ref.root == "data":
            if len(steps) < 2 or not all(isinstance(s, str) for s in steps[:2]):
                return ["data"]
            resource, steps = f"data.{steps[0]}.{steps[1]}", steps[1:]
        elif steps and isinstance(steps[0], str):
            resource = f"{ref.root}.{steps[0]}"
        else:
            return [ref.root]
        rest = steps[1:]
        subject = resource
        if rest and isinstance(rest[0], Key):
            subject += _step_str(rest.pop(0))
            extra = [resource]
    out = []
    for n in range(len(rest), 0, -1):
        out.append(subject + "".join(_step_str(s) for s in rest[:n]))
    return [*out, subject, *extra]


def expression(expr: ast.Expr, sensitive: bool = False) -> dict[str, Any]:
    refs = references(expr)
    if refs:
        seen: dict[str, None] = {}
        for ref in refs:
            for s in ref_strings(ref):
                seen.setdefault(s, None)
        return {"references": list(seen)}
    if sensitive:
        return {}
    value = constant(expr)
    return {} if value is _NOT_CONSTANT else {"constant_value": value}


def expressions(body: ast.Body, sensitive: frozenset[str] = frozenset()) -> dict[str, Any]:
    """An object of attribute expressions, nested blocks as lists of objects
    (dynamic blocks are generated at evaluation and left out, as Terraform
    leaves out what it cannot represent statically)."""
    out: dict[str, Any] = {name: expression(a.expr, name in sensitive)
                           for name, a in body.attributes.items()}
    for block in body.blocks:
        if block.type in ("dynamic", "lifecycle", "provisioner", "connection"):
            continue
        out.setdefault(block.type, []).append(expressions(block.body))
    return out


# --- schemas -----------------------------------------------------------------
class _Schemas:
    """Sensitive attribute names by provider and type, from the installed
    providers (none when a provider is not installed: nothing to hide then
    but what the user wrote)."""

    def __init__(self, installed: dict[str, Any] | None):
        self.installed = installed or {}

    def _names(self, model: Any) -> frozenset[str]:
        if model is None:
            return frozenset()
        from govctl.plugins.schema import schema_from_model

        schema = schema_from_model(model)
        return frozenset(n for n, a in schema.attributes.items() if a.sensitive)

    def resource(self, provider: str, res: m.Resource) -> frozenset[str]:
        cls = self.installed.get(provider)
        if cls is None:
            return frozenset()
        table = cls.data_sources if res.mode == "data" else cls.resources
        return self._names(table.get(res.type))

    def provider(self, name: str) -> frozenset[str]:
        cls = self.installed.get(name)
        return self._names(getattr(cls, "config_schema", None)) if cls is not None \
            else frozenset()

    def source(self, module: m.Module, name: str) -> str:
        req = module.settings.required_providers.get(name)
        if req is not None and req.source:
            return req.source
        cls = self.installed.get(name)
        return cls.meta.source if cls is not None else f"govctl/{name}"


# --- modules -----------------------------------------------------------------
def _local_key(expr: ast.Expr) -> str | None:
    """`aws` or `aws.west` in a module call's providers map."""
    if isinstance(expr, ast.Variable):
        return expr.name
    if isinstance(expr, ast.GetAttr) and isinstance(expr.obj, ast.Variable):
        return f"{expr.obj.name}.{expr.name}"
    if isinstance(expr, ast.Literal) and isinstance(expr.value, str):
        return expr.value
    return None


class _Builder:
    def __init__(self, root: m.Module, installed: dict[str, Any] | None):
        self.root = root
        self.schemas = _Schemas(installed)
        self.providers: dict[str, dict[str, Any]] = {}

    def provider_key(self, chain: list[tuple[m.Module, str, m.ModuleCall | None]],
                     local: str) -> str:
        """The provider_config key a resource uses: the nearest module (itself or
        an ancestor through the calls' `providers` maps) that configures it,
        `module.a:aws` in a child module and `aws` in the root, as Terraform's
        opaque keys are; the root's key when nothing configures it."""
        key = local
        for depth in range(len(chain) - 1, -1, -1):
            module, address, call = chain[depth]
            if key in module.providers:
                return f"{address}:{key}" if address else key
            if call is None:
                break
            mapped = None
            if isinstance(call.providers, ast.ObjectCons):
                for k, v in call.providers.items:
                    if _local_key(k) == key:
                        mapped = _local_key(v)
            key = mapped or key
        return key

    def add_provider(self, module: m.Module, address: str, key: str,
                     pc: m.ProviderConfig | None) -> None:
        name = key.split(":")[-1].split(".")[0]
        entry: dict[str, Any] = {"name": name,
                                 "full_name": self.schemas.source(self.root, name)}
        if pc is not None and pc.alias:
            entry["alias"] = pc.alias
        req = module.settings.required_providers.get(name)
        if req is not None and req.version:
            entry["version_constraint"] = req.version
        if address:
            entry["module_address"] = address
        if pc is not None:
            entry["expressions"] = expressions(pc.body, self.schemas.provider(name))
        self.providers.setdefault(key, entry)

    def module(self, chain: list[tuple[m.Module, str, m.ModuleCall | None]]) -> dict[str, Any]:
        module, address, _ = chain[-1]
        for pc in module.providers.values():
            self.add_provider(module, address, f"{address}:{pc.key}" if address else pc.key,
                              pc)
        out: dict[str, Any] = {}
        outputs = {name: self._output(o) for name, o in sorted(module.outputs.items())}
        if outputs:
            out["outputs"] = outputs
        resources = [self._resource(chain, r) for r in module.all_resources()]
        if resources:
            out["resources"] = resources
        calls = {}
        for name, call in sorted(module.module_calls.items()):
            child = module.children.get(name)
            item: dict[str, Any] = {"source": call.source,
                                    "expressions": {k: expression(a.expr)
                                                    for k, a in call.inputs.items()}}
            if call.count is not None:
                item["count_expression"] = expression(call.count)
            if call.for_each is not None:
                item["for_each_expression"] = expression(call.for_each)
            if child is not None:
                sub = f"{address}.module.{name}" if address else f"module.{name}"
                item["module"] = self.module([*chain, (child, sub, call)])
            if call.version:
                item["version_constraint"] = call.version
            deps = _depends_on(call.depends_on)
            if deps:
                item["depends_on"] = deps
            calls[name] = item
        if calls:
            out["module_calls"] = calls
        variables = {name: self._variable(v) for name, v in sorted(module.variables.items())}
        if variables:
            out["variables"] = variables
        return out

    def _resource(self, chain: list[tuple[m.Module, str, m.ModuleCall | None]],
                  r: m.Resource) -> dict[str, Any]:
        local = f"{r.provider[0]}.{r.provider[1]}" if r.provider and r.provider[1] else \
            r.provider_name
        key = self.provider_key(chain, local)
        if key not in self.providers:
            self.add_provider(self.root, "", key, None)
        out: dict[str, Any] = {
            "address": r.key, "mode": r.mode, "type": r.type, "name": r.name,
            "provider_config_key": key,
            "expressions": expressions(r.body, self.schemas.resource(r.provider_name, r)),
            "schema_version": 0}
        if r.count is not None:
            out["count_expression"] = expression(r.count)
        if r.for_each is not None:
            out["for_each_expression"] = expression(r.for_each)
        deps = _depends_on(r.depends_on)
        if deps:
            out["depends_on"] = deps
        return out

    def _output(self, o: m.Output) -> dict[str, Any]:
        out: dict[str, Any] = {"expression": expression(o.value)}
        if o.sensitive:
            out["sensitive"] = True
        if o.description:
            out["description"] = o.description
        deps = _depends_on(o.depends_on)
        if deps:
            out["depends_on"] = deps
        return out

    def _variable(self, v: m.Variable) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if v.default is not None:
            plain, _ = v.default.unmark_deep()
            if plain.is_wholly_known():
                out["default"] = plain.to_python()
        if v.description:
            out["description"] = v.description
        if v.sensitive:
            out["sensitive"] = True
        return out


def _depends_on(exprs: list[ast.Expr]) -> list[str]:
    out: list[str] = []
    for e in exprs:
        for ref in references(e):
            strings = ref_strings(ref)
            if strings and strings[-1] not in out:
                # the widest: the resource or module call itself
                out.append(strings[-1])
    return out


def configuration(root: m.Module, installed: dict[str, Any] | None = None) -> dict[str, Any]:
    """`installed`: provider classes by local name, for sources and sensitive
    attributes (the registry's when None)."""
    if installed is None:
        from govctl.plugins.registry import installed as registry

        installed = dict(registry())
    b = _Builder(root, installed)
    module = b.module([(root, "", None)])
    return {"provider_config": dict(sorted(b.providers.items())), "root_module": module}
