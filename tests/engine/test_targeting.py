"""-target and -exclude: the plan is limited, the rest of the state is kept."""

from __future__ import annotations

CONFIG = """
resource "mem_object" "base" {
  name  = "base"
  value = "%(v)s"
}
resource "mem_object" "app" {
  name  = "app"
  value = "${mem_object.base.id}-%(v)s"
}
resource "mem_object" "other" {
  name  = "other"
  value = "%(v)s"
}
resource "mem_object" "many" {
  count = 2
  name  = "many${count.index}"
  value = "%(v)s"
}
"""


def test_target_takes_its_dependencies_only(ws):
    ws.write(CONFIG % {"v": "1"})
    code, _out, err = ws.apply("-target", "mem_object.app")
    assert code == 0, err
    assert "Resource targeting is in effect" in err
    assert ws.addresses() == ["mem_object.app", "mem_object.base"]
    assert sorted(o["name"] for o in ws.world.list("mem_object")) == ["app", "base"]
    code, _out, err = ws.apply()
    assert code == 0, err
    assert len(ws.addresses()) == 5


def test_target_an_instance_and_keep_the_rest_unchanged(ws):
    ws.write(CONFIG % {"v": "1"})
    assert ws.apply()[0] == 0
    ws.write(CONFIG % {"v": "2"})
    code, out, err = ws.plan("-target", "mem_object.many[1]")
    assert code == 0, err
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in out
    assert "# mem_object.many[1] will be updated in-place" in out
    code, out, err = ws.apply("-target", "mem_object.many[1]")
    assert code == 0, err
    values = {o["name"]: o["value"] for o in ws.world.list("mem_object")}
    assert values["many1"] == "2"
    assert values["many0"] == "1" and values["other"] == "1" and values["base"] == "1"
    assert len(ws.addresses()) == 5


def test_exclude_leaves_out_what_depends_on_the_excluded(ws):
    ws.write(CONFIG % {"v": "1"})
    code, _out, err = ws.apply("-exclude", "mem_object.base")
    assert code == 0, err
    assert "Resource exclusion is in effect" in err
    assert ws.addresses() == ["mem_object.many[0]", "mem_object.many[1]", "mem_object.other"]


def test_untargeted_orphans_are_not_deleted(ws):
    ws.write(CONFIG % {"v": "1"})
    assert ws.apply()[0] == 0
    ws.write("")
    code, out, err = ws.apply("-target", "mem_object.other")
    assert code == 0, err
    assert "0 added, 0 changed, 1 destroyed" in out
    assert "other" not in [o["name"] for o in ws.world.list("mem_object")]
    assert len(ws.addresses()) == 4


def test_targeted_references_see_state_values(ws):
    ws.write(CONFIG % {"v": "1"})
    assert ws.apply()[0] == 0
    base = ws.world.find("mem_object", "base")
    ws.write(CONFIG % {"v": "2"})
    code, _out, err = ws.apply("-target", "mem_object.other")
    assert code == 0, err
    assert ws.world.find("mem_object", "app")["value"] == f"{base['id']}-1"
    assert ws.world.find("mem_object", "other")["value"] == "2"


def test_targeted_destroy_takes_dependents(ws):
    ws.write(CONFIG % {"v": "1"})
    assert ws.apply()[0] == 0
    code, _out, err = ws.run("destroy", "-no-color", "-auto-approve", "-target",
                            "mem_object.base", str(ws.root))
    assert code == 0, err
    assert ws.addresses() == ["mem_object.many[0]", "mem_object.many[1]", "mem_object.other"]


def test_bad_target_address_is_an_error(ws):
    ws.write(CONFIG % {"v": "1"})
    code, _, err = ws.plan("-target", "mem_object")
    assert code == 1
    assert "Invalid target address" in err


MODULE = """
resource "mem_object" "x" {
  name = "${var.prefix}-x"
}
variable "prefix" {
  type = string
}
"""


def test_target_a_module(ws):
    (ws.root / "mod").mkdir()
    (ws.root / "mod" / "main.hcl").write_text(MODULE)
    ws.write("""
        module "m" {
          source = "./mod"
          prefix = "m"
        }
        resource "mem_object" "top" {
          name = "top"
        }
    """)
    code, _out, err = ws.apply("-target", "module.m")
    assert code == 0, err
    assert ws.addresses() == ["module.m.mem_object.x"]
