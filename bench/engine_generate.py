"""Generate twin govctl / Terraform configurations for the plan/apply (engine) benchmark.

    python bench/engine_generate.py --resources N --out DIR [--files K] [--latency-ms X]

writes
  DIR/govctl/*.hcl    N resource blocks for the in-memory provider "mem"
                      (`provider "mem" { latency_ms = X }`, the world in process memory):
                      mem_object and mem_policy resources with interpolation, references
                      to other resources' computed attributes, count / for_each,
                      tags built with merge() and policies built with jsonencode();
  DIR/terraform/*.tf  the twin: every resource is a `terraform_data` whose `input` object
                      holds the same expressions, references read `.output.<attr>`.

Both trees have the same variables, locals and number of resource blocks in the same
order and files. The provider computes `id` and `arn` of a mem_object (and `id` of a
mem_policy); terraform_data's `output` is only its `input`, so the twin puts `id` and `arn`
into `input` (built from the name, as the provider does) for references to them to resolve.

Resources come in cycles of four, index i = 4*c + offset, named <letter><i>:
  0 mem_object  o   plain; value refers to the previous cycle's object 1, except in
                    every fifth cycle (c % 5 == 0), which starts a new chain
  1 mem_object  o   count = 3 when c % 7 == 3; value refers to object 0 of its cycle
  2 mem_object  o   for_each = var.teams when c % 5 == 2; refers to object 1
  3 mem_policy  p   policy = jsonencode(...) naming objects 0..2, attached_to their ids
References only point to smaller indices, so the graph has no cycles, and chains restart
every five cycles, so the graph is at most a dozen levels deep whatever N is (like a real
configuration, and so that -parallelism can matter: a chain N/2 deep would serialise the
latency case). Deterministic.
"""

from __future__ import annotations

import argparse
import shutil
from dataclasses import dataclass, field
from pathlib import Path

TEAMS = {"platform": "alice", "research": "bob", "risk": "carol"}


def meta_of(i: int) -> str | None:
    c, k = divmod(i, 4)
    if k == 1 and c % 7 == 3:
        return "count"
    if k == 2 and c % 5 == 2:
        return "for_each"
    return None


def instances_of(i: int) -> int:
    meta = meta_of(i)
    return 3 if meta == "count" else len(TEAMS) if meta == "for_each" else 1


def instance_count(n: int) -> int:
    """How many resource instances N blocks expand to (what the state must hold)."""
    return sum(instances_of(i) for i in range(n))


def kind_of(i: int) -> str:
    return "mem_policy" if i % 4 == 3 else "mem_object"


def name_of(i: int) -> str:
    return f"{'p' if i % 4 == 3 else 'o'}{i}"


def key_for(target: int, source: str | None) -> str:
    """How a resource with meta-argument `source` addresses one instance of `target`."""
    meta = meta_of(target)
    if meta == "count":
        return "[count.index]" if source == "count" else "[0]"
    if meta == "for_each":
        return "[each.key]" if source == "for_each" else '["platform"]'
    return ""


