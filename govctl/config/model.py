"""The decoded configuration of one module: what each block means, with the
expressions kept unevaluated (evaluation needs the whole module tree)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from govctl.hcl import ast
from govctl.lang.types import DYNAMIC, Type
from govctl.lang.values import Value


@dataclass
class Validation:
    condition: ast.Expr
    error_message: ast.Expr
    block: ast.Block


@dataclass
class Variable:
    name: str
    block: ast.Block
    type: Type = DYNAMIC
    type_given: bool = False
    default: Value | None = None        # None: required
    description: str = ""
    sensitive: bool = False
    nullable: bool = True
    validations: list[Validation] = field(default_factory=list)


@dataclass
class Output:
    name: str
    block: ast.Block
    value: ast.Expr
    description: str = ""
    sensitive: bool = False
    depends_on: list[ast.Expr] = field(default_factory=list)
    preconditions: list[Validation] = field(default_factory=list)


@dataclass
class Local:
    name: str
    attr: ast.Attribute


@dataclass
class Lifecycle:
    prevent_destroy: bool = False
    prevent_destroy_set: bool = False   # written in the block (false lifts a remembered true)
    create_before_destroy: bool = False
    ignore_changes: list[ast.Expr] = field(default_factory=list)
    ignore_all_changes: bool = False
    replace_triggered_by: list[ast.Expr] = field(default_factory=list)
    preconditions: list[Validation] = field(default_factory=list)
    postconditions: list[Validation] = field(default_factory=list)


@dataclass
class Resource:
    """A `resource` (mode "managed") or `data` (mode "data") block."""

    mode: str
    type: str
    name: str
    block: ast.Block
    body: ast.Body                     # the block body without meta-arguments
    count: ast.Expr | None = None
    for_each: ast.Expr | None = None
    depends_on: list[ast.Expr] = field(default_factory=list)
    provider: tuple[str, str | None] | None = None   # (name, alias) when given
    provider_expr: ast.Expr | None = None
    lifecycle: Lifecycle = field(default_factory=Lifecycle)

    @property
    def key(self) -> str:
        prefix = "data." if self.mode == "data" else ""
        return f"{prefix}{self.type}.{self.name}"

    @property
    def provider_name(self) -> str:
        """The provider local name: explicit, or the type's prefix (aws_s3_bucket -> aws)."""
        if self.provider is not None:
            return self.provider[0]
        return self.type.split("_", 1)[0]


@dataclass
class ModuleCall:
    name: str
    block: ast.Block
    source: str
    source_range_node: ast.Node
    inputs: dict[str, ast.Attribute] = field(default_factory=dict)
    count: ast.Expr | None = None
    for_each: ast.Expr | None = None
    depends_on: list[ast.Expr] = field(default_factory=list)
    providers: ast.Expr | None = None
    version: str | None = None


@dataclass
class ProviderConfig:
    name: str
    alias: str | None
    block: ast.Block
    body: ast.Body

    @property
    def key(self) -> str:
        return f"{self.name}.{self.alias}" if self.alias else self.name


@dataclass
class RequiredProvider:
    name: str
    source: str
    version: str
    node: ast.Node


@dataclass
class Settings:
    required_version: str | None = None
    required_providers: dict[str, RequiredProvider] = field(default_factory=dict)
    backend_type: str | None = None
    backend: ast.Body | None = None
    backend_block: ast.Block | None = None
    # govctl { encryption { ... } }: decoded and checked by govctl.state.encryption
    encryption: ast.Body | None = None
    encryption_block: ast.Block | None = None


@dataclass
class Import:
    to: ast.Expr
    id: ast.Expr
    provider: ast.Expr | None
    block: ast.Block


@dataclass
class Moved:
    from_: ast.Expr
    to: ast.Expr
    block: ast.Block


@dataclass
class Policy:
    """Reserved for the governance issue: parsed and kept, not yet evaluated."""

    name: str
    block: ast.Block


@dataclass
class Approver:
    """A person whose signature approves saved plans (`public_key`: Ed25519,
    OpenSSH or PEM text, e.g. file("keys/alice.pub"))."""

    name: str
    block: ast.Block


@dataclass
class Waiver:
    """Accepted drift: `govctl drift` lists what it covers as waived until
    `expires` (a date, UTC) has passed, after which it counts as drift again."""

    name: str
    block: ast.Block
    address: str                  # glob: * any run of characters, ? one; [ ] literal
    attributes: list[str]         # empty: every attribute
    owner: str
    reason: str
    expires: date


@dataclass
class Module:
    """One directory of .hcl files."""

    path: Path
    files: list[ast.File] = field(default_factory=list)
    settings: Settings = field(default_factory=Settings)
    variables: dict[str, Variable] = field(default_factory=dict)
    locals: dict[str, Local] = field(default_factory=dict)
    outputs: dict[str, Output] = field(default_factory=dict)
    resources: dict[str, Resource] = field(default_factory=dict)   # key: type.name
    data: dict[str, Resource] = field(default_factory=dict)        # key: data.type.name
    module_calls: dict[str, ModuleCall] = field(default_factory=dict)
    children: dict[str, Module] = field(default_factory=dict)      # by call name
    providers: dict[str, ProviderConfig] = field(default_factory=dict)
    imports: list[Import] = field(default_factory=list)
    moved: list[Moved] = field(default_factory=list)
    policies: dict[str, Policy] = field(default_factory=dict)
    waivers: dict[str, Waiver] = field(default_factory=dict)
    approvers: dict[str, Approver] = field(default_factory=dict)

    def all_resources(self) -> list[Resource]:
        return [*self.resources.values(), *self.data.values()]
