"""`govctl { encryption { ... } }`: decoded, checked and turned into codecs.

The block has OpenTofu's shape so that `tofu` users recognise it. Arguments
are expressions that may use variables (`passphrase = var.state_passphrase`),
evaluated like any other expression of the root module; `keys = ...` and
`method = ...` are references inside the block, resolved here and never
evaluated. Every mistake is a diagnostic at its source range.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from govctl.config import model as m
from govctl.config.evaluate import InputValue, ModuleEval, Options, Result
from govctl.diagnostics import Diagnostic, Severity, error
from govctl.hcl import ast
from govctl.lang.convert import ConversionError, convert
from govctl.lang.eval import suggest
from govctl.lang.types import BOOL, STRING, Type
from govctl.state.encryption import keys as k
from govctl.state.encryption.codec import AesGcm, Codec, Method, Unencrypted
from govctl.state.encryption.rollback import Rollback

KEY_PROVIDER_ARGS: dict[str, tuple[set[str], set[str]]] = {   # type -> (required, optional)
    "passphrase": ({"passphrase"}, {"kdf"}),
    "aws_kms": ({"kms_key_id"}, {"key_spec", "region"}),
}
METHOD_ARGS: dict[str, tuple[set[str], set[str]]] = {
    "aes_gcm": ({"keys"}, set()),
    "unencrypted": (set(), set()),
}
TARGETS = ("state", "plan")
_BLOCKS = ("key_provider", "method", *TARGETS)


@dataclass
class EncryptionConfig:
    """The decoded block; `state` and `plan` are None when not configured."""

    state: Codec | None = None
    plan: Codec | None = None
    key_providers: dict[str, k.KeyProvider] = field(default_factory=dict)   # "TYPE.NAME"
    methods: dict[str, Method] = field(default_factory=dict)                # "TYPE.NAME"


def load(module: m.Module, values: Mapping[str, InputValue] | None, *,
         rollback: Rollback | None = None) -> tuple[EncryptionConfig | None, list[Diagnostic]]:
    """The root module's encryption, or None when it has no encryption block.
    `values`: the root variables' values (govctl.config.varfiles.collect);
    None checks the block with variables unknown, as `validate` does, and
    then returns no configuration. `rollback`: the serial memory (default:
    under $GOVCTL_HOME or ~/.govctl)."""
    block = module.settings.encryption_block
    if block is None:
        return None, []
    dec = _Decoder(module, values)
    cfg = dec.decode(block, rollback if rollback is not None else Rollback())
    if values is None or any(d.severity is Severity.ERROR for d in dec.diags):
        return None, dec.diags
    return cfg, dec.diags


class _Decoder:
    def __init__(self, module: m.Module, values: Mapping[str, InputValue] | None):
        self.partial = values is None
        self.eval = ModuleEval(module, values or {}, Options(validate_only=self.partial),
                               module.path, Result())
        self.diags: list[Diagnostic] = []
        self.provider_blocks: dict[str, ast.Block] = {}
        self.method_blocks: dict[str, ast.Block] = {}

    def err(self, summary: str, detail: str, node: ast.Node | None = None,
            rng: Any = None) -> None:
        self.diags.append(error(summary, detail, rng if rng is not None else
                                (node.range if node is not None else None)))

    # --- structure ----------------------------------------------------------
    def decode(self, block: ast.Block, rollback: Rollback) -> EncryptionConfig:
        cfg = EncryptionConfig()
        body = block.body
        for name, attr in body.attributes.items():
            self.err("Unsupported argument",
                     f'An argument named "{name}" is not expected in an encryption block; '
                     "it holds key_provider, method, state and plan blocks.",
                     rng=attr.name_range)
        for b in body.blocks:
            if b.type not in _BLOCKS:
                self.err("Unsupported block type",
                         f'Blocks of type "{b.type}" are not expected in an encryption '
                         "block." + suggest(b.type, _BLOCKS), rng=b.def_range)
        for b in body.blocks_of("key_provider"):
            p = self.key_provider(b)
            if p is not None:
                cfg.key_providers[p.id] = p
        for b in body.blocks_of("method"):
            meth = self.method(b, cfg.key_providers)
            if meth is not None:
                cfg.methods[meth.id] = meth
        for kind in TARGETS:
            blocks = body.blocks_of(kind)
            for extra in blocks[1:]:
                self.duplicate(f"{kind} block", extra, blocks[0])
            if blocks and self.no_labels(blocks[0]):
                codec = self.target(kind, blocks[0], cfg.methods, rollback)
                setattr(cfg, kind, codec)
        return cfg

    def labelled(self, b: ast.Block, kinds: Mapping[str, Any], what: str) -> str | None:
        """"TYPE.NAME" of a two-label block of a known type, or None."""
        if len(b.labels) != 2:
            self.err(f"Invalid {b.type} block",
                     f'A {b.type} block has two labels, the {what} type and a name, e.g. '
                     f'{b.type} "{next(iter(kinds))}" "main".', rng=b.def_range)
            return None
        typ, name = b.labels
        seen = self.provider_blocks if b.type == "key_provider" else self.method_blocks
        key = f"{typ}.{name}"
        if key in seen:
            self.duplicate(f'{b.type} "{typ}" "{name}"', b, seen[key])
            return None
        seen[key] = b    # even when invalid: references to it are not reported again
        if typ not in kinds:
            self.err(f"Unknown {what} type",
                     f'There is no {what} of type "{typ}"; the types are '
                     f'{", ".join(sorted(kinds))}.' + suggest(typ, kinds),
                     rng=b.label_range(0))
            return None
        return key

    def duplicate(self, what: str, b: ast.Block, prev: ast.Block) -> None:
        r = prev.def_range
        self.err(f"Duplicate {what}",
                 f"A {what} was already declared at {r.filename}:{r.start.line},"
                 f"{r.start.column}.", rng=b.def_range)

    def no_labels(self, b: ast.Block) -> bool:
        if b.labels:
            self.err(f"Extraneous label for {b.type}", f"A {b.type} block takes no labels.",
                     rng=b.label_range(0))
            return False
        return True

    def arguments(self, b: ast.Block, required: set[str], optional: set[str],
                  where: str, blocks: frozenset[str] = frozenset()) -> bool:
        ok = True
        allowed = required | optional
        for name, attr in b.body.attributes.items():
            if name not in allowed:
                self.err("Unsupported argument",
                         f'An argument named "{name}" is not expected in {where}.'
                         + suggest(name, allowed), rng=attr.name_range)
                ok = False
        for name in sorted(required - set(b.body.attributes)):
            self.err("Missing required argument",
                     f'The argument "{name}" is required in {where}.', rng=b.def_range)
            ok = False
        for nested in b.body.blocks:
            if nested.type not in blocks:
                self.err("Unsupported block type",
                         f'Blocks of type "{nested.type}" are not expected in {where}.'
                         + suggest(nested.type, blocks), rng=nested.def_range)
                ok = False
        return ok

    # --- values -------------------------------------------------------------
    def value(self, attr: ast.Attribute | None, typ: Type, what: str) -> Any:
        """The argument's value as Python, None when absent or when it was
        reported (or is unknown while validating)."""
        if attr is None:
            return None
        mark = len(self.eval.result.diagnostics)
        val = self.eval.eval(attr.expr, allowed=frozenset({"var"}))
        self.diags += self.eval.result.diagnostics[mark:]
        if val is None:
            return None
        val = val.unmark_deep()[0]
        if not val.is_wholly_known():
            if not self.partial:
                self.err("Invalid value", f"The {what} must be known.", attr.expr)
            return None
        if val.is_null:
            self.err("Invalid value", f"The {what} must not be null.", attr.expr)
            return None
        try:
            return convert(val, typ).to_python()
        except ConversionError as exc:
            self.err("Invalid value", f"The {what} is invalid: {exc.describe()}.", attr.expr)
            return None

    def reference(self, attr: ast.Attribute, root: str, known: Mapping[str, Any],
                  what: str) -> Any:
        """The thing `root.TYPE.NAME` names, or None after a diagnostic."""
        path = _traversal(attr.expr)
        if path is None or len(path) != 3 or path[0] != root:
            self.err("Invalid reference",
                     f"The {attr.name} argument must be a reference like {root}.TYPE.NAME.",
                     attr.expr)
            return None
        key = f"{path[1]}.{path[2]}"
        if key in known:
            return known[key]
        declared = self.provider_blocks if root == "key_provider" else self.method_blocks
        if key not in declared:   # declared but invalid: reported already
            self.err(f"Reference to undeclared {what}",
                     f'No {root} "{path[1]}" "{path[2]}" is declared in the encryption '
                     "block." + suggest(key, declared), attr.expr)
        return None

    # --- blocks -------------------------------------------------------------
    def key_provider(self, b: ast.Block) -> k.KeyProvider | None:
        key = self.labelled(b, KEY_PROVIDER_ARGS, "key provider")
        if key is None:
            return None
        typ, name = b.labels
        required, optional = KEY_PROVIDER_ARGS[typ]
        where = f'a key_provider "{typ}" block'
        if not self.arguments(b, required, optional, where):
            return None
        attrs = b.body.attributes
        if typ == "passphrase":
            return self.passphrase(name, attrs)
        return self.aws_kms(name, attrs)

    def passphrase(self, name: str, attrs: Mapping[str, ast.Attribute]
                   ) -> k.KeyProvider | None:
        kdf = self.value(attrs.get("kdf"), STRING, "kdf") or k.DEFAULT_KDF
        if kdf not in k.KDFS:
            self.err("Unsupported key derivation function",
                     f'The kdf must be one of {", ".join(k.KDFS)}.' + suggest(kdf, k.KDFS),
                     attrs["kdf"].expr)
            return None
        passphrase = self.value(attrs["passphrase"], STRING, "passphrase")
        if passphrase is None:
            return None
        if len(passphrase) < k.MIN_PASSPHRASE:
            self.err("Passphrase too short",
                     f"The passphrase of key provider passphrase.{name} must be at least "
                     f"{k.MIN_PASSPHRASE} characters long.", attrs["passphrase"].expr)
            return None
        return k.PassphraseProvider(name, passphrase, kdf)

    def aws_kms(self, name: str, attrs: Mapping[str, ast.Attribute]) -> k.KeyProvider | None:
        key_id = self.value(attrs["kms_key_id"], STRING, "kms_key_id")
        spec = self.value(attrs.get("key_spec"), STRING, "key_spec") or "AES_256"
        region = self.value(attrs.get("region"), STRING, "region")
        ok = key_id is not None
        if key_id is not None and not key_id.strip():
            self.err("Invalid value", "The kms_key_id must not be empty: give a key id, ARN "
                     'or alias ("alias/govctl-state").', attrs["kms_key_id"].expr)
            ok = False
        if spec not in k.KEY_SPECS:
            self.err("Unsupported key_spec",
                     f'The key_spec must be {" or ".join(k.KEY_SPECS)} (AES-256-GCM needs a '
                     "256-bit data key)." + suggest(spec, k.KEY_SPECS), attrs["key_spec"].expr)
            ok = False
        if not ok:
            return None
        return k.AwsKmsProvider(name, key_id, spec, region or None)

    def method(self, b: ast.Block, providers: Mapping[str, k.KeyProvider]) -> Method | None:
        key = self.labelled(b, METHOD_ARGS, "method")
        if key is None:
            return None
        typ = b.labels[0]
        required, optional = METHOD_ARGS[typ]
        if not self.arguments(b, required, optional, f'a method "{typ}" block'):
            return None
        if typ == "unencrypted":
            return Unencrypted(key)
        provider = self.reference(b.body.attributes["keys"], "key_provider", providers,
                                  "key provider")
        return AesGcm(key, provider) if provider is not None else None

    def target(self, kind: str, b: ast.Block, methods: Mapping[str, Method],
               rollback: Rollback) -> Codec | None:
        where = f"a {kind} block"
        ok = self.arguments(b, {"method"}, {"enforced"}, where, frozenset({"fallback"}))
        fallbacks = b.body.blocks_of("fallback")
        for extra in fallbacks[1:]:
            self.duplicate("fallback block", extra, fallbacks[0])
            ok = False
        if not ok:
            return None
        attrs = b.body.attributes
        primary = self.reference(attrs["method"], "method", methods, "method")
        enforced = self.value(attrs.get("enforced"), BOOL, "enforced") or False
        fallback: Method | None = None
        if fallbacks and self.no_labels(fallbacks[0]):
            fb = fallbacks[0]
            if self.arguments(fb, {"method"}, set(), "a fallback block"):
                fallback = self.reference(fb.body.attributes["method"], "method", methods,
                                          "method")
                if fallback is None:
                    return None
        if primary is None:
            return None
        if enforced and isinstance(primary, Unencrypted):
            self.err("Unencrypted method enforced against",
                     f"The {kind} is enforced to be encrypted (enforced = true), so its "
                     f'method cannot be "unencrypted". To migrate from unencrypted, use it as '
                     "the fallback instead.", attrs["method"].expr)
            return None
        return Codec(kind, primary, fallback, enforced, rollback)


def _traversal(expr: ast.Expr) -> list[str] | None:
    """["a", "b", "c"] for the plain traversal a.b.c, else None."""
    names: list[str] = []
    while isinstance(expr, ast.GetAttr):
        names.append(expr.name)
        expr = expr.obj
    if not isinstance(expr, ast.Variable):
        return None
    names.append(expr.name)
    names.reverse()
    return names
