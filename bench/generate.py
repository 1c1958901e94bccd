"""Generate twin govctl / Terraform configurations for the parse/validate benchmark.

    python bench/generate.py --resources N --out DIR [--files K]

writes
  DIR/govctl/*.hcl    N governance resources (IAM roles and policies, KMS keys, S3 buckets
                      and their encryption settings, SageMaker model package groups);
  DIR/terraform/*.tf  the same configuration with every resource turned into a
                      `terraform_data` whose `input` object holds the same expressions,
                      so that `terraform validate` does comparable work offline.

Both trees have the same files, variables, locals, outputs and resource blocks in the same
order; the only differences are the settings block (`govctl {}` / `terraform {}`), the
provider block (govctl only) and how resources and references are spelt. The output is a
pure function of the arguments: there is no randomness.

Resources come in cycles of six, index i = 6*c + offset, named <letter><i> (k12, b13, ...):
  0 aws_kms_key k            3 aws_iam_role r      (for_each = var.teams when c % 5 == 2)
  1 aws_s3_bucket b          4 aws_iam_policy p    (for_each when its role has one)
    (count = 3 when c % 7 == 3)
  2 aws_s3_bucket_server_side_encryption_configuration e (count when its bucket has one)
  5 aws_sagemaker_model_package_group g (count = 3 when c % 6 == 1)
References only point to resources with a smaller index, so the graph has no cycles.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeAlias

# --------------------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Obj:
    """An object constructor `{ k = v ... }`; `multiline` forces one item per line."""

    items: tuple[tuple[str, Expr], ...]
    multiline: bool = False


@dataclass(frozen=True)
class Tup:
    """A tuple constructor `[a, b]`."""

    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Call:
    """A function call `name(args...)`."""

    name: str
    args: tuple[Expr, ...]


Expr: TypeAlias = str | Obj | Tup | Call
"""An HCL expression: raw source text (a str) or a constructor rendered with indentation."""

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_INLINE_WIDTH = 72


def obj(**items: Expr) -> Obj:
    return Obj(tuple(items.items()))


def tup(*items: Expr) -> Tup:
    return Tup(items)


def call(name: str, *args: Expr) -> Call:
    return Call(name, args)


def q(text: str) -> str:
    """A quoted HCL string; `text` may contain `${...}` interpolations without quotes."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(expr: Expr, indent: int) -> str:
    """HCL source for `expr`, whose first line starts at nesting level `indent`."""
    if isinstance(expr, str):
        return expr
    if isinstance(expr, Call):
        return f"{expr.name}(" + ", ".join(render(a, indent) for a in expr.args) + ")"
    pad, inner = "  " * indent, "  " * (indent + 1)
    if isinstance(expr, Tup):
        parts = [render(item, indent + 1) for item in expr.items]
        if _fits_inline(parts):
            return "[" + ", ".join(parts) + "]"
        return "[\n" + "".join(f"{inner}{p},\n" for p in parts) + f"{pad}]"
    if not expr.items:
        return "{}"
    keys = [k if _IDENT.fullmatch(k) else q(k) for k, _ in expr.items]
    values = [render(v, indent + 1) for _, v in expr.items]
    parts = [f"{k} = {v}" for k, v in zip(keys, values, strict=True)]
    if not expr.multiline and _fits_inline(parts):
        return "{ " + ", ".join(parts) + " }"
    lines = [f"{inner}{line}\n" for line in aligned(list(zip(keys, values, strict=True)))]
    return "{\n" + "".join(lines) + f"{pad}}}"


def aligned(pairs: list[tuple[str, str]]) -> list[str]:
    """`key = value` lines, `=` aligned over runs of single-line values (like terraform fmt)."""
    lines: list[str] = []
    run: list[tuple[str, str]] = []

    def flush() -> None:
        width = max((len(k) for k, _ in run), default=0)
        lines.extend(f"{k.ljust(width)} = {v}" for k, v in run)
        run.clear()

    for key, value in pairs:
        if "\n" in value:
            flush()
            lines.append(f"{key} = {value}")
        else:
            run.append((key, value))
    flush()
    return lines


def _fits_inline(parts: list[str]) -> bool:
    return all("\n" not in p for p in parts) and sum(len(p) + 2 for p in parts) <= _INLINE_WIDTH


# --------------------------------------------------------------------------- bodies


@dataclass
class Attr:
    name: str
    expr: Expr


