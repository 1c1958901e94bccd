"""The dependency graph: nodes and edges across modules, providers, dynamic
blocks and meta-arguments; cycles with every edge located; resource order,
state dependencies, and the DOT text of `govctl graph`."""

from __future__ import annotations

import re
from pathlib import Path

import networkx as nx
import pytest

from govctl import graph as G
from govctl.config.loader import load_config
from govctl.config.model import Resource
from govctl.diagnostics import Severity

ROOT = """\
variable "env" { default = "dev" }
variable "regions" { default = ["eu-west-1"] }
variable "rules" { default = [] }

locals {
  prefix = "gov-${var.env}"
  tags   = { env = var.env }
}

provider "aws" { region = var.regions[0] }
provider "aws" {
  alias  = "west"
  region = "us-west-2"
}

resource "aws_kms_key" "k" {
  description = local.prefix
  provider    = aws.west
}

resource "aws_s3_bucket" "b" {
  count  = length(var.regions)
  bucket = "${local.prefix}-${count.index}"
  tags   = local.tags
  dynamic "rule" {
    for_each = var.rules
    content {
      id  = rule.value
      key = aws_kms_key.k.arn
    }
  }
  lifecycle {
    ignore_changes = [tags]
    precondition {
      condition     = data.aws_iam_role.ci.arn != ""
      error_message = "The CI role must exist."
    }
  }
}

data "aws_iam_role" "ci" { name = "ci" }

resource "aws_iam_policy" "p" {
  for_each   = toset(var.regions)
  name       = each.key
  policy     = module.store.bucket_arn
  depends_on = [aws_s3_bucket.b]
}

module "store" {
  source    = "./modules/store"
  name      = local.prefix
  key_arn   = aws_kms_key.k.arn
  providers = { aws = aws.west }
}

output "policy_names" { value = [for p in aws_iam_policy.p : p.name] }
"""

STORE = """\
variable "name" {}
variable "key_arn" {}

locals { full = "${var.name}-store" }

resource "aws_s3_bucket" "s" {
  bucket     = local.full
  kms_key_id = var.key_arn
}

output "bucket_arn" { value = aws_s3_bucket.s.arn }
"""


@pytest.fixture
def load(write_config, tmp_path, monkeypatch):
    """Write files, load them and build the graph; filenames are relative to
    the configuration (as when govctl runs inside it)."""
    monkeypatch.chdir(tmp_path)

    def go(files: dict[str, str]) -> tuple[nx.DiGraph, list]:
        module, diags = load_config(write_config(files))
        assert [d.summary for d in diags if d.severity is Severity.ERROR] == []
        return G.build(module)

    return go


def deps(g: nx.DiGraph, node: str) -> set[str]:
    return set(g.successors(node))


def where(g: nx.DiGraph, a: str, b: str) -> list[tuple[str, int, int]]:
    return [(r.filename, r.start.line, r.start.column) for r in g.edges[a, b]["refs"]]


# --------------------------------------------------------------------------- nodes, edges


def test_nodes_are_module_prefixed_with_kinds_models_and_ranges(load):
    g, diags = load({"main.hcl": ROOT, "modules/store/main.hcl": STORE})
    assert diags == []
    kinds = {n: d["kind"] for n, d in g.nodes(data=True)}
    assert kinds == {
        "var.env": "variable", "var.regions": "variable", "var.rules": "variable",
        "local.prefix": "local", "local.tags": "local",
        "provider.aws": "provider", "provider.aws.west": "provider",
        "aws_kms_key.k": "resource", "aws_s3_bucket.b": "resource",
        "data.aws_iam_role.ci": "data", "aws_iam_policy.p": "resource",
        "module.store": "module", "output.policy_names": "output",
        "module.store.var.name": "variable", "module.store.var.key_arn": "variable",
        "module.store.local.full": "local", "module.store.aws_s3_bucket.s": "resource",
        "module.store.output.bucket_arn": "output",
    }
    b = g.nodes["aws_s3_bucket.b"]
    assert isinstance(b["model"], Resource) and b["model"].name == "b"
    assert (b["range"].filename, b["range"].start.line) == ("main.hcl", 21)
    assert b["module"] == ()
    s = g.nodes["module.store.aws_s3_bucket.s"]
    assert s["range"].filename == "modules/store/main.hcl"
    assert s["module"] == ("store",)
    assert g.nodes["local.prefix"]["range"].start.line == 6


