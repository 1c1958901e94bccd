"""The terminal plan drawn as Terraform 1.11 draws it: nested attribute diffs,
JSON documents as `jsonencode(...)`, `+/-` for create_before_destroy, no-op
headers that say what apply records, and data reads with their attributes.

Plans come from the real CLI against the in-memory provider; layouts are
compared unfolded (alignment included), against what `terraform plan` prints
for the same shapes of value.
"""

from __future__ import annotations

import pytest

from govctl.addrs import parse_instance
from govctl.cli import main
from govctl.plan.model import Action, Change, Plan
from govctl.plugins.protocol import UNKNOWN
from govctl.render.plan_text import render_plan
from tests.engine.support import unfinished_replacement
from tests.render.conftest import Workspace

OBJECT = """
resource "mem_object" "a" {
  name   = "a"
  value  = "v"
  tags   = %s
  secret = "%s"
}
"""
POLICY = """
resource "mem_policy" "p" {
  name        = "p"
  policy      = jsonencode({ Version = "2012-10-17", Statement = [%s] })
  attached_to = %s
}
"""
STATEMENT = '{ Sid = "%s", Effect = "Allow", Action = ["s3:GetObject"], Resource = "*" }'
CBD = """
resource "mem_object" "r" {
  name = "%s"
  lifecycle {
    create_before_destroy = true
  }
}
"""


def plan_text(ws: Workspace, capsys: pytest.CaptureFixture[str], *flags: str) -> str:
    """The plan as printed, alignment kept (Workspace.plan folds spaces)."""
    capsys.readouterr()
    code = main(["plan", "-no-color", *flags, str(ws.root)])
    out = capsys.readouterr()
    assert code == 0, out.out + out.err
    return out.out


def block(text: str, head: str) -> str:
    """One resource's lines: from its `# ...` header to its closing brace."""
    start = text.index(head)
    return text[start:text.index("\n    }\n", start) + 7]


def change(action: Action, before: dict | None, after: dict | None, **kw) -> Change:
    return Change(parse_instance(kw.pop("addr", "mem_object.a")), action,
                  'provider["govctl/mem"]', before, after, **kw)


def lines_of(plan: Plan) -> str:
    return "\n".join(t for _, t in render_plan(plan))


def test_map_attribute_changes_key_by_key(ws: Workspace, capsys) -> None:
    ws.write(OBJECT % ('{ a = "1", b = "2", c = "3" }', "hush"))
    assert ws.apply()[0] == 0
    ws.write(OBJECT % ('{ a = "1", b = "9", d = "4" }', "hush"))
    out = plan_text(ws, capsys)
    obj = ws.world.find("mem_object", "a")
    assert block(out, "  # mem_object.a") == f"""\
  # mem_object.a will be updated in-place
  ~ resource "mem_object" "a" {{
        id     = "{obj["id"]}"
        name   = "a"
      ~ tags   = {{
          ~ "b" = "2" -> "9"
          - "c" = "3" -> null
          + "d" = "4"
            # (1 unchanged element hidden)
        }}
        # (3 unchanged attributes hidden)
    }}
"""
    assert "  ~ update in-place\n" in out


def test_list_attribute_changes_element_by_element(ws: Workspace, capsys) -> None:
    ws.write(POLICY % (STATEMENT % "A", '["a", "b", "c", "d", "e", "f", "g"]'))
    assert ws.apply()[0] == 0
    ws.write(POLICY % (STATEMENT % "A", '["a", "x", "c", "d", "e", "f", "g", "h"]'))
    out = plan_text(ws, capsys)
    assert """\
      ~ attached_to = [
            "a",
          - "b",
          + "x",
            "c",
            # (3 unchanged elements hidden)
            "g",
          + "h",
        ]
""" in out
    policy = block(out, "  # mem_policy.p")
    assert "jsonencode" not in policy                      # the unchanged policy is hidden
    assert policy.endswith("        # (1 unchanged attribute hidden)\n    }\n")


def test_sensitive_values_stay_hidden(ws: Workspace, capsys) -> None:
    ws.write(OBJECT % ('{ a = "1" }', "hunter2-one"))
    created = plan_text(ws, capsys)
    assert "      + secret = (sensitive value)\n" in created
    assert ws.apply()[0] == 0
    ws.write(OBJECT % ('{ a = "1" }', "hunter2-two"))
    out = plan_text(ws, capsys)
    assert "      ~ secret = (sensitive value)\n" in out
    assert "hunter2" not in created + out
    # a sensitive map is one value: no key, no element shows
    plan = Plan(changes=[change(Action.UPDATE, {"tags": {"k": "old"}}, {"tags": {"k": "new"}},
                                sensitive={"tags"})])
    text = lines_of(plan)
    assert "      ~ tags = (sensitive value)" in text
    assert "old" not in text and "new" not in text and '"k"' not in text


