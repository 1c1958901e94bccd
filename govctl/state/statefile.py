"""The state file: JSON modelled on Terraform's state format version 4.

    {
      "version": 1,                       # this format's version (not Terraform's 4)
      "serial": 7,                        # +1 on every write that changes content
      "lineage": "3f0c...",               # uuid naming this state's history
      "govctl_version": "0.1.0",          # the govctl that wrote it
      "outputs": {"name": {"value": ..., "type": "string", "sensitive": true}},
      "resources": [
        {
          "module": "module.net[\"eu\"]",   # omitted for the root module
          "mode": "managed",                # or "data"
          "type": "aws_s3_bucket",
          "name": "logs",
          "provider": "provider[\"govctl/aws\"]",
          "instances": [
            {
              "index_key": 0,               # omitted when the resource has no count/for_each
              "status": "tainted",          # omitted unless tainted
              "schema_version": 0,
              "attributes": {...},
              "sensitive_attributes": [[{"type": "get_attr", "value": "password"}]],
              "dependencies": ["aws_kms_key.k"],
              "create_before_destroy": false,
              "prevent_destroy": false
            }
          ]
        }
      ],
      "intents": [{"addr": "...", "provider": "...", "type": "...", "planned": {...}}],
      "govctl_audit_head": {"seq": 12, "hash": "9f2c..."},  # after an audited apply
      "govctl_journals": ["4be1..."]    # ids of the last journals folded in
    }

Numbers are written exactly (Decimal as a JSON number, never rounded through
float) and read back as int or Decimal. `dumps` is deterministic: resources
and instances sorted by address, data objects by key, two-space indent and a
trailing newline, so that two equal states are equal bytes and diffs of state
files stay small. `loads` checks the whole shape (pydantic) and turns every
problem into a diagnostic naming the file and the place, never a traceback.
docs/state-format.md describes the format for people.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from govctl import __version__
from govctl.addrs import AddrError, Key, ModulePath, ResourceAddr, module_str, parse_instance
from govctl.diagnostics import Diagnostic, DiagnosticError, Pos, Range, error
from govctl.state.jsonenc import EncodeError, Fixed, decode, encode_bytes
from govctl.state.model import (
    FORMAT_VERSION,
    AttrPath,
    InstanceState,
    Intent,
    OutputState,
    ResourceState,
    State,
    key_sort_key,
    resource_sort_key,
)

_NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
PROVIDER_RE = re.compile(rf'(module\.{_NAME}\.)*provider\["[^"\s]+"\](\.{_NAME})?')
_MAX_REPORTED = 20


# --- file shape (validation only) ------------------------------------------

class StrictModel(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class _GetAttr(StrictModel):
    type: Literal["get_attr"]
    value: str


class _IndexValue(StrictModel):
    value: int | str
    type: Literal["number", "string"]


class _Index(StrictModel):
    type: Literal["index"]
    value: _IndexValue


_Step = Annotated[_GetAttr | _Index, Field(discriminator="type")]


class InstanceModel(StrictModel):
    index_key: int | str | None = None
    status: Literal["tainted"] | None = None
    schema_version: int = Field(0, ge=0)
    attributes: dict[str, Any]
    sensitive_attributes: list[list[_Step]] = []
    dependencies: list[str] = []
    create_before_destroy: bool = False
    prevent_destroy: bool = False


class ResourceModel(StrictModel):
    module: str = ""
    mode: Literal["managed", "data"]
    type: str = Field(pattern=f"^{_NAME}$")
    name: str = Field(pattern=f"^{_NAME}$")
    provider: str = Field(pattern=f"^{PROVIDER_RE.pattern}$")
    instances: list[InstanceModel]


class OutputModel(StrictModel):
    value: Any
    type: Any
    sensitive: bool = False


class IntentModel(StrictModel):
    addr: str
    provider: str = Field(pattern=f"^{PROVIDER_RE.pattern}$")
    type: str = Field(pattern=f"^{_NAME}$")
    planned: dict[str, Any]
    sent: bool = True


class AuditHeadModel(StrictModel):
    seq: int = Field(ge=1)
    hash: str = Field(pattern="^[0-9a-f]{64}$")


class StateModel(StrictModel):
    version: int
    serial: int = Field(ge=0)
    lineage: str = Field(min_length=1)
    govctl_version: str
    outputs: dict[str, OutputModel] = {}
    resources: list[ResourceModel] = []
    intents: list[IntentModel] = []
    govctl_audit_head: AuditHeadModel | None = None
    govctl_journals: list[str] = []


# --- encoding ----------------------------------------------------------------

def _path_to_json(path: AttrPath) -> list[Fixed]:
    return [Fixed(type="index", value=Fixed(value=s, type="number")) if isinstance(s, int)
            else Fixed(type="get_attr", value=s) for s in path]


def instance_to_json(inst: InstanceState) -> Fixed:
    """One element of a resource's `instances` (also a journal "set" entry's instance)."""
    out = Fixed()
    if inst.key is not None:
        out["index_key"] = inst.key
    if inst.tainted:
        out["status"] = "tainted"
    out["schema_version"] = inst.schema_version
    out["attributes"] = inst.attributes
    out["sensitive_attributes"] = [_path_to_json(p) for p in inst.sensitive_paths]
    out["dependencies"] = list(inst.dependencies)
    out["create_before_destroy"] = inst.create_before_destroy
    out["prevent_destroy"] = inst.prevent_destroy
    return out


def output_to_json(out: OutputState) -> Fixed:
    doc = Fixed(value=out.value, type=out.type)
    if out.sensitive:
        doc["sensitive"] = True
    return doc


def intent_to_json(intent: Intent) -> Fixed:
    if not intent.sent:     # written only when false: older states have no such key
        return Fixed(addr=intent.addr, provider=intent.provider, type=intent.type,
                     planned=intent.planned, sent=False)
    return Fixed(addr=intent.addr, provider=intent.provider, type=intent.type,
                 planned=intent.planned)


def _resource_to_json(rs: ResourceState) -> Fixed:
    out = Fixed()
    if rs.addr.module:
        out["module"] = module_str(rs.addr.module)
    out.update(mode=rs.addr.mode, type=rs.addr.type, name=rs.addr.name, provider=rs.provider)
    out["instances"] = [instance_to_json(rs.instances[k])
                        for k in sorted(rs.instances, key=key_sort_key)]
    return out


def state_to_json(state: State) -> Fixed:
    doc = Fixed(
        version=state.version,
        serial=state.serial,
        lineage=state.lineage,
        govctl_version=state.govctl_version,
        outputs=Fixed((k, output_to_json(state.outputs[k])) for k in sorted(state.outputs)),
        resources=[_resource_to_json(state.resources[a])
                   for a in sorted(state.resources, key=resource_sort_key)],
        intents=[intent_to_json(state.intents[a]) for a in sorted(state.intents)],
    )
    if state.audit_head is not None:    # absent until the first audited apply
        doc["govctl_audit_head"] = Fixed(seq=state.audit_head["seq"],
                                         hash=state.audit_head["hash"])
    if state.journals:                  # absent until a journal is folded in
        doc["govctl_journals"] = list(state.journals)
    return doc


def dumps(state: State) -> bytes:
    """The state file's bytes. Raises ValueError (a bug, not a user error) for a
    value JSON cannot hold, such as UNKNOWN, naming where it is."""
    try:
        return encode_bytes(state_to_json(state)) + b"\n"
    except EncodeError as exc:
        raise ValueError(f"cannot write state: {exc}") from exc


_HEADER = re.compile(rb'\{\n  "version": (\d+),\n  "serial": (\d+),\n'
                     rb'  "lineage": ("(?:[^"\\\n]|\\.)*"),\n'
                     rb'  "govctl_version": ("(?:[^"\\\n]|\\.)*"),\n')


@dataclass(frozen=True)
class Header:
    """The first lines of a file `dumps` wrote; `end` is where the rest begins."""

    version: int
    serial: int
    lineage: str
    govctl_version: str
    end: int


def read_header(data: bytes) -> Header | None:
    """The header of a state file in the canonical form `dumps` writes, without
    parsing the rest; None for any other form (which `loads` must read)."""
    m = _HEADER.match(data)
    if m is None:
        return None
    return Header(int(m[1]), int(m[2]), json.loads(m[3]), json.loads(m[4]), m.end())


# --- decoding ------------------------------------------------------------------

def _loc(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def validation_problems(exc: ValidationError, prefix: str = "") -> list[str]:
    """pydantic's errors as `where: what` lines."""
    lines = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if p not in ("get_attr", "index"))
        where = _loc(loc)
        if prefix:
            where = prefix if where == "(top level)" else f"{prefix}.{where}"
        lines.append(f"{where}: {err['msg']}")
    return lines