def test_root_edges_from_attributes_meta_arguments_dynamic_blocks_and_conditions(load):
    g, _ = load({"main.hcl": ROOT, "modules/store/main.hcl": STORE})
    assert deps(g, "local.prefix") == {"var.env"}
    assert deps(g, "provider.aws") == {"var.regions"}
    assert deps(g, "provider.aws.west") == set()
    assert deps(g, "aws_kms_key.k") == {"local.prefix", "provider.aws.west"}
    # count, body, dynamic for_each and content, lifecycle precondition; not
    # the dynamic iterator `rule`, count.index, or ignore_changes' `tags`
    assert deps(g, "aws_s3_bucket.b") == {
        "var.regions", "local.prefix", "local.tags", "var.rules", "aws_kms_key.k",
        "data.aws_iam_role.ci", "provider.aws"}
    assert deps(g, "data.aws_iam_role.ci") == {"provider.aws"}
    # for_each, a module output, depends_on; each.key is no edge
    assert deps(g, "aws_iam_policy.p") == {
        "var.regions", "module.store.output.bucket_arn", "aws_s3_bucket.b", "provider.aws"}
    assert deps(g, "output.policy_names") == {"aws_iam_policy.p"}
    assert deps(g, "module.store") == set()


def test_edges_record_every_reference_location(load):
    g, _ = load({"main.hcl": ROOT, "modules/store/main.hcl": STORE})
    assert where(g, "aws_s3_bucket.b", "var.regions") == [("main.hcl", 22, 19)]
    assert where(g, "aws_s3_bucket.b", "var.rules") == [("main.hcl", 26, 16)]
    assert where(g, "aws_s3_bucket.b", "aws_kms_key.k") == [("main.hcl", 29, 13)]
    assert where(g, "aws_s3_bucket.b", "data.aws_iam_role.ci") == [("main.hcl", 35, 23)]
    assert where(g, "aws_iam_policy.p", "aws_s3_bucket.b") == [("main.hcl", 47, 17)]
    # the explicit provider argument; a default provider points at the block
    assert where(g, "aws_kms_key.k", "provider.aws.west") == [("main.hcl", 18, 17)]
    assert where(g, "aws_s3_bucket.b", "provider.aws") == [("main.hcl", 21, 1)]
    # two references to one object: one edge, both locations
    g2, _ = load({"main.hcl": 'variable "n" {}\nlocals { x = "${var.n}${var.n}" }\n'})
    assert where(g2, "local.x", "var.n") == [("main.hcl", 2, 17), ("main.hcl", 2, 25)]


def test_child_module_wired_to_the_parent(load):
    g, _ = load({"main.hcl": ROOT, "modules/store/main.hcl": STORE})
    # a child variable depends on the caller's expression for it
    assert deps(g, "module.store.var.name") == {"local.prefix", "module.store"}
    assert where(g, "module.store.var.name", "local.prefix") == [("main.hcl", 52, 15)]
    assert deps(g, "module.store.var.key_arn") == {"aws_kms_key.k", "module.store"}
    assert deps(g, "module.store.local.full") == {"module.store.var.name", "module.store"}
    # the providers map hands the child's default aws to the parent's aws.west
    assert deps(g, "module.store.aws_s3_bucket.s") == {
        "module.store.local.full", "module.store.var.key_arn", "provider.aws.west",
        "module.store"}
    assert deps(g, "module.store.output.bucket_arn") == {
        "module.store.aws_s3_bucket.s", "module.store"}
    # every child node waits for the call (its expansion), located at its header
    assert where(g, "module.store.local.full", "module.store") == [("main.hcl", 50, 1)]