@dataclass(frozen=True)
class Dialect:
    govctl: bool

    @property
    def ext(self) -> str:
        return "hcl" if self.govctl else "tf"

    def ref(self, target: int, attr: str, source: str | None) -> str:
        rtype = kind_of(target) if self.govctl else "terraform_data"
        inst = f"{rtype}.{name_of(target)}{key_for(target, source)}"
        if self.govctl:
            return f"{inst}.{attr}"
        return f"{inst}.{'output' if attr in ('id', 'arn') else 'input'}.{attr}"

    def header(self) -> str:
        if self.govctl:
            head = ('govctl {\n  required_providers {\n'
                    '    mem = {\n      source = "govctl/mem"\n    }\n  }\n}\n')
        else:
            head = "terraform {\n}\n"
        teams = "\n".join(f'    {t} = {{ owner = "{o}" }}' for t, o in TEAMS.items())
        return head + f"""
variable "environment" {{
  type    = string
  default = "bench"
}}

variable "teams" {{
  type = map(object({{ owner = string }}))
  default = {{
{teams}
  }}
}}

locals {{
  prefix = "gov-${{var.environment}}"
  tags = {{
    managed_by  = "govctl"
    environment = var.environment
  }}
}}
"""

    def provider(self, latency_ms: float) -> str:
        if not self.govctl:
            return ""
        x = int(latency_ms) if float(latency_ms).is_integer() else latency_ms
        return f'\nprovider "mem" {{\n  latency_ms = {x}\n}}\n'

    def resource(self, i: int) -> str:
        c, k = divmod(i, 4)
        meta = meta_of(i)
        suffix = "-${count.index}" if meta == "count" else "-${each.key}" if meta else ""
        name = f'"${{local.prefix}}-{name_of(i)}{suffix}"'
        attrs: list[tuple[str, str]] = [("name", name)]
        if k == 3:
            objs = [self.ref(i - j, "arn", None) for j in (3, 2, 1)]
            ids = [self.ref(i - j, "id", None) for j in (3, 2, 1)]
            stmt = ("{\n      Effect   = \"Allow\"\n"
                    f"      Action   = [\"mem:Read\", \"mem:Tag\"]\n"
                    f"      Resource = [{', '.join(objs)}]\n"
                    "      Condition = { StringEquals = { \"mem:team\" = "
                    f'lookup(var.teams, "{list(TEAMS)[c % 3]}").owner }} }}\n    }}')
            attrs += [
                ("policy", "jsonencode({\n    Version   = \"2012-10-17\"\n"
                           f"    Statement = [{stmt}]\n  }})"),
                ("attached_to", f"[{', '.join(ids)}]"),
            ]
        else:
            if k == 0:
                value = (f'"${{{self.ref(i - 3, "arn", meta)}}}-x"' if c % 5
                         else f'"seed-{i}-${{var.environment}}"')
            else:
                value = f'"${{{self.ref(i - 1, "id" if k == 1 else "arn", meta)}}}/{i}"'
            owner = "each.value.owner" if meta == "for_each" else \
                f'lookup(var.teams, "{list(TEAMS)[c % 3]}").owner'
            tags = (f'merge(local.tags, {{ Name = format("%s-{i}", local.prefix), '
                    f'Owner = {owner} }})')
            attrs += [("value", value), ("tags", tags)]
            if self.govctl is False:  # computed by the provider in govctl
                inner = name[1:-1]
                attrs += [("id", f'"mem_object-{inner}"'),
                          ("arn", f'"arn:mem:object/{inner}"')]
        rtype = kind_of(i) if self.govctl else "terraform_data"
        lines = [f'resource "{rtype}" "{name_of(i)}" {{']
        if meta == "count":
            lines.append("  count = 3")
        elif meta == "for_each":
            lines.append("  for_each = var.teams")
        if self.govctl:
            width = max(len(a) for a, _ in attrs)
            lines += [f"  {a.ljust(width)} = {v}" for a, v in attrs]
        else:
            width = max(len(a) for a, _ in attrs)
            lines.append("  input = {")
            lines += [f"    {a.ljust(width)} = {indent(v)}" for a, v in attrs]
            lines.append("  }")
        lines.append("}")
        return "\n".join(lines) + "\n"


def indent(text: str) -> str:
    return text.replace("\n", "\n  ")


@dataclass
class Stats:
    resources: int
    instances: int
    files: int
    lines: dict[str, int] = field(default_factory=dict)
    bytes: dict[str, int] = field(default_factory=dict)


def generate(n: int, out: Path, files: int = 10, latency_ms: float = 0) -> Stats:
    """Write out/govctl/*.hcl and out/terraform/*.tf (the directories are recreated,
    Terraform's .terraform/ and lock file are kept so that init need not run again)."""
    if n < 1 or files < 1:
        raise ValueError("need --resources >= 1 and --files >= 1")
    files = min(files, n)
    stats = Stats(n, instance_count(n), files)
    width = len(str(files - 1))
    for d in (Dialect(True), Dialect(False)):
        sub = out / ("govctl" if d.govctl else "terraform")
        sub.mkdir(parents=True, exist_ok=True)
        for old in sub.iterdir():
            if old.suffix in (".hcl", ".tf", ".tfstate") or old.name.endswith(".plan") or \
                    old.name.startswith("govctl.tfstate") or old.name.startswith(
                        "terraform.tfstate"):
                if old.is_dir():
                    shutil.rmtree(old)
                else:
                    old.unlink()
        chunks: list[list[str]] = [[] for _ in range(files)]
        for i in range(n):
            chunks[i * files // n].append("\n" + d.resource(i))
        chunks[0].insert(0, d.header() + d.provider(latency_ms))
        total_lines = total_bytes = 0
        for f, chunk in enumerate(chunks):
            text = "".join(chunk).lstrip("\n")
            (sub / f"main_{f:0{width}d}.{d.ext}").write_text(text, encoding="utf-8")
            total_lines += text.count("\n")
            total_bytes += len(text.encode())
        key = "govctl" if d.govctl else "terraform"
        stats.lines[key], stats.bytes[key] = total_lines, total_bytes
    return stats


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--resources", type=int, required=True, metavar="N")
    ap.add_argument("--out", type=Path, required=True, metavar="DIR")
    ap.add_argument("--files", type=int, default=10, metavar="K",
                    help="files per configuration (default 10)")
    ap.add_argument("--latency-ms", type=float, default=0, metavar="X",
                    help="latency_ms of the mem provider (default 0)")
    args = ap.parse_args(argv)
    try:
        stats = generate(args.resources, args.out, args.files, args.latency_ms)
    except ValueError as exc:
        ap.error(str(exc))
    for key in ("govctl", "terraform"):
        print(f"{args.out / key}: {stats.resources} resource blocks ({stats.instances} "
              f"instances) in {stats.files} files, {stats.lines[key]} lines, "
              f"{stats.bytes[key] / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
