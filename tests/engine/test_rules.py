"""ignore_changes, provider aliases side by side, and preconditions."""

from __future__ import annotations


def test_ignore_changes_keeps_the_live_value(ws):
    cfg = """
        resource "mem_object" "a" {
          name  = "a"
          value = "%s"
          tags  = { team = "%s" }
          lifecycle {
            ignore_changes = [tags]
          }
        }
    """
    ws.write(cfg % ("one", "ml"))
    assert ws.apply()[0] == 0
    ws.write(cfg % ("one", "data"))         # only an ignored attribute changed
    code, out, _ = ws.plan("-detailed-exitcode")
    assert code == 0, out
    assert "No changes." in out
    ws.write(cfg % ("two", "data"))         # a watched one too: tags keep their value
    assert ws.apply()[0] == 0
    obj = ws.world.find("mem_object", "a")
    assert obj["value"] == "two"
    assert obj["tags"] == {"team": "ml"}


def test_two_aliases_of_one_provider_work_side_by_side(ws, tmp_path):
    other = tmp_path / "other-account.json"
    ws.write(f"""
        provider "mem" {{
          alias   = "second"
          storage = "{other}"
        }}
        resource "mem_object" "here" {{
          name = "shared-name"
        }}
        resource "mem_object" "there" {{
          provider = mem.second
          name     = "shared-name"
        }}
    """)
    code, _, err = ws.apply()
    assert code == 0, err
    from govctl.plugins.testing import world

    assert [o["name"] for o in ws.world.list("mem_object")] == ["shared-name"]
    assert [o["name"] for o in world(other).list("mem_object")] == ["shared-name"]
    providers = {r["name"]: r["provider"] for r in ws.state()["resources"]}
    assert providers == {"here": 'provider["govctl/mem"]',
                         "there": 'provider["govctl/mem"].second'}


def test_precondition_failure_stops_the_plan(ws):
    ws.write("""
        variable "days" {
          default = 400
        }
        resource "mem_object" "k" {
          name = "k"
          lifecycle {
            precondition {
              condition     = var.days <= 365
              error_message = "Keys must rotate yearly."
            }
          }
        }
    """)
    code, _, err = ws.plan()
    assert code == 1
    assert "Resource precondition failed" in err
    assert "Keys must rotate yearly." in err
    assert ws.world.list("mem_object") == []


def test_refresh_reports_progress(ws):
    from govctl.config.loader import load_config
    from govctl.plan.providers import ProviderSet
    from govctl.plan.refresh import refresh
    from govctl.plugins.registry import installed
    from govctl.state.local import LocalBackend

    ws.write("""
        resource "mem_object" "n" {
          count = 3
          name  = "n${count.index}"
        }
    """)
    assert ws.apply()[0] == 0
    module, _ = load_config(ws.root)
    providers = ProviderSet(dict(installed()), module)
    providers.instances["mem"] = providers.installed["mem"](storage=str(ws.world_path))
    seen: list[tuple[int, int]] = []
    state = LocalBackend(ws.root / "govctl.tfstate").read()
    _, drift, diags = refresh(state, providers, 2, lambda done, total: seen.append((done, total)))
    assert diags == [] and drift == []
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_policy_documents_are_diffed_statement_by_statement(ws):
    cfg = """
        resource "mem_policy" "p" {
          name   = "p"
          policy = jsonencode({
            Version   = "2012-10-17"
            Statement = [%s]
          })
        }
    """
    read = '{ Sid = "Read", Effect = "Allow", Action = ["s3:GetObject"], Resource = "*" }'
    write = '{ Sid = "Write", Effect = "Allow", Action = ["s3:PutObject"], Resource = "*" }'
    ws.write(cfg % read)
    assert ws.apply()[0] == 0
    ws.write(cfg % f"{read}, {write}")
    _, out, _ = ws.plan()
    assert "~ policy = jsonencode(" in out
    assert '+ statement {"Action": ["s3:PutObject"]' in out
    assert "Read" not in out.split("jsonencode(")[1].split(")")[0]   # unchanged: not shown
    ws.write(cfg % write)
    _, out, _ = ws.plan()
    assert '- statement {"Action": ["s3:GetObject"]' in out


def test_apply_configures_each_provider_once(ws):
    from govctl.plugins.testing import InMemoryProvider

    ws.write('resource "mem_object" "a" {\n  name = "a"\n}\n')
    assert ws.apply()[0] == 0      # plans, then applies, in one command
    assert [c for c in InMemoryProvider.calls if c[0] == "configure"] == [
        ("configure", None, None)]
