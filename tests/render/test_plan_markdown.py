"""`govctl show -markdown`: saved plans (made by the real CLI against the
in-memory provider) rendered as pull-request comments.

Snapshot tests compare the whole comment with tests/data/markdown/<name>.md,
exactly. After an intended change to the template or the renderer, regenerate
them and review the difference before committing:

    GOVCTL_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/render
    git diff tests/data/markdown
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from govctl.render.plan_markdown import GITHUB_LIMIT, LIMIT, load_plan, render
from tests.policy.keys import write_keys
from tests.render.conftest import Preview

SNAPSHOTS = Path(__file__).parent.parent / "data" / "markdown"
UPDATE = os.environ.get("GOVCTL_UPDATE_SNAPSHOTS", "") not in ("", "0")


def snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / f"{name}.md"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"no snapshot {path}: run with GOVCTL_UPDATE_SNAPSHOTS=1"
    assert text == path.read_text(encoding="utf-8")


def policy_doc(*statements: tuple[str, str]) -> str:
    body = ", ".join(f'{{ Sid = "{sid}", Effect = "Allow", Action = "{action}", '
                     'Resource = "*" }' for sid, action in statements)
    return f'jsonencode({{ Version = "2012-10-17", Statement = [{body}] }})'


def objects(value: str = "v1", name: str = "model", statements: tuple[tuple[str, str], ...] = (
        ("Read", "s3:GetObject"), ("List", "s3:ListBucket")), extra: str = "") -> str:
    return f"""
resource "mem_object" "model" {{
  name  = "{name}"
  value = "{value}"
  tags  = {{ team = "ml", stage = "prod" }}
}}

resource "mem_policy" "access" {{
  name   = "access"
  policy = {policy_doc(*statements)}
}}
{extra}"""


def test_create(preview: Preview) -> None:
    preview.ws.write(objects())
    preview.plan()
    out, _ = preview.show()
    assert "**Plan:** 2 to add, 0 to change, 0 to destroy." in out
    assert "[!CAUTION]" not in out
    snapshot("create", out)


def test_update_diffs_policy_statements(preview: Preview) -> None:
    preview.ws.write(objects())
    assert preview.ws.apply()[0] == 0
    preview.ws.write(objects("v2", statements=(("Read", "s3:GetObject"),
                                               ("List", "s3:ListBucket*"),
                                               ("Put", "s3:PutObject"))))
    preview.plan()
    out, _ = preview.show()
    assert re.search(r'^!\s+value\s+= "v1" -> "v2"$', out, re.M)
    assert re.search(r'^-\s+statement \{"Action": "s3:ListBucket",', out, re.M)
    assert re.search(r'^\+\s+statement \{"Action": "s3:ListBucket\*",', out, re.M)
    assert re.search(r'^\+\s+statement \{"Action": "s3:PutObject",', out, re.M)
    assert "GetObject" not in out                     # unchanged statements are not shown
    snapshot("update", out)


def test_replace_is_a_loud_warning(preview: Preview) -> None:
    preview.ws.write(objects())
    assert preview.ws.apply()[0] == 0
    preview.ws.write(objects(name="model-v2"))
    preview.plan()
    out, _ = preview.show()
    assert "> [!CAUTION]\n> **This plan destroys 1 resource** (1 replaced" in out
    assert "> - `mem_object.model` must be replaced" in out
    assert '# forces replacement' in out
    snapshot("replace", out)


def test_destroy(preview: Preview) -> None:
    preview.ws.write(objects() + 'resource "mem_object" "old" {\n  name = "old"\n}\n')
    assert preview.ws.apply()[0] == 0
    preview.ws.write(objects())
    preview.plan()
    out, _ = preview.show()
    assert "> - `mem_object.old` will be destroyed" in out
    assert re.search(r'^-\s+name\s+= "old" -> null$', out, re.M)
    snapshot("destroy", out)


SECRET_CONFIG = """
resource "mem_object" "sealed" {{
  name   = "sealed"
  value  = "{value}"
  secret = "{secret}"
}}

output "the_secret" {{
  value     = mem_object.sealed.secret
  sensitive = true
}}

