"""`govctl state list|show|rm|mv`, `govctl output` and `govctl force-unlock`.

Each command takes a backend and its arguments, prints as Terraform does and
returns the exit code; the CLI only turns flags into these calls. Commands that
change the state hold its lock for the whole read-change-write, and check every
address before changing anything, so a mistyped address changes nothing.
Sensitive values are shown only where Terraform shows them (`output -json`
and `-raw`, which a user asks for explicitly, typically to pipe them).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from govctl.addrs import (
    AddrError,
    InstanceAddr,
    Key,
    ModulePath,
    ResourceAddr,
    module_str,
    parse_instance,
)
from govctl.diagnostics import Diagnostic, DiagnosticError, error, warning
from govctl.render.diagnostics import print_diagnostics
from govctl.state.jsonenc import Fixed, encode
from govctl.state.model import State
from govctl.state.statefile import parse_module


class Backend(Protocol):
    """What the commands need of a state backend (LocalBackend has it)."""

    def exists(self) -> bool: ...
    def read(self) -> State: ...
    def write(self, state: State) -> None: ...
    def replace_history(self, state: State) -> None: ...
    def lock(self, operation: str, timeout: float = 0.0) -> AbstractContextManager[Any]: ...
    def force_unlock(self, lock_id: str) -> Any: ...


# --- addresses as filters ------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """A module, a resource (all its instances) or one instance, as given by a user.

    Terraform's containment rules: `module.a` names module a's keyless instance
    but, as the last step of a filter, every instance of it; `aws_x.y` names all
    instances of the resource; `aws_x.y[0]` one instance.
    """

    text: str
    module: ModulePath
    resource: ResourceAddr | None       # None: the whole module
    key: Key = None
    has_key: bool = False

    def contains(self, addr: InstanceAddr) -> bool:
        if self.resource is None:
            return _module_contains(self.module, addr.module)
        return addr.resource == self.resource and (not self.has_key or addr.key == self.key)

    @property
    def instance(self) -> InstanceAddr:
        assert self.resource is not None
        return InstanceAddr(self.resource, self.key)


def _module_contains(prefix: ModulePath, path: ModulePath) -> bool:
    if len(prefix) > len(path):
        return False
    for i, ((name, key), (pname, pkey)) in enumerate(zip(prefix, path, strict=False)):
        if name != pname:
            return False
        if i == len(prefix) - 1 and key is None:
            return True
        if key != pkey:
            return False
    return True


def parse_target(text: str) -> Target:
    """Raises AddrError with a message fit for the user."""
    try:
        inst = parse_instance(text)
    except AddrError:
        if not text.strip().startswith("module."):
            raise
        return Target(text, parse_module(text.strip()), None)
    return Target(text, inst.module, inst.resource, inst.key, inst.key is not None)


def _targets(texts: Sequence[str], diags: list[Diagnostic]) -> list[Target]:
    out = []
    for t in texts:
        try:
            out.append(parse_target(t))
        except AddrError as exc:
            diags.append(error("Invalid address", str(exc)))
    return out


def _prepare(backend: Backend, texts: Sequence[str]) -> tuple[list[Target], list[Diagnostic]]:
    """The addresses parsed, and a state to read; or why not."""
    diags: list[Diagnostic] = []
    targets = _targets(texts, diags)
    if not diags and not backend.exists():
        diags.append(_no_state(backend))
    return targets, diags


def _fail(diags: Sequence[Diagnostic]) -> int:
    print_diagnostics(diags)
    return 1


def _no_state(backend: Backend) -> Diagnostic:
    where = getattr(backend, "where", None) or getattr(backend, "path", None)
    local = getattr(backend, "kind", "local") == "local"
    return error("No state file was found!",
                 f"State management commands require a state, and there is none at "
                 f"{where}. Run this command in a directory where govctl has been run"
                 + (", or point it at the state with -state." if local else
                    " (and the workspace that holds the state selected)."))


def _no_match(target: Target) -> Diagnostic:
    return error("Invalid target address",
                 f'No matching objects found for "{target.text}". To view the available '
                 'instances, use "govctl state list". Please modify the address to reference '
                 "a specific instance.")


# --- state list / show ---------------------------------------------------------

def state_list(backend: Backend, addresses: Sequence[str] = ()) -> int:
    """Every instance address, or those within the given addresses, one a line."""
    targets, diags = _prepare(backend, addresses)
    if diags:
        return _fail(diags)
    try:
        state = backend.read()
    except DiagnosticError as exc:
        return _fail(exc.diagnostics)
    for addr, _, _ in state.instances():
        if not targets or any(t.contains(addr) for t in targets):
            print(addr)
    return 0


def state_show(backend: Backend, addr: str) -> int:
    """One instance's attributes in HCL-like form; sensitive ones redacted."""
    targets, diags = _prepare(backend, [addr])
    if diags:
        return _fail(diags)
    target = targets[0]
    try:
        state = backend.read()
    except DiagnosticError as exc:
        return _fail(exc.diagnostics)
    inst = state.instance(target.instance) if target.resource is not None else None
    if inst is None:
        return _fail([error(
            "No instance found for the given address!",
            "This command requires that the address references one specific instance. To "
            'view the available instances, use "govctl state list". Please modify the '
            "address to reference a specific instance.")])
    res = target.instance.resource
    head = f"# {target.instance}:" + (" (tainted)" if inst.tainted else "")
    kind = "data" if res.mode == "data" else "resource"
    sensitive = {tuple(p) for p in inst.sensitive_paths}
    print(head)
    print(f'{kind} "{res.type}" "{res.name}" ' + _object(inst.attributes, (), sensitive, 0))
    return 0


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
_INDENT = "    "