def test_module_count_depends_on_and_whole_module_references(load):
    g, diags = load({
        "main.hcl": """\
            locals { n = length(aws_s3_bucket.seed.tags) }
            resource "aws_s3_bucket" "seed" { bucket = "seed" }
            module "net" {
              source     = "./net"
              count      = local.n
              depends_on = [aws_s3_bucket.seed]
            }
            resource "aws_iam_role" "after" {
              name       = "r"
              depends_on = [module.net]
            }
            output "all" { value = module.net }
            output "first" { value = module.net[0].id }
        """,
        "net/main.hcl": """\
            resource "aws_vpc" "v" {}
            resource "aws_subnet" "s" { vpc_id = aws_vpc.v.id }
            output "id" { value = aws_vpc.v.id }
            module "inner" { source = "./inner" }
        """,
        "net/inner/main.hcl": 'resource "aws_route_table" "t" {}\n',
    })
    assert diags == []
    assert deps(g, "module.net") == {"local.n", "aws_s3_bucket.seed"}
    # depends_on a module: every resource inside it, nested modules included
    assert deps(g, "aws_iam_role.after") == {
        "module.net.output.id", "module.net.aws_vpc.v", "module.net.aws_subnet.s",
        "module.net.module.inner.aws_route_table.t", "provider.aws"}
    # a whole-module value is every output; an indexed instance's output is one
    assert deps(g, "output.all") == {"module.net.output.id"}
    assert deps(g, "output.first") == {"module.net.output.id"}
    # nested modules: inner nodes wait for the inner call, which waits for net
    assert deps(g, "module.net.module.inner") == {"module.net"}
    assert deps(g, "module.net.module.inner.aws_route_table.t") == {
        "module.net.module.inner", "provider.aws"}


def test_providers_implicit_inherited_aliased_and_in_child(load):
    g, _ = load({
        "main.hcl": """\
            provider "aws" {
              alias  = "east"
              region = "us-east-1"
            }
            resource "google_storage_bucket" "g" { name = "g" }
            resource "aws_s3_bucket" "x" { provider = aws.east }
            resource "aws_s3_bucket" "y" { provider = aws.nowhere }
            module "a" { source = "./a" }
            module "b" {
              source    = "./b"
              providers = { "aws.other" = aws.east }
            }
        """,
        "a/main.hcl": """\
            resource "aws_s3_bucket" "z" {}
            resource "aws_s3_bucket" "w" { provider = aws.east }
        """,
        "b/main.hcl": """\
            provider "google" { project = "p" }
            resource "google_storage_bucket" "c" {}
            resource "aws_s3_bucket" "o" { provider = aws.other }
            resource "aws_s3_bucket" "d" {}
        """,
    })
    # no provider block: an implicit configuration, as in Terraform
    assert "provider.google" in deps(g, "google_storage_bucket.g")
    assert g.nodes["provider.google"]["model"] is None
    assert g.nodes["provider.google"]["range"] is None
    assert deps(g, "aws_s3_bucket.x") == {"provider.aws.east"}
    assert deps(g, "aws_s3_bucket.y") == set()          # undeclared alias: validate's job
    # a default configuration is inherited implicitly, an alias never is
    assert deps(g, "module.a.aws_s3_bucket.z") == {"provider.aws", "module.a"}
    assert deps(g, "module.a.aws_s3_bucket.w") == {"module.a"}
    # a child's own configuration; an explicit map replaces inheritance
    assert deps(g, "module.b.google_storage_bucket.c") == {"module.b.provider.google",
                                                           "module.b"}
    assert deps(g, "module.b.aws_s3_bucket.o") == {"provider.aws.east", "module.b"}
    assert deps(g, "module.b.aws_s3_bucket.d") == {"module.b"}


def test_context_and_unresolved_references_make_no_edges(load):
    g, diags = load({"main.hcl": """\
        resource "aws_s3_bucket" "b" {
          count  = 2
          bucket = "${path.module}-${terraform.workspace}-${count.index}"
          tags   = { missing = var.nope, other = local.nope, r = aws_nope.x.id }
          dynamic "grant" {
            for_each = { a = 1 }
            iterator = g
            content {
              id    = g.key
              perms = [for grant in [1] : grant]
            }
          }
          lifecycle {
            postcondition {
              condition     = self.bucket != ""
              error_message = "x"
            }
          }
        }
        variable "v" {
          validation {
            condition     = var.v != ""
            error_message = "empty"
          }
        }
    """})
    assert diags == []
    assert deps(g, "aws_s3_bucket.b") == {"provider.aws"}
    assert deps(g, "var.v") == set()     # a validation reading its own variable


def test_import_target_depends_on_its_id(load):
    g, _ = load({"main.hcl": """\
        variable "bucket_id" {}
        import {
          to = aws_s3_bucket.b
          id = var.bucket_id
        }
        resource "aws_s3_bucket" "b" {}
    """})
    assert "var.bucket_id" in deps(g, "aws_s3_bucket.b")


