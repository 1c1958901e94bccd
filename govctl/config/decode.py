"""Blocks -> model objects, with a diagnostic for every misuse found.

Decoding is purely structural: nothing is evaluated except constant values
(variable defaults, lifecycle flags) that Terraform also requires to be
constant.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from govctl.config import model as m
from govctl.config.typeexpr import TypeExprError, parse_type
from govctl.diagnostics import Diagnostic, error
from govctl.hcl import ast
from govctl.lang.convert import ConversionError, convert
from govctl.lang.eval import EvalError, Scope, evaluate, suggest

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")

# block type -> (label names, allowed in root)
ROOT_BLOCKS: dict[str, tuple[str, ...]] = {
    "govctl": (),
    "provider": ("name",),
    "variable": ("name",),
    "locals": (),
    "output": ("name",),
    "module": ("name",),
    "resource": ("type", "name"),
    "data": ("type", "name"),
    "import": (),
    "moved": (),
    "policy": ("name",),
    "waiver": ("name",),
    "approver": ("name",),
}
_RESERVED_VAR_NAMES = {"source", "version", "providers", "count", "for_each", "lifecycle",
                       "depends_on", "locals"}
_MODULE_META = {"source", "version", "count", "for_each", "depends_on", "providers"}
_WAIVER_ARGS = {"address", "attributes", "owner", "reason", "expires"}


class Decoder:
    def __init__(self, path: Path):
        self.module = m.Module(path=path)
        self.diags: list[Diagnostic] = []

    # --- helpers ----------------------------------------------------------
    def err(self, summary: str, detail: str, node: ast.Node | None = None,
            rng: object = None) -> None:
        self.diags.append(error(summary, detail, rng if rng is not None else  # type: ignore[arg-type]
                                (node.range if node is not None else None)))

    def check_body(self, body: ast.Body, attrs: Iterable[str], blocks: Iterable[str],
                   where: str) -> None:
        attrs, blocks = set(attrs), set(blocks)
        for name, attr in body.attributes.items():
            if name not in attrs:
                self.err("Unsupported argument",
                         f'An argument named "{name}" is not expected {where}.'
                         + suggest(name, attrs), rng=attr.name_range)
        for b in body.blocks:
            if b.type not in blocks:
                self.err("Unsupported block type",
                         f'Blocks of type "{b.type}" are not expected {where}.'
                         + suggest(b.type, blocks), rng=b.def_range)

    def constant(self, expr: ast.Expr, what: str):  # -> Value | None
        try:
            return evaluate(expr, Scope())
        except EvalError as exc:
            d = exc.diagnostic
            if d.summary == "Unknown variable":
                self.err(f"Variables not allowed in {what}",
                         f"The {what} must be a constant value; references are not allowed "
                         "here.", expr)
            else:
                self.diags.append(d)
        return None

    def string_literal(self, expr: ast.Expr, what: str) -> str | None:
        if isinstance(expr, ast.Literal) and isinstance(expr.value, str):
            return expr.value
        self.err("Invalid value", f"The {what} must be a literal string.", expr)
        return None

    def bool_literal(self, attr: ast.Attribute | None, what: str) -> bool:
        if attr is None:
            return False
        v = self.constant(attr.expr, what)
        if v is None:
            return False
        if v.unknown or v.is_null or v.type.friendly() != "bool":
            self.err("Invalid value", f"The {what} must be true or false.", attr.expr)
            return False
        return bool(v.v)

    def check_labels(self, block: ast.Block) -> bool:
        want = ROOT_BLOCKS[block.type]
        if len(block.labels) != len(want):
            if len(block.labels) < len(want):
                missing = want[len(block.labels)]
                self.err(f"Missing {missing} for {block.type}",
                         f"All {block.type} blocks must have {len(want)} label(s) "
                         f"({', '.join(want)}).", rng=block.def_range)
            else:
                self.err(f"Extraneous label for {block.type}",
                         f"Only {len(want)} label(s) are expected for {block.type} blocks"
                         f"{' (' + ', '.join(want) + ')' if want else ''}.",
                         rng=block.label_range(len(want)))
            return False
        for i, label in enumerate(block.labels):
            if not _NAME.match(label):
                self.err(f"Invalid {block.type} {want[i]}",
                         "A name must start with a letter or underscore and may contain only "
                         "letters, digits, underscores, and dashes.", rng=block.label_range(i))
                return False
        return True

    def duplicate(self, kind: str, name: str, block: ast.Block, prev: ast.Block) -> None:
        r = prev.def_range
        self.err(f"Duplicate {kind} {name!r}",
                 f"A {kind} named {name!r} was already declared at "
                 f"{r.filename}:{r.start.line},{r.start.column}. Names must be unique in each "
                 "module.", rng=block.def_range)

    # --- files ------------------------------------------------------------
    def add_file(self, f: ast.File) -> None:
        self.module.files.append(f)
        for name, attr in f.body.attributes.items():
            self.err("Unsupported argument",
                     f'An argument named "{name}" is not expected at the top level of a '
                     "configuration file; arguments belong inside blocks.",
                     rng=attr.name_range)
        for block in f.body.blocks:
            t = block.type
            if t not in ROOT_BLOCKS:
                hint = suggest(t, ROOT_BLOCKS)
                if t == "terraform":
                    hint = " govctl's settings block is named \"govctl\"."
                self.err("Unsupported block type",
                         f'Blocks of type "{t}" are not expected here.' + hint,
                         rng=block.def_range)
                continue
            if not self.check_labels(block):
                continue
            getattr(self, "block_" + t)(block)

    # --- root blocks ------------------------------------------------------
    def block_govctl(self, block: ast.Block) -> None:
        s = self.module.settings
        body = block.body
        self.check_body(body, {"required_version", "experiments"},
                        {"required_providers", "backend", "encryption", "cloud"},
                        "in a govctl block")
        if "required_version" in body.attributes:
            s.required_version = self.string_literal(body.attributes["required_version"].expr,
                                                     "required_version")
        for b in body.blocks:
            if b.type == "required_providers":
                for name, attr in b.body.attributes.items():
                    self.required_provider(name, attr)
            elif b.type == "backend":
                if len(b.labels) != 1:
                    self.err("Missing backend type",
                             'A backend block needs one label, the backend type, e.g. '
                             'backend "local".', rng=b.def_range)
                    continue
                if s.backend_block is not None:
                    self.err("Duplicate backend configuration",
                             "Only one backend may be configured.", rng=b.def_range)
                    continue
                s.backend_type, s.backend, s.backend_block = b.labels[0], b.body, b
            elif b.type == "encryption":
                if b.labels:
                    self.err("Extraneous label for encryption",
                             "An encryption block takes no labels.", rng=b.label_range(0))
                    continue
                if s.encryption_block is not None:
                    r = s.encryption_block.def_range
                    self.err("Duplicate encryption configuration",
                             f"Encryption was already configured at {r.filename}:"
                             f"{r.start.line},{r.start.column}.", rng=b.def_range)
                    continue
                s.encryption, s.encryption_block = b.body, b

    def required_provider(self, name: str, attr: ast.Attribute) -> None:
        s = self.module.settings
        expr = attr.expr
        source, version = f"govctl/{name}", ""
        if isinstance(expr, ast.ObjectCons):
            for k, v in expr.items:
                key = k.value if isinstance(k, ast.Literal) else None
                if key == "source":
                    source = self.string_literal(v, "provider source") or source
                elif key == "version":
                    version = self.string_literal(v, "provider version constraint") or ""
                elif key == "configuration_aliases":
                    continue
                else:
                    self.err("Invalid required_providers object",
                             'required_providers objects can only contain "version", '
                             '"source" and "configuration_aliases" attributes.', k)
        elif isinstance(expr, ast.Literal) and isinstance(expr.value, str):
            version = expr.value
        else:
            self.err("Invalid required_providers entry",
                     'Each entry is an object like { source = "govctl/aws", '
                     'version = ">= 0.1" }.', expr)
            return
        s.required_providers[name] = m.RequiredProvider(name, source, version, attr)

    def block_provider(self, block: ast.Block) -> None:
        body = block.body
        alias = None
        if "alias" in body.attributes:
            alias = self.string_literal(body.attributes["alias"].expr, "provider alias")
        for b in body.blocks:
            if b.type == "dynamic":
                continue
        pc = m.ProviderConfig(block.labels[0], alias, block, body)
        prev = self.module.providers.get(pc.key)
        if prev is not None:
            what = f'provider "{pc.name}"' + (f' with alias "{alias}"' if alias else "")
            r = prev.block.def_range
            self.err("Duplicate provider configuration",
                     f"A default (non-aliased) {what} was already given at {r.filename}:"
                     f"{r.start.line},{r.start.column}. If multiple configurations are "
                     "required, set the \"alias\" argument for alternative configurations."
                     if not alias else f"A {what} was already given at {r.filename}:"
                     f"{r.start.line},{r.start.column}.", rng=block.def_range)
            return
        self.module.providers[pc.key] = pc

    def block_variable(self, block: ast.Block) -> None:
        name = block.labels[0]
        body = block.body
        if name in _RESERVED_VAR_NAMES:
            self.err("Invalid variable name",
                     f'The variable name "{name}" is reserved for a meta-argument of module '
                     "calls.", rng=block.label_range(0))
            return
        if name in self.module.variables:
            self.duplicate("variable", name, block, self.module.variables[name].block)
            return
        self.check_body(body, {"type", "default", "description", "sensitive", "nullable",
                               "ephemeral"}, {"validation"}, "in a variable block")
        var = m.Variable(name, block)
        if "type" in body.attributes:
            try:
                var.type = parse_type(body.attributes["type"].expr)
                var.type_given = True
            except TypeExprError as exc:
                self.diags.append(exc.diagnostic)
        if "description" in body.attributes:
            var.description = self.string_literal(body.attributes["description"].expr,
                                                  "description") or ""
        var.sensitive = self.bool_literal(body.attributes.get("sensitive"), "sensitive flag")
        if "nullable" in body.attributes:
            var.nullable = self.bool_literal(body.attributes["nullable"], "nullable flag")
        if "default" in body.attributes:
            expr = body.attributes["default"].expr
            value = self.constant(expr, "default value")
            if value is not None:
                try:
                    var.default = convert(value, var.type)
                except ConversionError as exc:
                    self.err("Invalid default value for variable",
                             f"This default value is not compatible with the variable's type "
                             f"constraint: {exc.describe()}.", expr)
                if var.default is not None and var.default.is_null and not var.nullable:
                    self.err("Invalid default value for variable",
                             "A null default value is not valid when nullable=false.", expr)
        for vb in body.blocks_of("validation"):
            v = self.validation(vb, "validation")
            if v is not None:
                var.validations.append(v)
        self.module.variables[name] = var

    def validation(self, block: ast.Block, kind: str) -> m.Validation | None:
        self.check_body(block.body, {"condition", "error_message"}, (), f"in a {kind} block")
        attrs = block.body.attributes
        missing = [a for a in ("condition", "error_message") if a not in attrs]
        if missing:
            self.err("Missing required argument",
                     f'The argument "{missing[0]}" is required in a {kind} block.',
                     rng=block.def_range)
            return None
        return m.Validation(attrs["condition"].expr, attrs["error_message"].expr, block)

    def block_locals(self, block: ast.Block) -> None:
        for b in block.body.blocks:
            self.err("Unsupported block type", "Blocks are not allowed inside locals; "
                     "use an attribute (name = value).", rng=b.def_range)
        for name, attr in block.body.attributes.items():
            prev = self.module.locals.get(name)
            if prev is not None:
                r = prev.attr.name_range
                self.err("Duplicate local value definition",
                         f'A local value named "{name}" was already defined at {r.filename}:'
                         f"{r.start.line},{r.start.column}. Local value names must be unique "
                         "within a module.", rng=attr.name_range)
                continue
            self.module.locals[name] = m.Local(name, attr)

    def block_output(self, block: ast.Block) -> None:
        name = block.labels[0]
        body = block.body
        if name in self.module.outputs:
            self.duplicate("output", name, block, self.module.outputs[name].block)
            return
        self.check_body(body, {"value", "description", "sensitive", "depends_on",
                               "ephemeral"}, {"precondition"}, "in an output block")
        if "value" not in body.attributes:
            self.err("Missing required argument",
                     'The argument "value" is required, but no definition was found.',
                     rng=block.def_range)
            return
        out = m.Output(name, block, body.attributes["value"].expr)
        if "description" in body.attributes:
            out.description = self.string_literal(body.attributes["description"].expr,
                                                  "description") or ""
        out.sensitive = self.bool_literal(body.attributes.get("sensitive"), "sensitive flag")
        if "depends_on" in body.attributes:
            out.depends_on = self.reference_list(body.attributes["depends_on"].expr,
                                                 "depends_on")
        for pb in body.blocks_of("precondition"):
            v = self.validation(pb, "precondition")
            if v is not None:
                out.preconditions.append(v)
        self.module.outputs[name] = out

    def reference_list(self, expr: ast.Expr, what: str) -> list[ast.Expr]:
        if not isinstance(expr, ast.TupleCons):
            self.err("Invalid expression", f"The {what} argument must be a list of "
                     "references.", expr)
            return []
        out = []
        for item in expr.items:
            if not _is_traversal(item):
                self.err("Invalid reference", f"The {what} list may contain only static "
                         "references to resources, modules, data sources or variables, "
                         "like aws_s3_bucket.logs.", item)
            else:
                out.append(item)
        return out

    def block_resource(self, block: ast.Block, mode: str = "managed") -> None:
        rtype, name = block.labels
        body = block.body
        res = m.Resource(mode, rtype, name, block, body)
        table = self.module.resources if mode == "managed" else self.module.data
        if res.key in table:
            prev = table[res.key].block.def_range
            kind = "resource" if mode == "managed" else "data"
            self.err(f'Duplicate {kind} "{rtype}" configuration',
                     f'A {rtype} {kind} named "{name}" was already declared at '
                     f"{prev.filename}:{prev.start.line},{prev.start.column}. Resource names "
                     "must be unique per type in each module.", rng=block.def_range)
            return
        meta = {"count", "for_each", "depends_on", "provider", "lifecycle"}
        attrs = dict(body.attributes)
        if "count" in attrs and "for_each" in attrs:
            self.err('Invalid combination of "count" and "for_each"',
                     'The "count" and "for_each" meta-arguments are mutually-exclusive, only '
                     "one should be used to be explicit about the number of resources to be "
                     "created.", rng=attrs["for_each"].name_range)
        if "count" in attrs:
            res.count = attrs["count"].expr
        if "for_each" in attrs:
            res.for_each = attrs["for_each"].expr
        if "depends_on" in attrs:
            res.depends_on = self.reference_list(attrs["depends_on"].expr, "depends_on")
        if "provider" in attrs:
            res.provider_expr = attrs["provider"].expr
            res.provider = self.provider_ref(attrs["provider"].expr)
        for lb in body.blocks_of("lifecycle"):
            self.lifecycle(lb, res.lifecycle, mode)
        for pb in body.blocks_of("provisioner") + body.blocks_of("connection"):
            self.err("Unsupported block type",
                     f"{pb.type.capitalize()}s are not supported by govctl: governance "
                     "resources are declared, never scripted.", rng=pb.def_range)
        res.body = ast.Body(body.src, body.start, body.end,
                            {k: v for k, v in attrs.items() if k not in meta},
                            [b for b in body.blocks if b.type not in
                             ("lifecycle", "provisioner", "connection")])
        table[res.key] = res

    def block_data(self, block: ast.Block) -> None:
        self.block_resource(block, "data")

    def provider_ref(self, expr: ast.Expr) -> tuple[str, str | None] | None:
        if isinstance(expr, ast.Variable):
            return (expr.name, None)
        if isinstance(expr, ast.GetAttr) and isinstance(expr.obj, ast.Variable):
            return (expr.obj.name, expr.name)
        self.err("Invalid provider reference",
                 "The provider argument must be a provider name or name.alias, like aws.west, "
                 "without quotes.", expr)
        return None

    def lifecycle(self, block: ast.Block, lc: m.Lifecycle, mode: str) -> None:
        allowed = {"prevent_destroy", "create_before_destroy", "ignore_changes",
                   "replace_triggered_by"} if mode == "managed" else set()
        self.check_body(block.body, allowed, {"precondition", "postcondition"},
                        "in a lifecycle block")
        a = block.body.attributes
        lc.prevent_destroy = self.bool_literal(a.get("prevent_destroy"), "prevent_destroy flag")
        lc.prevent_destroy_set = "prevent_destroy" in a
        lc.create_before_destroy = self.bool_literal(a.get("create_before_destroy"),
                                                     "create_before_destroy flag")
        if "ignore_changes" in a:
            expr = a["ignore_changes"].expr
            if isinstance(expr, ast.Variable) and expr.name == "all":
                lc.ignore_all_changes = True
            else:
                lc.ignore_changes = self.reference_list(expr, "ignore_changes")
        if "replace_triggered_by" in a:
            lc.replace_triggered_by = self.reference_list(a["replace_triggered_by"].expr,
                                                          "replace_triggered_by")
        for b in block.body.blocks:
            v = self.validation(b, b.type)
            if v is None:
                continue
            (lc.preconditions if b.type == "precondition" else lc.postconditions).append(v)

    def block_module(self, block: ast.Block) -> None:
        name = block.labels[0]
        body = block.body
        if name in self.module.module_calls:
            self.duplicate("module call", name, block, self.module.module_calls[name].block)
            return
        attrs = body.attributes
        if "source" not in attrs:
            self.err("Missing required argument",
                     'The argument "source" is required, but no definition was found.',
                     rng=block.def_range)
            return
        source = self.string_literal(attrs["source"].expr, "module source")
        if source is None:
            return
        call = m.ModuleCall(name, block, source, attrs["source"].expr)
        if "count" in attrs and "for_each" in attrs:
            self.err('Invalid combination of "count" and "for_each"',
                     'The "count" and "for_each" meta-arguments are mutually-exclusive.',
                     rng=attrs["for_each"].name_range)
        call.count = attrs["count"].expr if "count" in attrs else None
        call.for_each = attrs["for_each"].expr if "for_each" in attrs else None
        if "depends_on" in attrs:
            call.depends_on = self.reference_list(attrs["depends_on"].expr, "depends_on")
        call.providers = attrs["providers"].expr if "providers" in attrs else None
        if "version" in attrs:
            call.version = self.string_literal(attrs["version"].expr, "module version")
        call.inputs = {k: v for k, v in attrs.items() if k not in _MODULE_META}
        for b in body.blocks:
            self.err("Unsupported block type",
                     f'Blocks of type "{b.type}" are not expected in a module call.',
                     rng=b.def_range)
        self.module.module_calls[name] = call

    def block_import(self, block: ast.Block) -> None:
        self.check_body(block.body, {"to", "id", "provider", "for_each", "identity"}, (),
                        "in an import block")
        a = block.body.attributes
        for req in ("to", "id"):
            if req not in a:
                self.err("Missing required argument",
                         f'The argument "{req}" is required in an import block.',
                         rng=block.def_range)
                return
        if not _is_traversal(a["to"].expr):
            self.err("Invalid import address", "The \"to\" argument must be a resource "
                     "address, like aws_s3_bucket.logs, without quotes.", a["to"].expr)
            return
        self.module.imports.append(m.Import(a["to"].expr, a["id"].expr,
                                            a["provider"].expr if "provider" in a else None,
                                            block))

    def block_moved(self, block: ast.Block) -> None:
        self.check_body(block.body, {"from", "to"}, (), "in a moved block")
        a = block.body.attributes
        for req in ("from", "to"):
            if req not in a:
                self.err("Missing required argument",
                         f'The argument "{req}" is required in a moved block.',
                         rng=block.def_range)
                return
            if not _is_traversal(a[req].expr):
                self.err("Invalid address", f'The "{req}" argument must be an address like '
                         "aws_s3_bucket.logs or module.x, without quotes.", a[req].expr)
                return
        self.module.moved.append(m.Moved(a["from"].expr, a["to"].expr, block))

    def block_policy(self, block: ast.Block) -> None:
        name = block.labels[0]
        if name in self.module.policies:
            self.duplicate("policy", name, block, self.module.policies[name].block)
            return
        self.module.policies[name] = m.Policy(name, block)

    def block_approver(self, block: ast.Block) -> None:
        """Someone whose Ed25519 signature on a saved plan counts as an approval
        (govctl approve); the key is read when a plan is approved or applied."""
        name = block.labels[0]
        if name in self.module.approvers:
            self.duplicate("approver", name, block, self.module.approvers[name].block)
            return
        self.check_body(block.body, ("public_key",), (), "in an approver block")
        if "public_key" not in block.body.attributes:
            self.diags.append(error("Missing required argument", f'The approver "{name}" '
                                    "needs a public_key.", block.def_range))
            return
        self.module.approvers[name] = m.Approver(name, block)

    def block_waiver(self, block: ast.Block) -> None:
        """Constant arguments only: a waiver is a reviewed, dated exception, so
        what it covers must be readable without evaluating anything."""
        name = block.labels[0]
        if name in self.module.waivers:
            self.duplicate("waiver", name, block, self.module.waivers[name].block)
            return
        body = block.body
        self.check_body(body, _WAIVER_ARGS, (), "in a waiver block")
        a = body.attributes
        missing = [k for k in ("address", "owner", "reason", "expires") if k not in a]
        for k in missing:
            self.err("Missing required argument",
                     f'The argument "{k}" is required in a waiver block.',
                     rng=block.def_range)
        if missing:
            return
        texts = {k: self.waiver_string(a[k]) for k in ("address", "owner", "reason", "expires")}
        expires = self.waiver_date(a["expires"], texts["expires"])
        attributes = self.waiver_attributes(a.get("attributes"))
        if any(v is None for v in texts.values()) or expires is None or attributes is None:
            return
        self.module.waivers[name] = m.Waiver(name, block, str(texts["address"]), attributes,
                                             str(texts["owner"]), str(texts["reason"]),
                                             expires)

    def waiver_string(self, attr: ast.Attribute) -> str | None:
        v = self.constant(attr.expr, f"waiver {attr.name}")
        if v is None:
            return None
        if v.unknown or v.is_null or not isinstance(v.v, str) or not v.v.strip():
            self.err("Invalid value", f'The waiver argument "{attr.name}" must be a '
                     "non-empty string.", attr.expr)
            return None
        return str(v.v)

    def waiver_date(self, attr: ast.Attribute, text: str | None) -> date | None:
        if text is None:
            return None
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                raise ValueError(text)
            return date.fromisoformat(text)
        except ValueError:
            self.err("Invalid expiry date", f'The waiver argument "expires" must be a date '
                     f'written YYYY-MM-DD (UTC), like "2026-12-31"; got "{text}".', attr.expr)
            return None

    def waiver_attributes(self, attr: ast.Attribute | None) -> list[str] | None:
        if attr is None:
            return []
        v = self.constant(attr.expr, "waiver attributes")
        if v is None:
            return None
        items = v.v if isinstance(v.v, tuple) and not v.unknown else None
        if items is None or any(not isinstance(e.v, str) or not e.v for e in items):
            self.err("Invalid value", 'The waiver argument "attributes" must be a list of '
                     'attribute names, like ["tags", "versioning"]; an empty list, or no '
                     "argument, waives every attribute.", attr.expr)
            return None
        return [str(e.v) for e in items]


def _is_traversal(expr: ast.Expr) -> bool:
    while isinstance(expr, ast.GetAttr | ast.Index):
        if isinstance(expr, ast.Index) and not isinstance(expr.key, ast.Literal):
            return False
        expr = expr.obj
    return isinstance(expr, ast.Variable)