def invalid(source: str, problems: list[str]) -> DiagnosticError:
    shown = problems[:_MAX_REPORTED]
    more = len(problems) - len(shown)
    detail = (f"{source} is not a valid govctl state file:\n"
              + "\n".join(f"  - {p}" for p in shown)
              + (f"\n  ... and {more} more" if more else "")
              + f"\n\nIf the file was damaged, the previous version is kept as {source}.backup.")
    return DiagnosticError([error("Invalid state file", detail)])


def parse_module(text: str) -> ModulePath:
    """`module.a["x"].module.b` -> ModulePath; "" is the root module."""
    if not text:
        return ()
    probe = parse_instance(f"{text}._t._n")
    if (not text.startswith("module.") or probe.resource.mode != "managed"
            or (probe.resource.type, probe.resource.name) != ("_t", "_n")):
        raise AddrError(f'Invalid module address "{text}".')
    return probe.resource.module


def _json_error(exc: Exception, text: str, source: str) -> Diagnostic:
    if isinstance(exc, json.JSONDecodeError):
        rng = Range(source, Pos(exc.lineno, exc.colno, exc.pos),
                    Pos(exc.lineno, exc.colno + 1, exc.pos + 1))
        # govctl's files end with "}": any other ending is a cut-short file
        if exc.pos >= len(text.rstrip()) or not text.rstrip().endswith("}"):
            return error("State file is truncated",
                         f"{source} ends before its JSON document does ({exc.msg.lower()}): "
                         "it was cut short or damaged outside govctl, which replaces state "
                         f"files atomically. The previous version is kept as {source}.backup.",
                         rng)
        return error("State file is not valid JSON",
                     f"{exc.msg}. {source} is damaged or is not a state file; the previous "
                     f"version is kept as {source}.backup.", rng)
    return error("State file is not valid JSON", f"{source}: {exc}.")