# --------------------------------------------------------------------------- cycles


CYCLES = """\
locals {
  a    = local.b
  b    = local.a
  name = aws_s3_bucket.b.bucket
}
resource "aws_s3_bucket" "a" {
  bucket = local.name
}
resource "aws_s3_bucket" "b" {
  bucket     = "b"
  depends_on = [aws_s3_bucket.a]
}
"""


def test_cycles_are_reported_with_every_edge_and_its_location(load):
    _, diags = load({"main.hcl": CYCLES})
    assert [d.summary for d in diags] == ["Cycle in dependencies"] * 2
    assert all(d.severity is Severity.ERROR for d in diags)
    locals_cycle, resource_cycle = diags
    assert locals_cycle.detail == ("local.a -> local.b (main.hcl:2,10)\n"
                                   "local.b -> local.a (main.hcl:3,10)")
    assert (locals_cycle.range.start.line, locals_cycle.range.start.column) == (2, 10)
    assert resource_cycle.detail == (
        "aws_s3_bucket.a -> local.name (main.hcl:7,12)\n"
        "local.name -> aws_s3_bucket.b (main.hcl:4,10)\n"
        "aws_s3_bucket.b -> aws_s3_bucket.a (main.hcl:11,17)")
    assert resource_cycle.range.filename == "main.hcl"


def test_cycle_through_a_module_boundary_and_self_reference(load):
    _, diags = load({
        "main.hcl": """\
            locals { x = module.m.out }
            module "m" {
              source = "./m"
              v      = local.x
            }
            resource "aws_s3_bucket" "me" { bucket = aws_s3_bucket.me.id }
        """,
        "m/main.hcl": """\
            variable "v" {}
            output "out" { value = var.v }
        """,
    })
    details = [d.detail for d in diags]
    assert details == [
        "aws_s3_bucket.me -> aws_s3_bucket.me (main.hcl:6,42)",
        "local.x -> module.m.output.out (main.hcl:1,14)\n"
        "module.m.output.out -> module.m.var.v (m/main.hcl:2,24)\n"
        "module.m.var.v -> local.x (main.hcl:4,12)",
    ]


def test_cycle_reports_are_bounded(load):
    names = "abcde"
    body = "\n".join(f"  {n} = [{', '.join(f'local.{o}' for o in names if o != n)}]"
                     for n in names)
    _, diags = load({"main.hcl": f"locals {{\n{body}\n}}\n"})
    errors = [d for d in diags if d.severity is Severity.ERROR]
    assert len(errors) == G.MAX_CYCLES
    assert diags[-1].severity is Severity.WARNING


def test_find_cycles_on_an_acyclic_graph(load):
    g, diags = load({"main.hcl": ROOT, "modules/store/main.hcl": STORE})
    assert diags == [] == G.find_cycles(g)


# --------------------------------------------------------------------------- order


def test_resource_order_puts_dependencies_first(load):
    g, _ = load({"main.hcl": ROOT, "modules/store/main.hcl": STORE})
    order = G.resource_order(g)
    assert sorted(order) == sorted(n for n, d in g.nodes(data=True)
                                   if d["kind"] in ("resource", "data"))
    pos = {n: i for i, n in enumerate(order)}
    for node in order:
        for dep in nx.descendants(g, node):
            if dep in pos:
                assert pos[dep] < pos[node], (dep, node)
    assert pos["aws_kms_key.k"] < pos["module.store.aws_s3_bucket.s"] < pos["aws_iam_policy.p"]
    assert G.resource_order(g) == order


def test_resource_dependencies_through_locals_and_module_boundaries(load):
    g, _ = load({"main.hcl": ROOT, "modules/store/main.hcl": STORE})
    assert G.resource_dependencies(g) == {
        "aws_kms_key.k": set(),
        "aws_s3_bucket.b": {"aws_kms_key.k", "data.aws_iam_role.ci"},
        "data.aws_iam_role.ci": set(),
        # a module output, then stop at the first resource: not aws_kms_key.k
        "aws_iam_policy.p": {"aws_s3_bucket.b", "module.store.aws_s3_bucket.s"},
        # into the module through its variable
        "module.store.aws_s3_bucket.s": {"aws_kms_key.k"},
    }