def _object(obj: dict[str, Any], path: tuple[Any, ...], sensitive: set[tuple[Any, ...]],
            level: int) -> str:
    items = [(k, v) for k, v in sorted(obj.items()) if v is not None]
    if not items:
        return "{}"
    names = {k: k if _IDENT.match(k) else _quote(k) for k, _ in items}
    width = max(len(n) for n in names.values())
    pad = _INDENT * (level + 1)
    lines = [f"{pad}{names[k].ljust(width)} = {_value(v, (*path, k), sensitive, level + 1)}"
             for k, v in items]
    return "{\n" + "\n".join(lines) + "\n" + _INDENT * level + "}"


def _value(v: Any, path: tuple[Any, ...], sensitive: set[tuple[Any, ...]], level: int) -> str:
    if path in sensitive:
        return "(sensitive value)"
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | Decimal | float):
        return _number(v)
    if isinstance(v, str):
        return _string(v, level)
    if isinstance(v, dict):
        return _object(v, path, sensitive, level)
    if isinstance(v, list | tuple):
        if not v:
            return "[]"
        pad = _INDENT * (level + 1)
        items = "".join(f"{pad}{_value(e, (*path, i), sensitive, level + 1)},\n"
                        for i, e in enumerate(v))
        return f"[\n{items}{_INDENT * level}]"
    return _quote(str(v))


def _number(n: int | Decimal | float) -> str:
    from govctl.lang.values import format_number

    if isinstance(n, float):
        n = Decimal(repr(n))
    return format_number(n)


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _quote(s: str) -> str:
    body = "".join(_ESCAPES.get(c, c) for c in s)
    return '"' + body.replace("${", "$${").replace("%{", "%%{") + '"'


def _string(s: str, level: int) -> str:
    if "\n" not in s[:-1]:
        return _quote(s)
    pad = _INDENT * (level + 1)
    body = "".join(pad + line + "\n" if line else "\n" for line in s.rstrip("\n").split("\n"))
    return f"<<-EOT\n{body}{_INDENT * level}EOT"


def _locked(backend: Backend, operation: str, timeout: float,
            lock: bool) -> AbstractContextManager[Any]:
    """The state lock, or nothing when the user passed -lock=false."""
    return backend.lock(operation, timeout) if lock else nullcontext()


# --- state rm / mv -------------------------------------------------------------

def state_rm(backend: Backend, addrs: Sequence[str], lock_timeout: float = 0.0,
             lock: bool = True) -> int:
    """Forget instances (the cloud objects stay). All addresses must match, or
    nothing is removed."""
    targets, diags = _prepare(backend, addrs)
    if diags:
        return _fail(diags)
    try:
        with _locked(backend, "state rm", lock_timeout, lock):
            state = backend.read()
            removed: dict[InstanceAddr, None] = {}
            for t in targets:
                found = [a for a, _, _ in state.instances() if t.contains(a)]
                if not found:
                    diags.append(_no_match(t))
                removed.update(dict.fromkeys(found))
            if diags:
                return _fail(diags)
            for a in removed:
                state.remove_instance(a)
            backend.write(state)
    except DiagnosticError as exc:
        return _fail(exc.diagnostics)
    for a in removed:
        print(f"Removed {a}")
    print(f"Successfully removed {len(removed)} resource instance(s).")
    return 0


