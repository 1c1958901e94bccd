"""An in-memory provider for engine tests and for provider authors.

It behaves as a small cloud would: objects have server-assigned ids, names
are unique per type, reads of deleted objects return None, renames force
replacement. Its "world" lives in process memory, or in a JSON file
(`storage`) so that several processes, including one killed mid-apply and
the run after it, see the same objects.

Failures are injected from Python, shared by every instance in the process:

    InMemoryProvider.inject(call="apply", nth=3)             # the 3rd apply fails
    InMemoryProvider.inject(call="create", name="x")          # creating "x" fails
    InMemoryProvider.inject(call="read", delay=0.1)           # every read is slow
    InMemoryProvider.reset()

or, for a subprocess, from the environment with the same fields as JSON:
`GOVCTL_MEM_FAIL='{"call": "apply", "nth": 3, "action": "kill"}'`; "kill"
makes the process SIGKILL itself once the call's effect is stored (crash
tests). `call` is a method name (configure, validate, read, plan, apply,
import, find, discover, read_data) or, for apply, create, update or delete.
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import json
import os
import signal
import tempfile
import threading
import time
import uuid
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel

from govctl import __version__
from govctl.plugins.protocol import (
    UNKNOWN,
    PlanResult,
    Provider,
    ProviderError,
    ProviderMeta,
    attribute,
)
from govctl.plugins.schema import schema_from_model

FAIL_ENV = "GOVCTL_MEM_FAIL"
# the calls a cloud provider makes over the network; planning and validation
# compute locally from the configuration and the prior state
_REMOTE_CALLS = frozenset({"read", "apply", "import", "find", "discover", "read_data"})
_ID_NAMESPACE = uuid.UUID("5b0d7b2e-3c43-4c55-9d0e-6d656d2d676f")

Obj = dict[str, Any]
Objects = list[Obj]


# --- schemas --------------------------------------------------------------------

class MemObject(BaseModel):
    """A named object with a value, tags and a secret."""

    name: str = attribute(force_new=True, description="Unique per type; renaming replaces.")
    value: str | None = attribute(None)
    tags: dict[str, str] | None = attribute(None)
    secret: str | None = attribute(None, sensitive=True)
    id: str | None = attribute(computed=True)
    arn: str | None = attribute(computed=True, description="Derived from the name.")


class MemPolicy(BaseModel):
    """A policy document (JSON text) attached to objects by id or name."""

    name: str = attribute(force_new=True)
    policy: str | None = attribute(None, description="A JSON object.")
    attached_to: list[str] | None = attribute(None)
    id: str | None = attribute(computed=True)


class MemLookup(BaseModel):
    """Data source: an existing mem_object by name."""

    name: str = attribute()
    id: str | None = attribute(computed=True)
    value: str | None = attribute(computed=True)


class MemConfig(BaseModel):
    storage: str | None = attribute(None, description="JSON file holding the world; "
                                    "process memory when unset.")
    latency_ms: float = attribute(0, description="Sleep this long in every call that would "
                                  "reach the cloud (read, apply, import, find, discover, "
                                  "read_data); plan and validate are local, as a real "
                                  "provider's are.")


# --- the world ------------------------------------------------------------------

Store = dict[str, dict[str, Obj]]     # type -> id -> object


class World:
    """The objects that exist "in the cloud". Also the test API for changes made
    outside govctl (drift): get, put, delete, list, find."""

    @contextlib.contextmanager
    def transaction(self, write: bool = False) -> Iterator[Store]:
        raise NotImplementedError
        yield {}

    def get(self, type_: str, id_: str) -> Obj | None:
        with self.transaction() as store:
            obj = store.get(type_, {}).get(id_)
            return _clone(obj) if obj is not None else None

    def put(self, type_: str, obj: Mapping[str, Any]) -> Obj:
        """Store `obj` (replacing the one with its id); an id is made from the
        name when it has none."""
        new = _clone(dict(obj))
        if not new.get("id"):
            new["id"] = object_id(type_, str(new.get("name")))
        with self.transaction(write=True) as store:
            store.setdefault(type_, {})[new["id"]] = new
        return _clone(new)

    def create(self, type_: str, obj: Obj) -> Obj:
        """Store a new object; names are unique per type, as in a real cloud."""
        with self.transaction(write=True) as store:
            objects = store.setdefault(type_, {})
            for other in objects.values():
                if other.get("name") == obj.get("name"):
                    raise ProviderError(f'a {type_} named "{obj.get("name")}" already exists '
                                        f'(id {other.get("id")})', attribute="name")
            objects[obj["id"]] = _clone(obj)
        return obj

    def delete(self, type_: str, id_: str) -> bool:
        with self.transaction(write=True) as store:
            return store.get(type_, {}).pop(id_, None) is not None

    def objects(self, type_: str) -> Objects:
        with self.transaction() as store:
            return [_clone(o) for _, o in sorted(store.get(type_, {}).items())]

    def find(self, type_: str, name: str) -> Obj | None:
        return next((o for o in self.objects(type_) if o.get("name") == name), None)

    def clear(self) -> None:
        with self.transaction(write=True) as store:
            store.clear()

    # last: inside the class body `list` would otherwise name this method
    def list(self, type_: str) -> Objects:
        return self.objects(type_)


_MEMORY: Store = {}
_MEMORY_LOCK = threading.RLock()
# type -> name -> ids of the objects of that name; None after any write but a
# create, rebuilt by the next create (see MemoryWorld.create)
_NAMES: dict[str, dict[Any, set[str]]] | None = None


class MemoryWorld(World):
    """One world per process, shared by every provider instance without storage."""

    @contextlib.contextmanager
    def transaction(self, write: bool = False) -> Iterator[Store]:
        global _NAMES
        with _MEMORY_LOCK:
            if write:
                _NAMES = None
            yield _MEMORY

    def create(self, type_: str, obj: Obj) -> Obj:
        """World.create with the names looked up in an index: checking a new name
        against every object of its type made an apply of N creates O(N^2)
        (seconds at 10,000 objects)."""
        global _NAMES
        with _MEMORY_LOCK:
            if _NAMES is None:
                _NAMES = {}
                for t, objects in _MEMORY.items():
                    for id_, o in objects.items():
                        _NAMES.setdefault(t, {}).setdefault(o.get("name"), set()).add(id_)
            named = _NAMES.setdefault(type_, {}).setdefault(obj.get("name"), set())
            objects = _MEMORY.setdefault(type_, {})
            if named:
                other = objects[min(named)]
                raise ProviderError(f'a {type_} named "{obj.get("name")}" already exists '
                                    f'(id {other.get("id")})', attribute="name")
            replaced = objects.get(obj["id"])
            if replaced is not None:        # put() gave another name this id
                _NAMES[type_].get(replaced.get("name"), set()).discard(obj["id"])
            objects[obj["id"]] = _clone(obj)
            named.add(obj["id"])
        return obj


class FileWorld(World):
    """A JSON file, read and rewritten whole under an exclusive fcntl lock on a
    sibling `.lock` file; written to a temporary file and renamed, so a reader
    (or a process killed mid-write) never sees a torn file."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)

    @contextlib.contextmanager
    def transaction(self, write: bool = False) -> Iterator[Store]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with open(lock_path, "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX if write else fcntl.LOCK_SH)
            try:
                store = self._load()
                yield store
                if write:
                    self._save(store)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _load(self) -> Store:
        try:
            text = self.path.read_text()
        except FileNotFoundError:
            return {}
        data = json.loads(text) if text.strip() else {}
        objects: Store = data.get("objects", {})
        return objects

    def _save(self, store: Store) -> None:
        fd, tmp = tempfile.mkstemp(prefix=self.path.name + ".", suffix=".tmp",
                                   dir=self.path.parent)
        try:
            with os.fdopen(fd, "w") as f:
                json.dump({"format": 1, "objects": store}, f, indent=1, sort_keys=True)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _clone(value: Any) -> Any:
    """A deep copy of JSON-like data (what objects hold): containers are copied,
    immutable leaves shared. copy.deepcopy's generality cost more than the
    provider's own work per call."""
    if isinstance(value, dict):
        return {k: _clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clone(v) for v in value]
    if value is None or value is UNKNOWN or isinstance(value, str | int | float):
        return value
    return copy.deepcopy(value)


def world(path: str | os.PathLike[str] | None = None) -> World:
    """The world a provider configured with `storage = path` sees (memory: None)."""
    return FileWorld(path) if path is not None else MemoryWorld()


def object_id(type_: str, name: str) -> str:
    """Uuid-like and deterministic per (type, name): tests can predict ids."""
    return str(uuid.uuid5(_ID_NAMESPACE, f"{type_}/{name}"))


# --- failure injection ----------------------------------------------------------

_ACTIONS = ("error", "kill", "delay")


@dataclass
class Rule:
    """Fires on matching calls: every one, or only the nth (counting from 1)."""

    call: str | None = None
    nth: int | None = None
    type_: str | None = None
    name: str | None = None
    error: str | None = None
    delay: float = 0.0
    action: str = "error"
    retryable: bool = False
    seen: int = 0

    def __post_init__(self) -> None:
        if self.action not in _ACTIONS:
            raise ValueError(f'action must be one of {", ".join(_ACTIONS)}, not '
                             f'"{self.action}"')
        if self.nth is not None and (not isinstance(self.nth, int) or self.nth < 1):
            raise ValueError(f"nth must be a whole number from 1, not {self.nth!r}")
        if not isinstance(self.delay, int | float) or self.delay < 0:
            raise ValueError(f"delay must be a number of seconds, not {self.delay!r}")

    def hit(self, calls: frozenset[str], type_: str | None, name: str | None) -> bool:
        """Count a matching call; True when the rule fires on it."""
        if self.call is not None and self.call not in calls:
            return False
        if self.type_ is not None and self.type_ != type_:
            return False
        if self.name is not None and self.name != name:
            return False
        self.seen += 1
        return self.nth is None or self.seen == self.nth


_RULE_KEYS = ({f.name for f in fields(Rule)} - {"seen"}) | {"type"}


def parse_fail_env(text: str) -> list[Rule]:
    """The rules in GOVCTL_MEM_FAIL: one JSON object, or a list of them."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{FAIL_ENV} is not JSON: {exc}") from None
    items = data if isinstance(data, list) else [data]
    rules = []
    for item in items:
        if not isinstance(item, dict):
            raise ValueError(f"{FAIL_ENV} must hold an object or a list of objects")
        unknown = set(item) - _RULE_KEYS
        if unknown:
            raise ValueError(f"{FAIL_ENV}: unknown field(s) {', '.join(sorted(unknown))}; "
                             f"expected {', '.join(sorted(_RULE_KEYS))}")
        args = dict(item)
        if "type" in args:
            args["type_"] = args.pop("type")
        if "action" not in args:
            args["action"] = _default_action(args.get("error"), args.get("delay", 0.0))
        rules.append(Rule(**args))
    return rules


def _default_action(error: str | None, delay: float) -> str:
    return "delay" if delay and error is None else "error"


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


# --- the provider ---------------------------------------------------------------

class InMemoryProvider(Provider):
    meta = ProviderMeta("mem", "govctl/mem", __version__)
    config_schema = MemConfig
    resources = {"mem_object": MemObject, "mem_policy": MemPolicy}
    data_sources = {"mem_lookup": MemLookup}

    # shared by every instance in the process (class level), cleared by reset()
    calls: ClassVar[list[tuple[str, str | None, str | None]]] = []
    _rules: ClassVar[list[Rule]] = []
    _env: ClassVar[tuple[str, list[Rule]] | None] = None
    _lock: ClassVar[threading.Lock] = threading.Lock()
    _wire: ClassVar[list[int]] = [0, 0]     # calls on the wire now, and the most at once

    def __init__(self, storage: str | os.PathLike[str] | None = None,
                 latency_ms: float = 0) -> None:
        self.storage = storage
        self.world = world(storage)
        self.latency = latency_ms / 1000

    # --- failure injection API ------------------------------------------------
    @classmethod
    def inject(cls, call: str | None = None, nth: int | None = None, type_: str | None = None,
               name: str | None = None, error: str | None = None, delay: float = 0.0,
               action: str | None = None, retryable: bool = False) -> Rule:
        """Register a rule; without `error` and with a `delay` it only slows calls."""
        rule = Rule(call, nth, type_, name, error, delay,
                    action or _default_action(error, delay), retryable)
        with cls._lock:
            cls._rules.append(rule)
        return rule

    @classmethod
    def reset(cls) -> None:
        """Forget rules, their counts, the call log and the in-memory world."""
        with cls._lock:
            cls._rules.clear()
            cls.calls.clear()
            cls._env = None
            cls._wire[:] = [0, 0]
        MemoryWorld().clear()

    @classmethod
    def peak_concurrency(cls) -> int:
        """The most calls that were on the wire at once (waiting out latency_ms or
        an injected delay) since reset(): what -parallelism must bound."""
        with cls._lock:
            return cls._wire[1]

    @contextlib.contextmanager
    def _on_the_wire(self) -> Iterator[None]:
        wire = type(self)._wire
        with self._lock:
            wire[0] += 1
            wire[1] = max(wire[1], wire[0])
        try:
            yield
        finally:
            with self._lock:
                wire[0] -= 1

    def _enter(self, call: str, type_: str | None, name: Any, *also: str) -> bool:
        """Log the call, apply latency and injected rules; True: kill after the effect."""
        if self.latency and call in _REMOTE_CALLS:
            with self._on_the_wire():
                time.sleep(self.latency)
        name = name if isinstance(name, str) else None
        names = frozenset((call, *also))
        with self._lock:
            self.calls.append((call if not also else also[0], type_, name))
            fired = [r for r in [*self._rules, *self._env_rules()]
                     if r.hit(names, type_, name)]
        kill = False
        delay = sum(rule.delay for rule in fired)
        if delay:
            with self._on_the_wire():
                time.sleep(delay)
        for rule in fired:
            if rule.action == "error":
                what = " ".join(str(p) for p in (also[0] if also else call, type_, name) if p)
                raise ProviderError(rule.error or f"injected failure: {what}",
                                    retryable=rule.retryable)
            kill = kill or rule.action == "kill"
        return kill

    @classmethod
    def _env_rules(cls) -> list[Rule]:
        text = os.environ.get(FAIL_ENV, "")
        if cls._env is None or cls._env[0] != text:
            try:
                cls._env = (text, parse_fail_env(text) if text.strip() else [])
            except (ValueError, TypeError) as exc:
                raise ProviderError(str(exc)) from None
        return cls._env[1]

    # --- helpers ------------------------------------------------------------------
    def _model(self, type_: str) -> type[BaseModel]:
        model = self.resources.get(type_) or self.data_sources.get(type_)
        if model is None:
            raise ProviderError(f'the "mem" provider has no type "{type_}"')
        return model

    def _shape(self, type_: str, data: Mapping[str, Any]) -> Obj:
        """Exactly the schema's attributes (missing ones None), deep-copied."""
        schema = schema_from_model(self._model(type_))
        extra = set(data) - set(schema.attributes)
        if extra:
            raise ProviderError(f"{type_} has no attribute {', '.join(sorted(extra))}",
                                attribute=sorted(extra)[0])
        return {n: _clone(data.get(n)) for n in schema.attributes}

    def _computed(self, type_: str) -> set[str]:
        schema = schema_from_model(self._model(type_))
        return {n for n, a in schema.attributes.items() if a.computed}

    def _derived(self, type_: str, obj: Obj) -> Obj:
        if type_ == "mem_object":
            obj["arn"] = f"arn:mem:object/{obj['name']}"
        return obj

    # --- the protocol -------------------------------------------------------------
    def configure(self, config: dict[str, Any]) -> None:
        kill = self._enter("configure", None, None)
        storage, latency = config.get("storage"), config.get("latency_ms") or 0
        if storage is UNKNOWN or latency is UNKNOWN:
            raise ProviderError("the mem provider configuration must be known before apply")
        for problem in self.validate_config(config):
            raise problem
        self.storage = storage
        self.world = world(storage)
        self.latency = float(latency) / 1000
        if kill:
            _die()

    def validate_config(self, config: dict[str, Any]) -> list[ProviderError]:
        latency = config.get("latency_ms")
        if latency is not None and latency is not UNKNOWN and float(latency) < 0:
            return [ProviderError("latency_ms must not be negative", attribute="latency_ms")]
        return []

    def validate(self, type_: str, config: dict[str, Any]) -> list[ProviderError]:
        kill = self._enter("validate", type_, config.get("name"))
        self._model(type_)
        out = []
        if config.get("name") == "":
            out.append(ProviderError("name must not be empty", attribute="name"))
        policy = config.get("policy")
        if type_ == "mem_policy" and isinstance(policy, str):
            try:
                doc = json.loads(policy)
            except json.JSONDecodeError as exc:
                out.append(ProviderError(f"policy is not valid JSON: {exc}",
                                         attribute="policy"))
            else:
                if not isinstance(doc, dict):
                    out.append(ProviderError("policy must be a JSON object",
                                             attribute="policy"))
        if kill:
            _die()
        return out

    def read(self, type_: str, state: dict[str, Any]) -> dict[str, Any] | None:
        kill = self._enter("read", type_, state.get("name"))
        self._model(type_)
        id_ = state.get("id")
        obj = self.world.get(type_, id_) if isinstance(id_, str) else None
        if kill:
            _die()
        return self._shape(type_, obj) if obj is not None else None

    def plan(self, type_: str, prior: dict[str, Any] | None,
             proposed: dict[str, Any]) -> PlanResult:
        kill = self._enter("plan", type_, proposed.get("name"))
        schema = schema_from_model(self._model(type_))
        planned = self._shape(type_, proposed)
        computed = [n for n, a in schema.attributes.items() if a.computed]
        replace: set[str] = set()
        if prior is not None:
            replace = {n for n, a in schema.attributes.items()
                       if a.force_new and (proposed.get(n) is UNKNOWN
                                           or proposed.get(n) != prior.get(n))}
        for n in computed:
            planned[n] = UNKNOWN if prior is None or replace else prior.get(n)
        if kill:
            _die()
        return PlanResult(planned, replace)

    def apply(self, type_: str, prior: dict[str, Any] | None,
              planned: dict[str, Any] | None) -> dict[str, Any] | None:
        op = "delete" if planned is None else "create" if prior is None else "update"
        source = planned if planned is not None else prior or {}
        kill = self._enter("apply", type_, source.get("name"), op)
        self._model(type_)
        result: Obj | None = None
        if planned is None:
            assert prior is not None
            if isinstance(prior.get("id"), str):
                self.world.delete(type_, prior["id"])
        else:
            obj = self._shape(type_, planned)
            _require_known(type_, obj, self._computed(type_))
            if prior is None:
                obj["id"] = object_id(type_, obj["name"])
                result = self.world.create(type_, self._derived(type_, obj))
            else:
                result = self._update(type_, prior, obj)
        if kill:
            _die()
        return result       # the caller's own: create and put keep a copy of their own

    def _update(self, type_: str, prior: Obj, obj: Obj) -> Obj:
        current = self.world.get(type_, prior.get("id") or "")
        if current is None:
            raise ProviderError(f'{type_} "{prior.get("name")}" (id {prior.get("id")}) no '
                                "longer exists")
        schema = schema_from_model(self._model(type_))
        for n, a in schema.attributes.items():
            if a.force_new and obj[n] != current.get(n):
                raise ProviderError(f"{n} of {type_} cannot change in place; it must be "
                                    "replaced", attribute=n)
        for n, a in schema.attributes.items():
            if a.computed:
                obj[n] = current.get(n)
        return self.world.put(type_, obj)

    def read_data(self, type_: str, config: dict[str, Any]) -> dict[str, Any]:
        kill = self._enter("read_data", type_, config.get("name"))
        if type_ not in self.data_sources:
            raise ProviderError(f'the "mem" provider has no data source "{type_}"')
        name = config.get("name")
        found = self.world.find("mem_object", name) if isinstance(name, str) else None
        if found is None:
            raise ProviderError(f'no mem_object named "{name}" exists', attribute="name")
        if kill:
            _die()
        return {"name": name, "id": found["id"], "value": found.get("value")}

    def import_(self, type_: str, id_: str) -> dict[str, Any] | None:
        obj = self.world.get(type_, id_)
        kill = self._enter("import", type_, obj.get("name") if obj else None)
        self._model(type_)
        if kill:
            _die()
        return self._shape(type_, obj) if obj is not None else None

    def find(self, type_: str, planned: dict[str, Any]) -> dict[str, Any] | None:
        kill = self._enter("find", type_, planned.get("name"))
        self._model(type_)
        name = planned.get("name")
        obj = self.world.find(type_, name) if isinstance(name, str) else None
        if kill:
            _die()
        return self._shape(type_, obj) if obj is not None else None

    def discover(self, type_: str, known: Collection[str] = ()) -> Iterator[str]:
        kill = self._enter("discover", type_, None)
        self._model(type_)
        ids = [o["id"] for o in self.world.objects(type_)]
        if kill:
            _die()
        return iter(ids)

    def identity(self) -> dict[str, str] | None:
        # the mem "cloud" has no principals: the world it acts on identifies it
        return {"provider": "mem", "storage": str(self.storage) if self.storage else "memory"}


def _require_known(type_: str, planned: Mapping[str, Any], computed: set[str]) -> None:
    """Apply receives final configuration; an UNKNOWN left in it is an engine bug
    (computed attributes are the provider's to decide)."""
    def walk(v: Any, path: str) -> None:
        if v is UNKNOWN:
            raise ProviderError(f"{type_}: {path} is still unknown at apply",
                                attribute=path.split(".")[0])
        if isinstance(v, dict):
            for k, e in v.items():
                walk(e, f"{path}.{k}")
        elif isinstance(v, list):
            for i, e in enumerate(v):
                walk(e, f"{path}.{i}")

    for k, v in planned.items():
        if k not in computed:
            walk(v, k)


__all__ = ["FAIL_ENV", "FileWorld", "InMemoryProvider", "MemConfig", "MemLookup",
           "MemObject", "MemPolicy", "MemoryWorld", "Rule", "World", "object_id",
           "parse_fail_env", "world"]