def test_nested_values_to_any_depth_with_unknowns() -> None:
    before = {"id": "i-1", "config": {"rules": [{"port": 80, "cidrs": ["10.0.0.0/8"]},
                                                {"port": 443, "cidrs": ["0.0.0.0/0"]}],
                                      "label": "web"}}
    after = {"id": "i-1", "config": {"rules": [{"port": 80, "cidrs": ["10.0.0.0/8"]},
                                               {"port": 443, "cidrs": ["0.0.0.0/0", UNKNOWN]}],
                                     "label": "web", "extra": UNKNOWN}}
    text = lines_of(Plan(changes=[change(Action.UPDATE, before, after)]))
    assert """\
  ~ resource "mem_object" "a" {
      ~ config = {
          + "extra" = (known after apply)
          ~ "rules" = [
                {
                    "cidrs" = [
                        "10.0.0.0/8",
                    ]
                    "port"  = 80
                },
              ~ {
                  ~ "cidrs" = [
                        "0.0.0.0/0",
                      + (known after apply),
                    ]
                    # (1 unchanged element hidden)
                },
            ]
            # (1 unchanged element hidden)
        }
        id     = "i-1"
    }""" in text


def test_value_known_only_after_apply_replaces_a_whole_map() -> None:
    text = lines_of(Plan(changes=[change(Action.UPDATE, {"tags": {"a": "1"}},
                                         {"tags": UNKNOWN})]))
    assert """\
      ~ tags = {
          - "a" = "1"
        } -> (known after apply)""" in text


def test_destroy_ends_collections_with_null(ws: Workspace, capsys) -> None:
    ws.write(OBJECT % ('{ a = "1" }', "hush"))
    assert ws.apply()[0] == 0
    out = plan_text(ws, capsys, "-destroy")
    assert """\
      - tags   = {
          - "a" = "1"
        } -> null
""" in out
    assert "      - secret = (sensitive value) -> null\n" in out


def test_policy_documents_are_expanded_on_create_and_destroy(ws: Workspace, capsys) -> None:
    ws.write(POLICY % (STATEMENT % "A", '["x"]'))
    expanded = """\
      %(m)s policy      = jsonencode(
            {
              %(m)s Statement = [
                  %(m)s {
                      %(m)s Action   = [
                          %(m)s "s3:GetObject",
                        ]
                      %(m)s Effect   = "Allow"
                      %(m)s Resource = "*"
                      %(m)s Sid      = "A"
                    },
                ]
              %(m)s Version   = "2012-10-17"
            }
        )%(null)s
"""
    created = plan_text(ws, capsys)
    assert expanded % {"m": "+", "null": ""} in created
    assert "\\\"" not in created                          # no escaped JSON string
    assert ws.apply()[0] == 0
    destroyed = plan_text(ws, capsys, "-destroy")
    assert expanded % {"m": "-", "null": " -> null"} in destroyed


def test_policy_update_is_still_diffed_statement_by_statement(ws: Workspace, capsys) -> None:
    ws.write(POLICY % (STATEMENT % "A", '["x"]'))
    assert ws.apply()[0] == 0
    ws.write(POLICY % (", ".join([STATEMENT % "A", STATEMENT % "B"]), '["x"]'))
    out = plan_text(ws, capsys)
    assert "      ~ policy      = jsonencode(\n" in out
    assert '          + statement {"Action": ["s3:GetObject"], "Effect": "Allow", ' \
        '"Resource": "*", "Sid": "B"}\n' in out
    assert '"Sid": "A"' not in out                         # the kept statement is not shown


def test_json_whitespace_change_is_said() -> None:
    plan = Plan(changes=[change(Action.UPDATE, {"doc": '{"a": 1}'}, {"doc": '{"a":1}'})])
    assert """\
      ~ doc = jsonencode( # whitespace changes
            {
                a = 1
            }
        )""" in lines_of(plan)


def test_create_before_destroy_replacement_is_drawn_plus_minus(ws: Workspace, capsys) -> None:
    ws.write(CBD % "one")
    assert ws.apply()[0] == 0
    ws.write(CBD % "two")
    out = plan_text(ws, capsys)
    assert "\n+/- create replacement and then destroy\n" in out
    assert "-/+" not in out
    assert "  # mem_object.r must be replaced\n+/- resource \"mem_object\" \"r\" {\n" in out
    assert '      ~ name = "one" -> "two" # forces replacement\n' in out


