"""`govctl show -markdown`: a saved plan as a pull-request comment, rendered
through a jinja2 template that users may replace (`-template FILE`).

The template receives plain data (dicts, lists, strings, numbers), the same
for the default template and a user's:

- ``plan_file``: the plan file as given; ``mode``: normal | destroy | refresh-only
- ``has_changes``: whether applying the plan changes anything
- ``counts``: add, change, destroy, import, and per action create, update,
  replace, delete, read (``add`` and ``destroy`` both count replacements)
- ``resources``: the planned changes, in plan order, each a dict with
  ``address``, ``action`` (create | update | replace | delete | read | no-op),
  ``symbol`` (``+ ~ -/+ - <=``), ``summary`` (one line: "will be created",
  "must be replaced (tainted)", "has moved to ..."), ``diff`` (the attribute
  diff as diff lines, or None when cut for length; place it with the
  ``diff_block`` filter), ``policies`` (this resource's results that did not
  pass, as in ``failures``) and ``destructive`` (delete or replace)
- ``resources_omitted``: {count, create, update, replace, delete, read, no-op}
  for resources left out entirely for length (count 0 when none)
- ``destructive``: the resources deleted or replaced (address, action,
  summary); ``destructive_omitted``: how many of them were left out for length
- ``drift``: changes made outside govctl noticed while refreshing, each with
  ``address``, ``action``, ``summary`` and ``diff``; ``drift_omitted``
- ``outputs``: output value changes as diff lines (sensitive ones hidden)
- ``policy``: None without policies, else passed, failed, mandatory,
  blocking, overridden, unknown, and ``text`` ("Policies: 3 passed, ...")
- ``failures``: every failed (or undecided) policy result: policy, level,
  outcome, address, message, overridden (the reason, or None), overridden_by,
  blocking; ``failures_omitted``
- ``approvals``: required signed approvals: policy, required, approvers
  (names, or None for any declared approver), addresses
- ``apply_command``, ``approve_command``, ``show_command``: shell commands
- ``truncated``: whether anything was cut to fit GitHub's comment limit;
  ``diffs_omitted``: resources shown without their diff; ``limit``: the
  character budget the comment was fitted into

Filters: ``html`` (escape for inside HTML tags such as ``<summary>``),
``code`` (inline code span), ``text`` (free text: escaped, one line),
``diff_block`` (a fenced ```diff block no value can close early).

Values are raw: escaping is the template's choice, through the filters.
Sensitive values never reach the template: diffs show "(sensitive value)".
"""

from __future__ import annotations

import re
import shlex
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from govctl.diagnostics import SOURCES, DiagnosticError, Pos, Range, error
from govctl.plan.model import Action, Change, Plan
from govctl.policy.model import Outcome
from govctl.render import markdown_diff as md
from govctl.render.plan_text import _VERB, _change, _noop_head, _output
from govctl.render.policy_text import counts as policy_counts
from govctl.render.policy_text import summary_text

GITHUB_LIMIT = 65_536
LIMIT = 60_000        # what we aim for: a margin for what a CI job adds around the comment
DEFAULT_TEMPLATE = "plan.md.j2"
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_SYMBOL = {Action.CREATE: "+", Action.UPDATE: "~", Action.REPLACE: "-/+",
           Action.DELETE: "-", Action.READ: "<=", Action.NOOP: "~"}


def load_plan(path: Path) -> Plan:
    from govctl.plan import planfile

    return planfile.read(path)[1]


def render_file(plan_file: Path, template: Path | None = None, limit: int = LIMIT) -> str:
    """The comment for a saved plan; a template that cannot be read, parsed or
    rendered is a DiagnosticError pointing into it."""
    user = _read_template(template) if template is not None else None
    return render(load_plan(plan_file), str(plan_file), user, limit)


@dataclass(frozen=True)
class UserTemplate:
    filename: str
    source: str


