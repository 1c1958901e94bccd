"""Addresses of modules, resources and resource instances, as Terraform writes
them: `module.net["eu"].aws_s3_bucket.logs[0]`, `data.aws_iam_role.ci`.

Frozen and hashable: they key the graph, the plan and the state. `parse()`
and `str()` are exact inverses.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass

Key = int | str | None
ModulePath = tuple[tuple[str, Key], ...]   # (("net", "eu"), ("inner", None))

_NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
_KEY = r'\[(?:\d+|"(?:[^"\\]|\\.)*")\]'
_TOKEN = re.compile(rf'\.?(?P<name>{_NAME})|(?P<key>{_KEY})')


class AddrError(ValueError):
    """An address that does not parse; the message says what was expected."""


def key_str(key: Key) -> str:
    if key is None:
        return ""
    if isinstance(key, int):
        return f"[{key}]"
    return "[" + json.dumps(key) + "]"


def module_str(path: ModulePath) -> str:
    return ".".join(f"module.{name}{key_str(key)}" for name, key in path)


@dataclass(frozen=True, order=True)
class ResourceAddr:
    module: ModulePath
    mode: str            # "managed" or "data"
    type: str
    name: str

    def __str__(self) -> str:
        local = f"{'data.' if self.mode == 'data' else ''}{self.type}.{self.name}"
        prefix = module_str(self.module)
        return f"{prefix}.{local}" if prefix else local

    def instance(self, key: Key = None) -> InstanceAddr:
        return InstanceAddr(self, key)


@dataclass(frozen=True)
class InstanceAddr:
    resource: ResourceAddr
    key: Key = None

    def __str__(self) -> str:
        return f"{self.resource}{key_str(self.key)}"

    def __lt__(self, other: InstanceAddr) -> bool:
        return _sort_key(self) < _sort_key(other)

    @property
    def module(self) -> ModulePath:
        return self.resource.module

    @staticmethod
    def parse(text: str) -> InstanceAddr:
        return parse_instance(text)

    @functools.cached_property
    def config_node(self) -> str:
        """The resource in the configuration, without module or instance keys
        (`module.m.aws_s3_bucket.b`): the dependency graph's node name, and the
        form Terraform records dependencies in."""
        r = self.resource
        local = f"{'data.' if r.mode == 'data' else ''}{r.type}.{r.name}"
        return ".".join([*(f"module.{name}" for name, _ in r.module), local])


def _sort_key(a: InstanceAddr) -> tuple[object, ...]:
    k = a.key
    return (a.resource, 0 if k is None else 1 if isinstance(k, int) else 2,
            k if k is not None else 0)


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or (m.group("name") and pos > 0 and text[pos] != "."):
            raise AddrError(f'Invalid address "{text}": unexpected "{text[pos:pos + 10]}" '
                            f"at character {pos + 1}.")
        if pos == 0 and text.startswith("."):
            raise AddrError(f'Invalid address "{text}": it cannot start with a period.')
        out.append(("name", m.group("name")) if m.group("name") else ("key", m.group("key")))
        pos = m.end()
    return out


def _key(token: str) -> Key:
    inner = token[1:-1]
    return int(inner) if inner.isdigit() else json.loads(inner)


@functools.lru_cache(maxsize=1 << 16)
def parse_instance(text: str) -> InstanceAddr:
    """`[module.NAME[KEY].]...[data.]TYPE.NAME[KEY]` -> InstanceAddr. Cached:
    an apply parses each address several times (journal checks, the fold), and
    the result is immutable."""
    toks = _tokens(text.strip())
    module: list[tuple[str, Key]] = []
    i = 0
    while i < len(toks) and toks[i] == ("name", "module"):
        if i + 1 >= len(toks) or toks[i + 1][0] != "name":
            raise AddrError(f'Invalid address "{text}": "module" must be followed by a '
                            "module name.")
        name = toks[i + 1][1]
        key: Key = None
        i += 2
        if i < len(toks) and toks[i][0] == "key":
            key = _key(toks[i][1])
            i += 1
        module.append((name, key))
    mode = "managed"
    if i < len(toks) and toks[i] == ("name", "data"):
        mode = "data"
        i += 1
    rest = toks[i:]
    if len(rest) < 2 or rest[0][0] != "name" or rest[1][0] != "name":
        raise AddrError(f'Invalid address "{text}": a resource address is TYPE.NAME, '
                        'optionally with an index like [0] or ["key"], after any '
                        "module.NAME prefixes.")
    inst_key: Key = None
    if len(rest) == 3 and rest[2][0] == "key":
        inst_key = _key(rest[2][1])
    elif len(rest) > 2:
        raise AddrError(f'Invalid address "{text}": unexpected text after the resource name.')
    return InstanceAddr(ResourceAddr(tuple(module), mode, rest[0][1], rest[1][1]), inst_key)


def parse_resource(text: str) -> ResourceAddr:
    """A resource address without an instance key."""
    inst = parse_instance(text)
    if inst.key is not None:
        raise AddrError(f'Invalid address "{text}": a resource address has no instance key.')
    return inst.resource


__all__ = ["AddrError", "InstanceAddr", "Key", "ModulePath", "ResourceAddr", "key_str",
           "module_str", "parse_instance", "parse_resource"]