@dataclass
class Block:
    """A nested block. In the Terraform twin it becomes an object, or a list of objects
    when `repeatable` (blocks such as `rule` may appear several times)."""

    type: str
    body: list[Attr | Block]
    repeatable: bool = False


Meta = Literal["count", "for_each"] | None


@dataclass
class Resource:
    kind: str
    name: str
    body: list[Attr | Block]
    meta: Meta = None
    depends_on: list[tuple[str, str]] = field(default_factory=list)  # (kind, name)
    ignore_changes: list[str] = field(default_factory=list)


def render_body(items: Iterable[Attr | Block], indent: int) -> list[str]:
    """Lines of a block body at nesting level `indent`."""
    pad = "  " * indent
    lines: list[str] = []
    attrs: list[tuple[str, str]] = []
    for item in items:
        if isinstance(item, Attr):
            attrs.append((item.name, render(item.expr, indent)))
            continue
        lines.extend(pad + line for line in aligned(attrs))
        attrs.clear()
        lines.append(f"{pad}{item.type} {{")
        lines.extend(render_body(item.body, indent + 1))
        lines.append(f"{pad}}}")
    lines.extend(pad + line for line in aligned(attrs))
    return lines


def body_to_object(items: list[Attr | Block]) -> Obj:
    """Attributes and nested blocks as one object (the Terraform twin's `input`)."""
    entries: list[tuple[str, Expr]] = []
    repeated: dict[str, list[Expr]] = {}
    for item in items:
        if isinstance(item, Attr):
            entries.append((item.name, item.expr))
        elif item.repeatable:
            if item.type not in repeated:
                repeated[item.type] = []
                entries.append((item.type, ""))  # placeholder, keeps the position
            repeated[item.type].append(body_to_object(item.body))
        else:
            entries.append((item.type, body_to_object(item.body)))
    entries = [(k, Tup(tuple(repeated[k])) if k in repeated else v) for k, v in entries]
    return Obj(tuple(entries), multiline=True)


# --------------------------------------------------------------------------- dialects

COMPUTED = frozenset({"arn", "id", "key_id"})
"""Attributes set by the provider: the twin reads them from `output`, others from `input`."""


@dataclass(frozen=True)
class Dialect:
    name: Literal["govctl", "terraform"]

    @property
    def ext(self) -> str:
        return "hcl" if self.name == "govctl" else "tf"

    def rtype(self, kind: str) -> str:
        return kind if self.name == "govctl" else "terraform_data"

    def addr(self, kind: str, name: str) -> str:
        return f"{self.rtype(kind)}.{name}"

    def attr(self, instance: str, attr: str) -> str:
        """`instance.attr`, where `instance` is an expression for one resource instance."""
        if self.name == "govctl":
            return f"{instance}.{attr}"
        return f"{instance}.{'output' if attr in COMPUTED else 'input'}.{attr}"

    def ref(self, kind: str, name: str, attr: str, key: str = "") -> str:
        return self.attr(self.addr(kind, name) + key, attr)

    def ignore(self, attr: str) -> str:
        return attr if self.name == "govctl" else f"input.{attr}"

    def render_resource(self, res: Resource) -> str:
        lines = [f'resource "{self.rtype(res.kind)}" "{res.name}" {{']
        if res.meta == "count":
            lines.append("  count = 3")
        elif res.meta == "for_each":
            lines.append("  for_each = var.teams")
        if self.name == "govctl":
            lines.extend(render_body(res.body, 1))
        else:
            lines.append(f"  input = {render(body_to_object(res.body), 1)}")
        if res.depends_on:
            deps = ", ".join(self.addr(k, n) for k, n in res.depends_on)
            lines.append(f"  depends_on = [{deps}]")
        if res.ignore_changes:
            ignored = ", ".join(self.ignore(a) for a in res.ignore_changes)
            lines += ["  lifecycle {", f"    ignore_changes = [{ignored}]", "  }"]
        lines.append("}")
        return "\n".join(lines) + "\n"


GOVCTL = Dialect("govctl")
TERRAFORM = Dialect("terraform")

# --------------------------------------------------------------------------- the configuration