def _check_version(data: dict[str, Any], source: str) -> None:
    if "terraform_version" in data:
        raise DiagnosticError([error(
            "This is a Terraform state file",
            f"{source} was written by Terraform {data.get('terraform_version')}; govctl keeps "
            f"its own state (format version {FORMAT_VERSION}) and cannot use Terraform's.")])
    version = data.get("version")
    if type(version) is not int:
        raise invalid(source, [f"version: expected the format version number, got "
                               f"{'nothing' if version is None else repr(version)}"])
    if version > FORMAT_VERSION:
        raise DiagnosticError([error(
            "State file from a newer govctl",
            f"{source} has state format version {version} (written by govctl "
            f"{data.get('govctl_version', '?')}); this govctl ({__version__}) reads format "
            f"version {FORMAT_VERSION} only. Upgrade govctl to use this state.")])
    if version < FORMAT_VERSION:
        raise invalid(source, [f"version: unknown state format version {version}"])


def _step_to_path(step: _GetAttr | _Index) -> str | int:
    return step.value if isinstance(step, _GetAttr) else step.value.value


def instance_from_model(m: InstanceModel, key: Key) -> InstanceState:
    return InstanceState(
        key=key, attributes=m.attributes, schema_version=m.schema_version,
        sensitive_paths=[[_step_to_path(s) for s in p] for p in m.sensitive_attributes],
        dependencies=m.dependencies, create_before_destroy=m.create_before_destroy,
        prevent_destroy=m.prevent_destroy, tainted=m.status == "tainted")