policy "leaky" {{
  enforcement_level = "advisory"
  resource_types    = ["mem_object"]
  condition         = self.value == "sealed"
  error_message     = "secret is ${{self.secret}}"
}}
"""


def test_sensitive_values_never_appear(preview: Preview) -> None:
    preview.ws.write(SECRET_CONFIG.format(value="one", secret="hunter2-first"))
    preview.plan()
    created, _ = preview.show()
    assert preview.ws.run("apply", "-no-color", "p.plan")[0] == 0
    preview.ws.write(SECRET_CONFIG.format(value="two", secret="hunter2-second"))
    preview.plan()
    out, err = preview.show()
    for text in (created, out, err):
        assert "hunter2" not in text
    assert "secret = (sensitive value)" in created
    assert "(sensitive value) -> (sensitive value)" in out
    snapshot("sensitive", out)


def policy(name: str, level: str, condition: str, extra: str = "") -> str:
    return (f'policy "{name}" {{\n  enforcement_level = "{level}"\n'
            f'  resource_types = ["mem_object"]\n{extra}  condition = {condition}\n'
            f'  error_message = "${{self.name}} breaks {name}"\n}}\n')


FAILING = """
resource "mem_object" "plain" {
  name  = "plain"
  value = "plain"
}

resource "mem_object" "sealed" {
  name  = "sealed"
  value = "encrypted"
}
""" + policy("encrypted", "advisory", 'self.value == "encrypted"') + \
    policy("tagged", "overridable", "self.tags != null") + \
    policy("named", "mandatory", 'self.name != ""')


def test_policy_failures_inline_and_summarised(preview: Preview,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGNAME", "reviewer")         # who overrode, as recorded
    preview.ws.write(FAILING)
    preview.plan("-override-policy", "tagged", "-reason", "legacy <objects>, ML-42")
    out, _ = preview.show()
    assert "⚠️ Policies: 3 passed, 3 failed (0 mandatory), 2 overridden." in out
    section = out[out.index("<code>mem_object.plain</code>"):out.index("</details>")]
    assert "- ⚠️ policy `encrypted` failed (advisory): plain breaks encrypted" in section
    assert "**overridden**: legacy &lt;objects&gt;, ML-42" in section
    assert "| `encrypted` | advisory | `mem_object.plain` | ⚠️ failed: plain breaks " \
        "encrypted |" in out
    assert out.count("| `tagged` | overridable |") == 2
    assert "ML-42 (by reviewer) |" in out
    assert "govctl apply p.plan" in out
    snapshot("policy_failures", out)


def test_a_blocking_result_says_apply_is_blocked(preview: Preview) -> None:
    """A saved plan never holds one (plan refuses to save it), but a plan file
    edited by hand may; the comment must not offer to apply it."""
    preview.ws.write(FAILING)
    preview.plan("-override-policy", "tagged", "-reason", "r")
    doc = json.loads(Path("p.plan").read_bytes())
    for r in doc["policy_results"]:
        r["overridden"] = None
    Path("p.plan").write_text(json.dumps(doc))
    out, _ = preview.show()
    assert "❌ Policies: 3 passed, 3 failed (0 mandatory); apply is blocked." in out
    assert "| ❌ **failed**: plain breaks tagged |" in out
    assert "Apply is **blocked**" in out and "govctl apply" not in out


def test_drift_is_listed_apart_from_the_planned_changes(preview: Preview) -> None:
    preview.ws.write(objects())
    assert preview.ws.apply()[0] == 0
    obj = preview.ws.world.find("mem_object", "model")
    assert obj is not None
    preview.ws.world.put("mem_object", {**obj, "value": "changed-by-hand"})
    preview.plan()
    out, _ = preview.show()
    drift = out[out.index("#### Changes outside govctl"):out.index("#### Planned changes")]
    assert "<code>mem_object.model</code> has changed</summary>" in drift
    assert re.search(r'^!\s+value\s+= "v1" -> "changed-by-hand"$', drift, re.M)
    planned = out[out.index("#### Planned changes"):]
    assert re.search(r'^!\s+value\s+= "changed-by-hand" -> "v1"$', planned, re.M)
    snapshot("drift", out)


def test_approvals_needed(preview: Preview, tmp_path: Path) -> None:
    keys = write_keys(tmp_path / "keys", ("alice", "bob"))
    approvers = "".join(f'approver "{n}" {{\n  public_key = file("{keys[n]}.pub")\n}}\n'
                        for n in keys)
    preview.ws.write(approvers + objects() + """