def render(plan: Plan, plan_file: str, template: UserTemplate | None = None,
           limit: int = LIMIT) -> str:
    """Rendered within `limit` characters, cutting detail from the end first:
    resource diffs, drift diffs, then whole resources, drift entries, policy
    failures and the destroyed list, each as little as keeps the comment
    within the limit (found by bisection: every render is checked, so a
    user's template is held to the limit too)."""
    full = _context(plan, plan_file)
    full["limit"] = limit
    tpl = _template(template)
    draw = _renderer(tpl, template)
    text = draw(_cut(full, {}))
    if len(text) <= limit:
        return text
    cuts: dict[str, int] = {}
    for stage, size in _stages(full):
        cuts[stage] = 0
        text = draw(_cut(full, cuts))
        if len(text) > limit:
            continue                       # even without any of them it is too long
        lo, hi = 0, size                   # the most we can keep, in lo..hi-1
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if len(draw(_cut(full, {**cuts, stage: mid}))) <= limit:
                lo = mid
            else:
                hi = mid
        cuts[stage] = lo
        return draw(_cut(full, cuts))
    return _hard_cut(text, limit, plan_file)


def _stages(full: dict[str, Any]) -> list[tuple[str, int]]:
    """(what to cut, how many there are), in the order they are given up."""
    with_diff = sum(r["diff"] is not None for r in full["resources"])
    drift_diff = sum(d["diff"] is not None for d in full["drift"])
    return [("diffs", with_diff), ("drift_diffs", drift_diff),
            ("resources", len(full["resources"])), ("drift", len(full["drift"])),
            ("failures", len(full["failures"])), ("destructive", len(full["destructive"]))]


def _keep_diffs(items: list[dict[str, Any]], count: int) -> None:
    """Drop the diff of every item after the first `count` that have one."""
    seen = 0
    for item in items:
        if item["diff"] is not None:
            seen += 1
            if seen > count:
                item["diff"] = None


def _cut(full: dict[str, Any], keep: dict[str, int]) -> dict[str, Any]:
    """The context with only the first `keep[stage]` of each stage's items."""
    ctx = dict(full)
    resources_ = [dict(r) for r in full["resources"]]
    if "diffs" in keep:
        _keep_diffs(resources_, keep["diffs"])
    resources_ = resources_[:keep.get("resources", len(resources_))]
    omitted: dict[str, int] = {"count": 0, **{str(a): 0 for a in Action}}
    for r in full["resources"][len(resources_):]:
        omitted["count"] += 1
        omitted[r["action"]] += 1
    omitted_diffs = sum(r["diff"] is None and o["diff"] is not None
                        for r, o in zip(resources_, full["resources"], strict=False))
    drift = [dict(d) for d in full["drift"]]
    if "drift_diffs" in keep:
        _keep_diffs(drift, keep["drift_diffs"])
    n_drift = keep.get("drift", len(drift))
    n_fail = keep.get("failures", len(full["failures"]))
    n_destr = keep.get("destructive", len(full["destructive"]))
    ctx.update(
        resources=resources_, resources_omitted=omitted, diffs_omitted=omitted_diffs,
        drift=drift[:n_drift], drift_omitted=len(drift) - n_drift,
        drift_diffs_omitted=sum(d["diff"] is None and o["diff"] is not None
                                for d, o in zip(drift[:n_drift], full["drift"],
                                                strict=False)),
        failures=full["failures"][:n_fail], failures_omitted=len(full["failures"]) - n_fail,
        destructive=full["destructive"][:n_destr],
        destructive_omitted=len(full["destructive"]) - n_destr)
    ctx["truncated"] = bool(omitted_diffs or omitted["count"] or ctx["drift_omitted"]
                            or ctx["drift_diffs_omitted"] or ctx["failures_omitted"]
                            or ctx["destructive_omitted"])
    return ctx