KMS = "aws_kms_key"
BUCKET = "aws_s3_bucket"
SSE = "aws_s3_bucket_server_side_encryption_configuration"
ROLE = "aws_iam_role"
POLICY = "aws_iam_policy"
GROUP = "aws_sagemaker_model_package_group"
CYCLE = (KMS, BUCKET, SSE, ROLE, POLICY, GROUP)
LETTER = {KMS: "k", BUCKET: "b", SSE: "e", ROLE: "r", POLICY: "p", GROUP: "g"}
TEAMS = ("platform", "research", "risk")


def name_of(i: int) -> str:
    return f"{LETTER[CYCLE[i % 6]]}{i}"


def meta_of(i: int) -> Meta:
    """Which resources repeat: a pure function of the index."""
    kind, c = CYCLE[i % 6], i // 6
    if kind in (BUCKET, SSE) and c % 7 == 3:
        return "count"
    if kind in (ROLE, POLICY) and c % 5 == 2:
        return "for_each"
    if kind == GROUP and c % 6 == 1:
        return "count"
    return None


def instance_key(target: int, source: Meta) -> str:
    """How a resource with meta-argument `source` addresses one instance of `target`."""
    meta = meta_of(target)
    if meta == "count":
        return "[count.index]" if source == "count" else "[0]"
    if meta == "for_each":
        return "[each.key]" if source == "for_each" else f'["{TEAMS[0]}"]'
    return ""