policy "two_person_rule" {
  enforcement_level  = "mandatory"
  addresses          = ["mem_object.model"]
  required_approvals = 2
  approvers          = ["alice", "bob"]
  condition          = true
}
""")
    preview.plan()
    out, _ = preview.show()
    assert "- policy `two_person_rule`: **2** signed approvals from `alice`, `bob` " \
        "(guards `mem_object.model`)" in out
    assert "govctl approve p.plan -approver NAME -key KEYFILE" in out
    assert "To apply exactly this plan once it is approved:" in out
    snapshot("approvals", out)


BULK = """
resource "mem_object" "bulk" {{
  count = {n}
  name  = "bulk-${{count.index}}"
  value = "{value}"
  tags  = {{ team = "ml", cost_centre = "research", stage = "prod" }}
}}
"""


def test_a_long_plan_is_cut_to_fit_a_github_comment(preview: Preview) -> None:
    preview.ws.write(BULK.format(n=300, value="x" * 150))
    preview.plan()
    whole = render(load_plan(Path("p.plan")), "p.plan", limit=10**9)
    assert len(whole) > GITHUB_LIMIT                  # the plan really is too long
    out, _ = preview.show()
    assert len(out) <= LIMIT
    assert "This preview was shortened to stay within GitHub's comment size limit" in out
    assert "Run `govctl show p.plan` to see the whole plan." in out
    shown = out.count("<details>")
    assert 0 < shown < 300
    omitted = 300 - shown
    assert f"> - {omitted} resources shown without their attribute diff;" in out
    for i in range(300):                              # every resource keeps its line
        assert f"mem_object.bulk[{i}]" in out
    assert "**Plan:** 300 to add, 0 to change, 0 to destroy." in out
    # diffs are dropped from the end: the first resources keep theirs
    assert "<code>mem_object.bulk[0]</code>" in out
    assert f"- `+` `mem_object.bulk[{299}]` will be created" in out
    snapshot("truncated", out)


def test_a_tighter_limit_drops_whole_resources_then_cuts_the_text(preview: Preview) -> None:
    preview.ws.write(BULK.format(n=300, value="x"))
    preview.plan()
    plan = load_plan(Path("p.plan"))
    out = render(plan, "p.plan", limit=3000)
    assert len(out) <= 3000
    assert "<details>" not in out
    m = re.search(r"- … and (\d+) more resources \((\d+) create\)", out)
    assert m is not None and m.group(1) == m.group(2)
    listed = len(re.findall(r"^- `\+` `mem_object\.bulk\[\d+\]` will be created$", out, re.M))
    assert listed + int(m.group(1)) == 300
    assert f"> - {m.group(1)} resources not listed;" in out
    assert "**Plan:** 300 to add" in out


def test_a_user_template_is_held_to_the_limit(preview: Preview) -> None:
    preview.ws.write(BULK.format(n=2, value="x"))
    preview.plan()
    Path("huge.j2").write_text("```diff\n{% for i in range(90000) %}+ line {{ i }}\n"
                               "{% endfor %}```\n")
    out, _ = preview.show("-template", "huge.j2")
    assert len(out) <= LIMIT + 1                    # + the final newline
    assert out.rstrip().endswith("Run `govctl show p.plan` to see the whole plan.")
    assert out.count("```") % 2 == 0                # the open fence was closed


def test_a_user_template_gets_the_documented_context(preview: Preview) -> None:
    preview.ws.write(objects())
    preview.plan()
    Path("mine.j2").write_text(
        "{{ counts.add }} to add via {{ apply_command|code }}\n"
        "{% for r in resources %}* {{ r.symbol }} {{ r.address }}: {{ r.summary }}\n"
        "{% endfor %}")
    out, _ = preview.show("-template", "mine.j2")
    assert out == ("2 to add via `govctl apply p.plan`\n"
                   "* + mem_object.model: will be created\n"
                   "* + mem_policy.access: will be created\n")


def test_a_user_template_may_extend_the_default_one(preview: Preview) -> None:
    preview.ws.write(objects())
    preview.plan()
    Path("ext.j2").write_text('{% extends "plan.md.j2" %}\n'
                              "{% block footer %}\nApply with `make release`.\n"
                              "{% endblock %}\n")
    out, _ = preview.show("-template", "ext.j2")
    assert "**Plan:** 2 to add" in out and "<code>mem_object.model</code>" in out
    assert out.rstrip().endswith("Apply with `make release`.")
    assert "govctl apply" not in out


@pytest.mark.parametrize("source, summary, detail, line", [
    ("ok\n{% if %}\n", "Markdown template syntax error", "Expected an expression", 2),
    ("a\nb\n{{ no_such_thing }}\n", "Markdown template error",
     "'no_such_thing' is undefined", 3),
    ("{{ plan_file.__class__.__mro__ }}\n", "Markdown template error", "unsafe", 1),
    ("{{ 1 // 0 }}\n", "Markdown template error", "division", 1),
])
def test_template_errors_are_diagnostics(preview: Preview, source: str, summary: str,
                                         detail: str, line: int) -> None:
    preview.ws.write(objects())
    preview.plan()
    Path("bad.j2").write_text(source)
    out, err = preview.show("-template", "bad.j2", expect=1)
    assert out == ""
    assert f"Error: {summary}" in err and detail in err
    assert f"on bad.j2 line {line}, column 1:" in err
    assert "Traceback" not in err


def test_missing_template_and_missing_plan_file(preview: Preview) -> None:
    preview.ws.write(objects())
    preview.plan()
    _, err = preview.show("-template", "nope.j2", expect=1)
    assert "Failed to read the Markdown template" in err and "nope.j2" in err
    _, err = preview.show(plan_file="missing.plan", expect=1)
    assert "Failed to read the plan file" in err


def test_odd_addresses_and_values_cannot_break_the_markup(preview: Preview) -> None:
    preview.ws.write(r'''
resource "mem_object" "odd" {
  for_each = toset(["a\"<b>&</summary>"])
  name     = each.key
  value    = "ends ``` a fence \u001b[31mred\u001b[0m"
}
''')
    preview.plan()
    out, _ = preview.show()
    summary = next(ln for ln in out.splitlines() if ln.startswith("<details>"))
    assert summary == ("<details><summary><code>+</code> <code>mem_object.odd[&quot;"
                       "a\\&quot;&lt;b&gt;&amp;&lt;/summary&gt;&quot;]</code> will be "
                       "created</summary>")
    assert "````diff\n" in out and "\n````\n" in out     # a fence longer than the value's
    assert "\x1b" not in out


def test_drift_of_a_secret_shows_no_value(preview: Preview) -> None:
    preview.ws.write(SECRET_CONFIG.format(value="sealed", secret="hunter2-first"))
    assert preview.ws.apply()[0] == 0
    obj = preview.ws.world.find("mem_object", "sealed")
    assert obj is not None
    preview.ws.world.put("mem_object", {**obj, "secret": "hunter2-by-hand"})
    preview.plan()
    out, err = preview.show()
    assert "#### Changes outside govctl" in out
    assert re.search(r"^!\s+secret\s+= \(sensitive value\)$", out, re.M)   # as Terraform
    assert "hunter2" not in out + err


def test_a_create_before_destroy_replacement_is_drawn_plus_minus(preview: Preview) -> None:
    keep = 'resource "mem_object" "m" {\n  name = "%s"\n  lifecycle {\n' \
           '    create_before_destroy = true\n  }\n}\n'
    preview.ws.write(keep % "one")
    assert preview.ws.apply()[0] == 0
    preview.ws.write(keep % "two")
    preview.plan()
    out, _ = preview.show()
    assert "+/- resource \"mem_object\" \"m\"" in out
    assert "-/+" not in out