def _hard_cut(text: str, limit: int, plan_file: str) -> str:
    """The last resort (a template that prints more than the plan holds): cut
    the text itself, close an open fence, and say so."""
    note = ("\n\n> [!WARNING]\n> This comment was cut at GitHub's size limit. Run "
            f"{md.code('govctl show ' + shlex.quote(plan_file))} to see the whole plan.\n")
    head = text[:max(0, limit - len(note) - 200)]
    fence = None                       # the fence of the code block left open, if any
    for line in head.splitlines():
        m = _FENCE.match(line)
        if m and fence is None:
            fence = m.group(1)
        elif m and fence is not None and m.group(1).startswith(fence) and \
                not line.strip().strip("`"):
            fence = None
    if fence is not None:
        head += "\n" + fence
    return (head + note)[:limit]


# --- the context ----------------------------------------------------------------

def context(plan: Plan, plan_file: str) -> dict[str, Any]:
    """The full context (nothing cut), as a template receives it."""
    ctx = _cut(_context(plan, plan_file), {})
    ctx["limit"] = LIMIT
    return ctx


def _context(plan: Plan, plan_file: str) -> dict[str, Any]:
    changes = [c for c in plan.changes if c.action is not Action.NOOP or c.changes_state]
    if plan.mode == "refresh-only":
        changes = []
    fails = [_result(r) for r in plan.policy_results if r.outcome is not Outcome.PASSED]
    by_addr: dict[str, list[dict[str, Any]]] = {}
    for f in fails:
        by_addr.setdefault(f["address"], []).append(f)
    resources_ = [_resource(c, by_addr.get(str(c.addr), [])) for c in changes]
    n = plan.counts()
    quoted = shlex.quote(plan_file)
    policy = None
    if plan.policy_results:
        passed, failed, blocking, unknown = policy_counts(plan.policy_results)
        policy = {"passed": passed, "failed": failed, "blocking": blocking,
                  "unknown": unknown, "text": summary_text(plan.policy_results),
                  "mandatory": sum(r.outcome is Outcome.FAILED and r.level == "mandatory"
                                   for r in plan.policy_results),
                  "overridden": sum(r.overridden is not None for r in plan.policy_results)}
    return {
        "plan_file": plan_file, "mode": plan.mode, "has_changes": plan.has_changes,
        "counts": {"add": n[Action.CREATE] + n[Action.REPLACE], "change": n[Action.UPDATE],
                   "destroy": n[Action.DELETE] + n[Action.REPLACE],
                   "import": sum(c.importing is not None for c in plan.changes),
                   **{str(a): n[a] for a in Action}},
        "resources": resources_,
        "destructive": [{k: r[k] for k in ("address", "action", "summary")}
                        for r in resources_ if r["destructive"]],
        "drift": [_drift(c) for c in plan.drift],
        "outputs": md.diff_lines(t for _, t in
                                 (_output(o) for o in plan.outputs
                                  if o.action is not Action.NOOP)),
        "policy": policy, "failures": fails,
        "approvals": [{"policy": a.policy, "required": a.required,
                       "approvers": list(a.approvers) if a.approvers else None,
                       "addresses": list(a.addresses)} for a in plan.approvals_required],
        "apply_command": f"govctl apply {quoted}",
        "approve_command": f"govctl approve {quoted} -approver NAME -key KEYFILE",
        "show_command": f"govctl show {quoted}",
    }


def _resource(c: Change, policies: list[dict[str, Any]]) -> dict[str, Any]:
    if c.action is Action.NOOP:
        summary = md.plain(_noop_head(c)).strip().removeprefix("# ")
        summary = summary.removeprefix(str(c.addr)).strip()
        diff = None
    else:
        summary = ("(deposed object) " if c.deposed else "") + _VERB[c.action]
        if c.reason:
            summary += f" ({c.reason})"
        diff = "\n".join(md.diff_lines(t for _, t in _change(c)[2:]))
    symbol = "+/-" if c.action is Action.REPLACE and c.create_before_destroy else \
        _SYMBOL[c.action]
    return {"address": str(c.addr), "action": str(c.action), "symbol": symbol,
            "summary": summary, "diff": diff, "policies": policies,
            "destructive": c.action in (Action.DELETE, Action.REPLACE)}