def state_mv(backend: Backend, src: str, dst: str, lock_timeout: float = 0.0,
             lock: bool = True) -> int:
    """Move an instance, a resource or a module to another address; refuses to
    overwrite anything there."""
    targets, diags = _prepare(backend, [src, dst])
    if diags:
        return _fail(diags)
    s, d = targets
    try:
        with _locked(backend, "state mv", lock_timeout, lock):
            state = backend.read()
            moved = _move(state, s, d)
            backend.write(state)
    except DiagnosticError as exc:
        return _fail(exc.diagnostics)
    print(f'Move "{s.text}" to "{d.text}"')
    print(f"Successfully moved {moved} object(s).")
    return 0


def _bad_move(s: Target, d: Target, why: str) -> DiagnosticError:
    return DiagnosticError([error("Invalid state move request",
                                  f'Cannot move "{s.text}" to "{d.text}": {why}')])


def _move(state: State, s: Target, d: Target) -> int:
    """Do the move in `state`; returns how many instances moved."""
    if (s.resource is None) != (d.resource is None):
        raise _bad_move(s, d, "a module moves only to a module address, and a resource or "
                        "instance only to a resource or instance address.")
    if s.resource is None:
        return _move_module(state, s, d)
    assert d.resource is not None
    if (s.resource.mode, s.resource.type) != (d.resource.mode, d.resource.type):
        raise _bad_move(s, d, "the resource types do not match.")
    rs = state.resources.get(s.resource)
    if rs is None or (s.has_key and s.key not in rs.instances):
        raise DiagnosticError([_no_match(s)])
    if not s.has_key and not d.has_key:
        if s.resource == d.resource:
            raise _bad_move(s, d, "the source and the destination are the same.")
        if d.resource in state.resources:
            raise _bad_move(s, d, f"{d.resource} already exists in the state.")
        _rename_resources(state, {s.resource: d.resource})
        return len(rs.instances)
    if not s.has_key and set(rs.instances) != {None}:
        raise _bad_move(s, d, f"{s.resource} has several instances; move them one at a "
                        "time by their keys.")
    src, dst = s.instance, d.instance
    if src == dst:
        raise _bad_move(s, d, "the source and the destination are the same.")
    if state.instance(dst) is not None:
        raise _bad_move(s, d, f"{dst} already exists in the state.")
    target = state.resources.get(dst.resource)
    if target is not None:
        if target.provider != rs.provider:
            raise _bad_move(s, d, f"{dst.resource} is managed by {target.provider}, not "
                            f"{rs.provider}.")
        others = [k for k in target.instances if not (target is rs and k == src.key)]
        if others and _key_kind(others[0]) != _key_kind(dst.key):
            raise _bad_move(s, d, f"{dst.resource} would mix instance keys of different "
                            "kinds (none, count indexes, for_each keys).")
    provider = rs.provider
    inst = state.remove_instance(src)
    assert inst is not None
    state.set_instance(dst, provider, inst)
    return 1


def _key_kind(key: Key) -> str:
    return "none" if key is None else "int" if isinstance(key, int) else "str"


def _move_module(state: State, s: Target, d: Target) -> int:
    src, dst = s.module, d.module
    if dst[:len(src)] == src:
        raise _bad_move(s, d, "a module cannot move into itself.")
    moving = [r for r in state.resources if r.module[:len(src)] == src]
    if not moving:
        raise DiagnosticError([_no_match(s)])
    taken = [r for r in state.resources if r.module[:len(dst)] == dst]
    if taken:
        raise _bad_move(s, d, f"{module_str(dst)} already has resources in the state "
                        f"(such as {taken[0]}).")
    renames = {r: ResourceAddr(dst + r.module[len(src):], r.mode, r.type, r.name)
               for r in moving}
    _rename_resources(state, renames)
    return sum(len(state.resources[n].instances) for n in renames.values())