def test_plain_replacement_keeps_minus_plus(ws: Workspace, capsys) -> None:
    ws.write(OBJECT % ('{ a = "1" }', "hush"))
    assert ws.apply()[0] == 0
    ws.write(OBJECT.replace('"a"\n', '"b"\n', 1) % ('{ a = "1" }', "hush"))
    out = plan_text(ws, capsys)
    assert "\n-/+ destroy and then create replacement\n" in out
    assert "+/-" not in out
    assert "\n-/+ resource \"mem_object\" \"a\" {\n" in out


def test_legend_lists_only_the_symbols_used(ws: Workspace, capsys) -> None:
    ws.write(OBJECT % ('{ a = "1" }', "hush"))
    out = plan_text(ws, capsys)
    assert out.startswith(
        "govctl used the selected providers to generate the following execution\n"
        "plan. Resource actions are indicated with the following symbols:\n"
        "  + create\n\ngovctl will perform the following actions:\n")
    assert ws.apply()[0] == 0
    ws.write('resource "mem_object" "b" {\n  name   = "a"\n  value  = "v"\n'
             '  tags   = { a = "1" }\n  secret = "hush"\n}\n'
             'moved {\n  from = mem_object.a\n  to   = mem_object.b\n}\n')
    moved = plan_text(ws, capsys)
    assert moved.startswith("govctl will perform the following actions:\n")
    assert "symbols" not in moved


def test_lifting_prevent_destroy_is_not_called_an_interrupted_run(ws: Workspace,
                                                                  capsys) -> None:
    guarded = OBJECT.replace('value  = "v"', 'value  = "v"\n  lifecycle {\n'
                             '    prevent_destroy = %s\n  }')
    ws.write(guarded % ("true", '{ a = "1" }', "hush"))
    assert ws.apply()[0] == 0
    ws.write(guarded % ("false", '{ a = "1" }', "hush"))
    out = plan_text(ws, capsys)
    assert "interrupted" not in out
    assert ("  # mem_object.a will not change; only its record in state is updated "
            "(prevent_destroy = false; sensitive attributes: secret)\n") in out


def test_unfinished_create_before_destroy_is_named(ws: Workspace, capsys) -> None:
    unfinished_replacement(ws)
    out = plan_text(ws, capsys)
    assert "interrupted" not in out
    assert ("  # mem_object.r will be recorded as the new object of a create_before_destroy "
            "replacement that did not finish\n") in out
    assert "  # mem_object.r (deposed object) will be destroyed" in out


def test_noop_headers_follow_the_change() -> None:
    recovered = change(Action.NOOP, {"id": "1"}, {"id": "1"}, recovered=True)
    assert "  # mem_object.a was created by an interrupted run and is now recorded" \
        in lines_of(Plan(changes=[recovered]))
    guarded = change(Action.NOOP, {"id": "1"}, {"id": "1"}, prevent_destroy=True,
                     flags_changed=True)
    text = lines_of(Plan(changes=[guarded]))
    assert "(prevent_destroy = true; sensitive attributes: none)" in text
    assert "interrupted" not in text


def test_data_read_lists_configured_and_computed_attributes(ws: Workspace, capsys) -> None:
    ws.write(OBJECT % ('{ a = "1" }', "hush") +
             'data "mem_lookup" "l" {\n  name = mem_object.a.name\n}\n')
    out = plan_text(ws, capsys)
    assert "\n <= read (data resources)\n" in out
    assert block(out, "  # data.mem_lookup.l") == """\
  # data.mem_lookup.l will be read during apply (depends on a resource with changes not yet applied)
 <= data "mem_lookup" "l" {
      + id    = (known after apply)
      + name  = "a"
      + value = (known after apply)
    }
"""


def test_drift_is_drawn_with_nested_diffs(ws: Workspace, capsys) -> None:
    ws.write(OBJECT % ('{ a = "1", b = "2" }', "hush"))
    assert ws.apply()[0] == 0
    obj = ws.world.find("mem_object", "a")
    ws.world.put("mem_object", {**obj, "tags": {"a": "1", "b": "changed"}})
    out = plan_text(ws, capsys, "-refresh-only")
    assert '          ~ "b" = "2" -> "changed"\n' in out
    assert "            # (1 unchanged element hidden)\n" in out


def test_nested_null_is_unset_but_a_json_null_is_a_value() -> None:
    before = {"rule": {"kms_key": "arn:k", "algorithm": "aws:kms"},
              "doc": '{"a": null}'}
    after = {"rule": {"kms_key": None, "algorithm": "AES256"}, "doc": '{"a": 1, "b": null}'}
    assert """\
      ~ doc  = jsonencode(
          ~ {
              ~ a = null -> 1
              + b = null
            }
        )
      ~ rule = {
          ~ "algorithm" = "aws:kms" -> "AES256"
          - "kms_key"   = "arn:k" -> null
        }""" in lines_of(Plan(changes=[change(Action.UPDATE, before, after)]))