class Builder:
    """Builds resource i for one dialect."""

    def __init__(self, d: Dialect):
        self.d = d

    def ref(self, target: int, attr: str, source: Meta) -> str:
        kind = CYCLE[target % 6]
        return self.d.ref(kind, name_of(target), attr, instance_key(target, source))

    def resource(self, i: int) -> Resource:
        kind = CYCLE[i % 6]
        build = {
            KMS: self.kms_key, BUCKET: self.bucket, SSE: self.encryption,
            ROLE: self.role, POLICY: self.policy, GROUP: self.model_group,
        }[kind]
        res = Resource(kind, name_of(i), [], meta_of(i))
        build(i, i // 6, res)
        return res

    def kms_key(self, i: int, c: int, res: Resource) -> None:
        res.body = [
            Attr("description", q(f"${{local.prefix}} key {i} for ${{var.region}}")),
            Attr("deletion_window_in_days", 'var.environment == "prod" ? 30 : 7'),
            Attr("enable_key_rotation", "var.enable_key_rotation"),
            Attr("key_usage", q("ENCRYPT_DECRYPT")),
            Attr("policy", call("jsonencode", obj(
                Version=q("2012-10-17"),
                Statement=tup(obj(
                    Sid=q("EnableRootAccess"),
                    Effect=q("Allow"),
                    Principal=obj(AWS=q("arn:aws:iam::${var.account_id}:root")),
                    Action=q("kms:*"),
                    Resource=q("*"),
                )),
            ))),
            Attr("tags", call("merge", "local.tags",
                              obj(Name=f'format("%s-key-%d", local.prefix, {i})'))),
        ]

    def bucket(self, i: int, c: int, res: Resource) -> None:
        suffix = "-${count.index}" if res.meta == "count" else ""
        tags: dict[str, Expr] = {
            "Name": q(f"${{local.prefix}}-bucket-{i}{suffix}"),
            "Owner": f'lookup(local.team_owners, "{TEAMS[c % 3]}", "unassigned")',
        }
        if c > 0:  # the role of the previous cycle, often in another file
            tags["Steward"] = self.ref(i - 4, "name", res.meta)
        res.body = [
            Attr("bucket", q(f"${{local.bucket_prefix}}-bucket-{i}{suffix}")),
            Attr("force_destroy", "true" if c % 2 == 0 else "false"),
            Attr("tags", call("merge", "local.tags", obj(**tags))),
        ]
        if c % 4 == 0:
            res.ignore_changes = ["tags"]

    def encryption(self, i: int, c: int, res: Resource) -> None:
        res.body = [
            Attr("bucket", self.ref(i - 1, "id", res.meta)),
            Attr("expected_bucket_owner", "var.account_id"),
            Block("rule", [
                Block("apply_server_side_encryption_by_default", [
                    Attr("sse_algorithm", q("aws:kms")),
                    Attr("kms_master_key_id", self.ref(i - 2, "arn", res.meta)),
                ]),
                Attr("bucket_key_enabled", "true"),
            ], repeatable=True),
        ]
        if c % 10 == 5:
            res.depends_on = [(KMS, name_of(i - 2))]

    def role(self, i: int, c: int, res: Resource) -> None:
        if res.meta == "for_each":
            name = q(f"${{local.prefix}}-${{each.key}}-role-{i}")
            tags = obj(Team="each.key", Owner="each.value.owner",
                       Budget="tostring(each.value.budget)")
        else:
            name = f'format("%s-role-%d", local.prefix, {i})'
            tags = obj(Owner=f'lookup(local.team_owners, "{TEAMS[c % 3]}", "unassigned")')
        res.body = [
            Attr("name", name),
            Attr("path", q("/governance/")),
            Attr("max_session_duration", "3600"),
            Attr("assume_role_policy", call("jsonencode", obj(
                Version=q("2012-10-17"),
                Statement=tup(obj(
                    Effect=q("Allow"),
                    Principal=obj(Service=q("sagemaker.amazonaws.com")),
                    Action=q("sts:AssumeRole"),
                )),
            ))),
            # the key's policy document, where an inline_policy block used to be
            # (the AWS provider has none: validate refused it); the same work
            Attr("description", call("jsonencode", obj(
                Version=q("2012-10-17"),
                Statement=tup(obj(
                    Effect=q("Allow"),
                    Action=tup(q("kms:Decrypt"), q("kms:GenerateDataKey")),
                    Resource=self.ref(i - 3, "arn", res.meta),
                )),
            ))),
            Attr("tags", call("merge", "local.tags", tags)),
        ]

    def policy(self, i: int, c: int, res: Resource) -> None:
        bucket_arn = self.ref(i - 3, "arn", res.meta)
        if res.meta == "for_each":
            name = q(f"${{local.prefix}}-${{each.key}}-data-access-{i}")
            description = 'format("Data access for team %s (owner %s)", each.key, each.value.owner)'
        else:
            name = f'lower(format("%s-Data-Access-%d", local.prefix, {i}))'
            description = q(f"Data access policy {i}")
        res.body = [
            Attr("name", name),
            Attr("description", description),
            Attr("policy", call("jsonencode", obj(
                Version=q("2012-10-17"),
                Statement=tup(
                    obj(
                        Sid=q("ReadWriteData"),
                        Effect=q("Allow"),
                        Action=tup(q("s3:GetObject"), q("s3:PutObject")),
                        Resource=tup(bucket_arn, q(f"${{{bucket_arn}}}/*")),
                    ),
                    obj(
                        Sid=q("UseKey"),
                        Effect=q("Allow"),
                        Action=tup(q("kms:Decrypt"), q("kms:GenerateDataKey")),
                        Resource=self.ref(6 * (c // 2), "arn", res.meta),  # an older key
                    ),
                ),
            ))),
            Attr("tags", "local.tags"),
        ]
        if c % 8 == 1:
            res.depends_on = [(ROLE, name_of(i - 1))]

    def model_group(self, i: int, c: int, res: Resource) -> None:
        suffix = "-${count.index}" if res.meta == "count" else ""
        role_name = self.ref(i - 2, "name", res.meta)
        res.body = [
            Attr("model_package_group_name", q(f"${{local.prefix}}-models-{i}{suffix}")),
            Attr("model_package_group_description",
                 f'format("Models governed by %s", {role_name})'),
            Attr("tags", call("merge", "local.tags",
                              obj(Team=f"element(local.team_names, {i})"))),
        ]


def header(d: Dialect) -> str:
    if d.name == "govctl":
        settings = """\
govctl {
  required_providers {
    aws = {
      source  = "govctl/aws"
      version = ">= 0.1"
    }
  }
}

provider "aws" {
  region = var.region
}
"""
    else:
        settings = """\
terraform {
  required_version = ">= 1.4"
}
"""
    teams = "\n".join(
        f"    {t.ljust(8)} = {{ owner = \"{t}@example.com\"{budget} }}"
        for t, budget in zip(TEAMS, (", budget = 500", "", ", budget = 250"), strict=True)
    )
    return settings + f"""
variable "region" {{
  type    = string
  default = "eu-west-1"
}}

variable "org" {{
  type    = string
  default = "acme"
}}

variable "environment" {{
  type        = string
  default     = "dev"
  description = "Deployment stage: dev, staging or prod."
}}

variable "account_id" {{
  type    = string
  default = "123456789012"
}}

variable "enable_key_rotation" {{
  type    = bool
  default = true
}}

variable "teams" {{
  type = map(object({{
    owner  = string
    budget = optional(number, 100)
  }}))
  default = {{
{teams}
  }}
}}

locals {{
  prefix        = format("%s-%s", var.org, var.environment)
  bucket_prefix = lower("${{local.prefix}}-${{var.region}}")
  tags = merge(
    {{ ManagedBy = "govctl", Environment = var.environment }},
    {{ Region = var.region, Org = upper(var.org) }}
  )
  team_owners  = {{ for name, team in var.teams : name => team.owner }}
  team_budgets = {{ for name, team in var.teams : name => team.budget if team.budget >= 100 }}
  team_names   = [for name in keys(var.teams) : upper(name)]
  total_budget = sum([for team in values(var.teams) : team.budget])
}}
"""


def outputs(d: Dialect, n: int) -> str:
    """Aggregate outputs plus one per ten cycles; they only reference existing resources."""
    blocks: list[tuple[str, str]] = [
        ("team_owners", "local.team_owners"),
        ("total_budget", "local.total_budget"),
    ]
    keys = [d.ref(KMS, name_of(i), "arn") for i in range(0, min(n, 30), 6)]
    if keys:
        blocks.append(("key_arns", "[" + ", ".join(keys) + "]"))
    for i in range(n):
        kind, meta = CYCLE[i % 6], meta_of(i)
        if kind == ROLE and meta == "for_each":
            arn = d.attr("role", "arn")
            blocks.append(("team_role_arns",
                           f"{{ for team, role in {d.addr(ROLE, name_of(i))} : team => {arn} }}"))
            break
    for i in range(n):
        if CYCLE[i % 6] == GROUP and meta_of(i) == "count":
            blocks.append(("model_group_names", d.attr(
                d.addr(GROUP, name_of(i)) + "[*]", "model_package_group_name")))
            break
    for i in range(1, n, 60):
        key = "[*]" if meta_of(i) == "count" else ""
        blocks.append((f"bucket_{i}_arn", d.attr(d.addr(BUCKET, name_of(i)) + key, "arn")))
    return "".join(f'\noutput "{name}" {{\n  value = {value}\n}}\n' for name, value in blocks)


# --------------------------------------------------------------------------- files


@dataclass
class Stats:
    resources: int
    files: int
    bytes: dict[str, int] = field(default_factory=dict)  # per dialect
    lines: dict[str, int] = field(default_factory=dict)


def generate(n: int, out: Path, files: int = 10) -> Stats:
    """Write out/govctl/*.hcl and out/terraform/*.tf; stale *.hcl / *.tf files are removed."""
    if n < 0 or files < 1:
        raise ValueError("need --resources >= 0 and --files >= 1")
    stats = Stats(n, files)
    width = len(str(files - 1))
    for d in (GOVCTL, TERRAFORM):
        target = out / d.name
        target.mkdir(parents=True, exist_ok=True)
        for stale in target.glob(f"*.{d.ext}"):
            stale.unlink()
        builder = Builder(d)
        chunks: list[list[str]] = [[] for _ in range(files)]
        chunks[0].append(header(d))
        for i in range(n):
            chunks[i * files // n].append("\n" + d.render_resource(builder.resource(i)))
        chunks[-1].append(outputs(d, n))
        total_bytes = total_lines = 0
        for j, chunk in enumerate(chunks):
            text = "".join(chunk).lstrip("\n")
            (target / f"part_{j:0{width}d}.{d.ext}").write_text(text, encoding="utf-8")
            total_bytes += len(text.encode())
            total_lines += text.count("\n")
        stats.bytes[d.name], stats.lines[d.name] = total_bytes, total_lines
    return stats


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--resources", type=int, required=True, metavar="N",
                    help="resource blocks per configuration")
    ap.add_argument("--out", type=Path, required=True, metavar="DIR",
                    help="writes DIR/govctl and DIR/terraform")
    ap.add_argument("--files", type=int, default=10, metavar="K",
                    help="files per configuration (default 10)")
    args = ap.parse_args(argv)
    try:
        stats = generate(args.resources, args.out, args.files)
    except ValueError as exc:
        ap.error(str(exc))
    for d in (GOVCTL, TERRAFORM):
        print(f"{args.out / d.name}: {stats.resources} resources in {stats.files} files, "
              f"{stats.lines[d.name]} lines, {stats.bytes[d.name] / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