def check_dependencies(deps: list[str], where: str, problems: list[str]) -> None:
    for i, dep in enumerate(deps):
        problem = _resource_addr_problem(dep)
        if problem:
            problems.append(f"{where}.dependencies[{i}]: not a resource address: {problem}")


@functools.lru_cache(maxsize=4096)
def _resource_addr_problem(text: str) -> str | None:
    # cached: the same few dependencies recur across thousands of instances
    try:
        if parse_instance(text).key is not None:
            return f'"{text}" has an instance key'
    except AddrError as exc:
        return str(exc)
    return None


def _resource(i: int, rm: ResourceModel, problems: list[str]) -> ResourceState | None:
    where = f"resources[{i}]"
    try:
        module = parse_module(rm.module)
    except AddrError as exc:
        problems.append(f"{where}.module: {exc}")
        return None
    rs = ResourceState(ResourceAddr(module, rm.mode, rm.type, rm.name), rm.provider)
    for j, im in enumerate(rm.instances):
        iwhere = f"{where}.instances[{j}] ({rs.addr})"
        if im.index_key in rs.instances:
            problems.append(f"{iwhere}: a second instance with index_key {im.index_key!r}")
        check_dependencies(im.dependencies, iwhere, problems)
        rs.instances[im.index_key] = instance_from_model(im, im.index_key)
    if None in rs.instances and len(rs.instances) > 1:
        problems.append(f"{where} ({rs.addr}): an instance without index_key beside "
                        "instances with one")
    return rs


def loads(data: bytes, source: str) -> State:
    """Parse and check a state file; every problem becomes a DiagnosticError."""
    if not data.strip():
        raise DiagnosticError([error(
            "State file is empty",
            f"{source} is empty: it was probably truncated by a crash or a full disk. govctl "
            f"never writes an empty state file; the previous version is kept as "
            f"{source}.backup.")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DiagnosticError([error(
            "State file is not text",
            f"{source} is not UTF-8 (byte {exc.start}): it is damaged or not a state file.")]
        ) from None
    try:
        raw = decode(text)
    except ValueError as exc:   # JSONDecodeError, NaN, over-long integers
        raise DiagnosticError([_json_error(exc, text, source)]) from None
    if not isinstance(raw, dict):
        raise invalid(source, [f"expected a JSON object at the top level, found "
                               f"{type(raw).__name__ if raw is not None else 'null'}"])
    _check_version(raw, source)
    try:
        model = StateModel.model_validate(raw)
    except ValidationError as exc:
        raise invalid(source, validation_problems(exc)) from None
    return _build(model, source)


def _build(model: StateModel, source: str) -> State:
    problems: list[str] = []
    state = State(version=model.version, serial=model.serial, lineage=model.lineage,
                  govctl_version=model.govctl_version)
    if model.govctl_audit_head is not None:
        state.audit_head = model.govctl_audit_head.model_dump()
    state.journals = list(model.govctl_journals)
    state.outputs = {k: OutputState(o.value, o.type, o.sensitive)
                     for k, o in model.outputs.items()}
    for i, rm in enumerate(model.resources):
        rs = _resource(i, rm, problems)
        if rs is None:
            continue
        if rs.addr in state.resources:
            problems.append(f"resources[{i}]: {rs.addr} appears twice")
        state.resources[rs.addr] = rs
    for i, im in enumerate(model.intents):
        try:
            parse_instance(im.addr)
        except AddrError as exc:
            problems.append(f"intents[{i}].addr: {exc}")
        state.intents[im.addr] = Intent(im.addr, im.provider, im.type, im.planned, im.sent)
    if problems:
        raise invalid(source, problems)
    return state


__all__ = ["PROVIDER_RE", "Header", "InstanceModel", "IntentModel", "OutputModel",
           "StrictModel", "check_dependencies", "dumps", "instance_from_model",
           "instance_to_json", "intent_to_json", "invalid", "loads", "output_to_json",
           "parse_module", "read_header", "state_to_json", "validation_problems"]