def _rename_resources(state: State, renames: dict[ResourceAddr, ResourceAddr]) -> None:
    """Move whole resources, and point other instances' dependencies at the new names."""
    for old, new in renames.items():
        rs = state.resources.pop(old)
        rs.addr = new
        state.resources[new] = rs
    texts = {str(o): str(n) for o, n in renames.items()}
    for _, _, inst in state.instances():
        inst.dependencies = [texts.get(dep, dep) for dep in inst.dependencies]


# --- output ------------------------------------------------------------------------

def output(backend: Backend, name: str | None = None, json: bool = False,
           raw: bool = False) -> int:
    """As `terraform output`: all outputs or one; -json includes sensitive values,
    -raw prints one string, number or bool as it is, plain text hides secrets."""
    if json and raw:
        return _fail([error("Invalid options", "The -raw and -json options are mutually "
                            "exclusive.")])
    if raw and name is None:
        return _fail([error("Output name required",
                            "The -raw option requires a single output name.")])
    try:
        state = backend.read()
    except DiagnosticError as exc:
        return _fail(exc.diagnostics)
    if name is None:
        return _all_outputs(state, json)
    out = state.outputs.get(name)
    if out is None:
        return _fail([error(
            f'Output "{name}" not found',
            "The output variable requested could not be found in the state file. If you "
            "recently added this to your configuration, be sure to run `govctl apply`, since "
            "the state won't be updated with new output variables until that command is "
            "run.")])
    if json:
        print(encode(out.value))
    elif raw:
        text = _raw(name, out.value, out.type)
        if isinstance(text, Diagnostic):
            return _fail([text])
        print(text, end="")
    else:
        print("<sensitive>" if out.sensitive else _render(out.value, out.type))
    return 0


def _all_outputs(state: State, json: bool) -> int:
    names = sorted(state.outputs)
    if json:
        print(encode(Fixed((n, Fixed(sensitive=state.outputs[n].sensitive,
                                     type=state.outputs[n].type,
                                     value=state.outputs[n].value)) for n in names)))
        return 0
    if not names:
        print_diagnostics([warning(
            "No outputs found",
            "The state file either has no outputs defined, or all the defined outputs are "
            "empty. Please define an output in your configuration with the `output` keyword "
            "and run `govctl apply` for it to become available.")])
        return 0
    print("\n".join(output_lines(state)))
    return 0


def output_lines(state: State) -> list[str]:
    """`name = value` per output, sorted, secrets as <sensitive>: what `govctl
    output` prints and what apply prints under "Outputs:", as Terraform does."""
    return [f"{n} = {'<sensitive>' if o.sensitive else _render(o.value, o.type)}"
            for n, o in sorted(state.outputs.items())]


def _raw(name: str, value: Any, type_json: Any) -> str | Diagnostic:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal | float):
        return _number(value)
    if isinstance(value, str):
        return value
    what = "null" if value is None else _lang_type(type_json, value).friendly()
    return error("Unsupported value for raw output",
                 f"The -raw option only supports strings, numbers, and boolean values, but "
                 f'output value "{name}" is {what}.\n\nUse the -json option for '
                 "machine-readable representations of output values that have complex types.")


def _lang_type(t: Any, value: Any) -> Any:
    """Terraform's JSON type notation -> a govctl.lang type (from the value when
    the notation is not recognised)."""
    from govctl.lang import types as T
    from govctl.lang.values import from_python

    known = T.from_json(t)
    if known is not None:
        return known
    return from_python(value).type if value is not None else T.DYNAMIC


def _typed(v: Any, t: Any) -> Any:
    """A govctl.lang Value of type `t` holding plain `v` (from_python where they disagree)."""
    from govctl.lang import types as T
    from govctl.lang import values as V

    if v is None:
        return V.null(t)
    if isinstance(t, T.ListType | T.SetType) and isinstance(v, list):
        return V.Value(t, tuple(_typed(e, t.elem) for e in v))
    if isinstance(t, T.MapType) and isinstance(v, dict):
        return V.Value(t, {k: _typed(v[k], t.elem) for k in sorted(v)})
    if isinstance(t, T.TupleType) and isinstance(v, list) and len(v) == len(t.elems):
        return V.Value(t, tuple(_typed(e, et) for e, et in zip(v, t.elems, strict=True)))
    if isinstance(t, T.ObjectType) and isinstance(v, dict) and set(v) == set(t.attrs):
        return V.Value(t, {k: _typed(v[k], at) for k, at in t.attrs.items()})
    return V.from_python(v)