def _drift(c: Change) -> dict[str, Any]:
    return {"address": str(c.addr), "action": str(c.action),
            "summary": "has been deleted" if c.action is Action.DELETE else "has changed",
            "diff": "\n".join(md.diff_lines(t for _, t in _change(c, drift=True)[2:]))}


def _result(r: Any) -> dict[str, Any]:
    return {"policy": r.policy, "level": str(r.level), "outcome": str(r.outcome),
            "address": r.address, "message": r.message,
            "overridden": r.overridden.reason if r.overridden is not None else None,
            "overridden_by": r.overridden.by if r.overridden is not None else None,
            "blocking": r.blocking}


# --- templates ------------------------------------------------------------------

def _read_template(path: Path) -> UserTemplate:
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
        raise DiagnosticError([error("Failed to read the Markdown template",
                                     f"{path}: {why}.")]) from None
    return UserTemplate(str(path), source)


def _package_source(name: str) -> tuple[str, str, Callable[[], bool]] | None:
    """The templates shipped with govctl, so a user's template can extend or
    include them (`{% extends "plan.md.j2" %}`) and nothing else on disk."""
    path = resources.files("govctl.render").joinpath("templates", name)
    if not name.endswith(".j2") or "/" in name or not path.is_file():
        return None
    return path.read_text(encoding="utf-8"), f"govctl/render/templates/{name}", lambda: True


def _environment(template: UserTemplate | None) -> SandboxedEnvironment:
    def user(name: str) -> tuple[str, str, Callable[[], bool]] | None:
        if template is not None and name == template.filename:
            return template.source, template.filename, lambda: True
        return None

    env = SandboxedEnvironment(
        loader=jinja2.ChoiceLoader([jinja2.FunctionLoader(user),
                                    jinja2.FunctionLoader(_package_source)]),
        autoescape=False, undefined=jinja2.StrictUndefined, trim_blocks=True,
        lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(html=md.html_text, code=md.code, text=md.text,
                       diff_block=md.diff_block)
    return env


def _template(template: UserTemplate | None) -> jinja2.Template:
    env = _environment(template)
    if template is None:
        return env.get_template(DEFAULT_TEMPLATE)
    SOURCES.register(template.filename, template.source)
    try:
        return env.get_template(template.filename)
    except jinja2.TemplateSyntaxError as exc:
        raise _template_error(exc, template, exc.lineno) from None
    except jinja2.TemplateError as exc:
        raise _template_error(exc, template, None) from None


def _renderer(tpl: jinja2.Template,
              template: UserTemplate | None) -> Callable[[dict[str, Any]], str]:
    def draw(ctx: dict[str, Any]) -> str:
        if template is None:
            return tpl.render(ctx)
        try:
            return tpl.render(ctx)
        except Exception as exc:  # a user's template: any failure is theirs to fix
            raise _template_error(exc, template, _line_in(exc, template.filename)) from None
    return draw


def _line_in(exc: BaseException, filename: str) -> int | None:
    """The template line a rendering error came from (jinja2 rewrites its
    tracebacks so that template frames carry the template's file and line)."""
    line = getattr(exc, "lineno", None) if getattr(exc, "filename", None) == filename \
        else None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == filename and frame.lineno:
            line = frame.lineno
    return line


def _template_error(exc: BaseException, template: UserTemplate,
                    line: int | None) -> DiagnosticError:
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename not in \
            (None, template.filename):
        message += f" (in {exc.filename}, line {exc.lineno})"
        line = None
    rng = None
    if line is not None:
        rng = Range(template.filename, Pos(line, 1, 0), Pos(line, 1, 0))
    kind = "syntax error" if isinstance(exc, jinja2.TemplateSyntaxError) else "error"
    detail = message.rstrip(".") + "."
    if isinstance(exc, jinja2.UndefinedError):
        detail += (" The template receives the variables listed at the top of govctl's "
                   "default template (govctl/render/templates/plan.md.j2).")
    return DiagnosticError([error(f"Markdown template {kind}", detail, rng)])