MODULE_COUNT = {
    "main.hcl": """\
        locals {
          one = aws_iam_role.r.name
          two = upper(local.one)
        }
        resource "aws_iam_role" "r" { name = "r" }
        resource "aws_kms_key" "k" { description = "k" }
        module "m" {
          source     = "./m"
          count      = length(local.two)
          depends_on = [aws_kms_key.k]
        }
    """,
    "m/main.hcl": 'resource "aws_s3_bucket" "b" {}\n',
}


def test_resource_dependencies_through_module_count_and_chained_locals(load):
    g, _ = load(MODULE_COUNT)
    assert G.resource_dependencies(g)["module.m.aws_s3_bucket.b"] == {"aws_iam_role.r",
                                                                     "aws_kms_key.k"}


def test_order_functions_refuse_a_cyclic_graph(load):
    g, _ = load({"main.hcl": CYCLES})
    with pytest.raises(ValueError, match="cycles"):
        G.resource_order(g)
    with pytest.raises(ValueError, match="cycles"):
        G.resource_dependencies(g)


@pytest.mark.parametrize("files", [
    {"main.hcl": ROOT, "modules/store/main.hcl": STORE},
    MODULE_COUNT,
], ids=["modules", "module-count"])
def test_resource_dependencies_without_networkx_agree(files, write_config, tmp_path,
                                                      monkeypatch):
    """What apply uses (no networkx) is what the planner records in state."""
    monkeypatch.chdir(tmp_path)
    module, _ = load_config(write_config(files))
    graph, _ = G.build(module)
    expected = G.resource_dependencies(graph)
    assert expected and any(expected.values())
    assert G.resource_dependencies_of(module) == expected


def test_resource_dependencies_without_networkx_on_a_cycle(write_config, tmp_path,
                                                            monkeypatch):
    monkeypatch.chdir(tmp_path)
    module, _ = load_config(write_config({"main.hcl": CYCLES}))
    assert G.resource_dependencies_of(module) is None


# --------------------------------------------------------------------------- DOT

_NODE = re.compile(r'^\s*"[^"]+" \[label="[^"]+", shape="\w+"(, style="dashed")?\];$')
_EDGE = re.compile(r'^  "([^"]+)" -> "([^"]+)";$')


def test_dot_structure(load):
    g, _ = load({"main.hcl": ROOT, "modules/store/main.hcl": STORE})
    dot = G.to_dot(g)
    lines = dot.splitlines()
    assert lines[0] == 'digraph "govctl" {' and lines[-1] == "}"
    nodes = [ln for ln in lines if _NODE.match(ln)]
    edges = [_EDGE.match(ln) for ln in lines if " -> " in ln]
    assert len(nodes) == g.number_of_nodes()
    assert all(edges)
    assert {(e[1], e[2]) for e in edges if e} == set(g.edges)
    assert [e[0] for e in edges if e] == sorted(e[0] for e in edges if e)
    # the module's objects sit in its cluster, labelled without the prefix
    start = lines.index('  subgraph "cluster_module.store" {')
    end = lines.index("  }", start)
    inside = "\n".join(lines[start:end])
    assert 'label = "module.store";' in inside
    assert '"module.store.var.name" [label="var.name", shape="ellipse"];' in inside
    assert '"aws_s3_bucket.b"' not in inside
    assert dot.count("{") == dot.count("}")


def test_dot_is_deterministic(load, tmp_path):
    files = {"main.hcl": ROOT, "modules/store/main.hcl": STORE}
    first = G.to_dot(load(files)[0])
    assert G.to_dot(load(files)[0]) == first


# --------------------------------------------------------------------------- command


def test_command_prints_dot(write_config, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    d = write_config({"main.hcl": ROOT, "modules/store/main.hcl": STORE})
    assert G.command(Path(d)) == 0
    out = capsys.readouterr().out
    assert out.startswith('digraph "govctl" {')
    assert '  "aws_iam_policy.p" -> "module.store.output.bucket_arn";' in out


def test_command_reports_cycles_and_bad_types(write_config, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    d = write_config({"main.hcl": CYCLES})
    assert G.command(Path(d)) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Cycle in dependencies" in captured.err
    assert "local.a -> local.b (main.hcl:2,10)" in captured.err
    assert G.command(Path(d), "destroy") == 1
    assert "Invalid graph type" in capsys.readouterr().err