def _render(value: Any, type_json: Any) -> str:
    from govctl.render.hcl_value import render

    return str(render(_typed(value, _lang_type(type_json, value))))


# --- state pull / push --------------------------------------------------------------

def state_pull(backend: Backend) -> int:
    """The current state as the state file's JSON on stdout (nothing when there is
    none, as Terraform). Encoded from read() rather than copied, so a journal left
    by a crashed run is included, and another backend only has to read()."""
    import sys

    from govctl.state import statefile

    if not backend.exists():
        return 0
    try:
        state = backend.read()
    except DiagnosticError as exc:
        return _fail(exc.diagnostics)
    sys.stdout.flush()
    sys.stdout.buffer.write(statefile.dumps(state))
    sys.stdout.buffer.flush()
    return 0


def state_push(backend: Backend, file: Any, force: bool = False,
               lock_timeout: float = 0.0) -> int:
    """Replace the state with `file`'s, under the lock. Terraform's rules: another
    lineage, an older serial, or the same serial with other content is refused
    unless `force`; the file must be a valid state, or nothing is touched."""
    from pathlib import Path

    from govctl.state import statefile

    path = Path(file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _fail([error("Cannot read the state to push", f"{path}: {exc.strerror}.")])
    try:
        new = statefile.loads(data, str(path))
        with backend.lock("state push", lock_timeout):
            old = backend.read() if backend.exists() else None
            if old is not None and not force:
                _check_push(old, new, path)
            _replace_state(backend, old, new)
    except DiagnosticError as exc:
        return _fail(exc.diagnostics)
    return 0


def _check_push(old: State, new: State, path: Any) -> None:
    if old.lineage != new.lineage:
        raise DiagnosticError([error(
            "Failed to write state",
            f"Cannot push {path}: it has lineage {new.lineage}, but the current state has "
            f"lineage {old.lineage}. They are histories of different infrastructure; pass "
            "-force to replace the state anyway.")])
    if new.serial < old.serial or (new.serial == old.serial and not old.equal_content(new)):
        what = "an older serial" if new.serial < old.serial else "the same serial"
        raise DiagnosticError([error(
            "Failed to write state",
            f"Cannot push {path}: its serial {new.serial} is {what} than the current "
            f"state's serial {old.serial}"
            + (" with other content" if new.serial == old.serial else "")
            + ". Pushing it would undo changes; pass -force to replace the state anyway.")])


def _replace_state(backend: Backend, old: State | None, new: State) -> None:
    """Write `new` as the successor of `old` through the backend's write path
    (atomic, old file kept as the backup); a forced push of another lineage takes
    over the lineage, which write() refuses by design."""
    if old is None or old.lineage == new.lineage:
        if old is not None:
            new.serial = max(new.serial, old.serial)    # forced older: becomes the next
        backend.write(new)
        return
    backend.replace_history(new)


# --- state rekey -----------------------------------------------------------------

def state_rekey(backend: Backend, lock_timeout: float = 0.0) -> int:
    """Write the state again with the configuration's primary encryption method:
    after a key change (the old key kept as the fallback), or to encrypt a state
    read through an `unencrypted` fallback. Afterwards the fallback can go."""
    codec = getattr(backend, "codec", None)
    if codec is None:
        return _fail([error("No state encryption configured",
                            "state rekey writes the state with the encryption block's state "
                            "method; this configuration has none.")])
    try:
        with backend.lock("state rekey", lock_timeout):
            state = backend.read()
            backend.rewrite(state)      # type: ignore[attr-defined]
    except DiagnosticError as exc:
        return _fail(exc.diagnostics)
    print(f"The state at {backend.where} is now encrypted with {codec.method.id} "  # type: ignore[attr-defined]
          f"(serial {state.serial}).")
    return 0


# --- force-unlock --------------------------------------------------------------------

def force_unlock(backend: Backend, lock_id: str) -> int:
    """Remove a lock left by a crashed run (the caller has asked for confirmation)."""
    try:
        backend.force_unlock(lock_id)
    except DiagnosticError as exc:
        return _fail(exc.diagnostics)
    print("govctl state has been successfully unlocked!\n\n"
          "The state has been unlocked, and govctl commands should now be able to obtain a "
          "new lock on the state.")
    return 0


__all__ = ["Backend", "Target", "force_unlock", "output", "parse_target", "state_list",
           "state_pull", "state_push", "state_rekey",
           "state_mv", "state_rm", "state_show"]
