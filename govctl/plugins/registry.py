"""Finding installed providers, and checking them against `required_providers`.

Providers are Python packages that register a `Provider` subclass under the
`govctl.providers` entry point group; the core never imports one by name, so
the first-party providers are found exactly as a third-party one is. A plugin
that fails to import becomes a diagnostic, not a traceback: one broken
package must not stop a run that does not use it.

Version constraints follow Terraform's syntax and semantics (go-version):
`>= 0.1, < 2.0`, `~> 1.2` (>= 1.2, < 2.0), `~> 1.2.3` (>= 1.2.3, < 1.3.0),
and a prerelease version matches only a constraint naming a prerelease of
the same release.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from itertools import zip_longest

from govctl.config.model import RequiredProvider
from govctl.diagnostics import Diagnostic, Range, error, warning
from govctl.hcl import ast
from govctl.plugins.protocol import Provider, ProviderMeta

GROUP = "govctl.providers"


# --- versions and constraints -------------------------------------------------

class ConstraintError(ValueError):
    """A version or version constraint that does not parse; the message says why."""


_VERSION = re.compile(r"v?(?P<release>\d+(?:\.\d+)*)"
                      r"(?:-(?P<pre>[0-9A-Za-z][0-9A-Za-z.\-]*)"
                      r"|\.?(?P<pep>[A-Za-z][0-9A-Za-z.\-]*))?"
                      r"(?:\+[0-9A-Za-z.\-]+)?")


@dataclass(frozen=True)
class Version:
    """A release (any number of numeric parts) and an optional prerelease tag.

    Both semver (`1.2.0-beta.1`) and PEP 440 (`1.2.0rc1`) prerelease spellings
    are accepted, since provider versions are Python package versions."""

    release: tuple[int, ...]
    pre: str = ""

    @classmethod
    def parse(cls, text: str) -> Version:
        m = _VERSION.fullmatch(text.strip())
        if m is None:
            raise ConstraintError(f'"{text}" is not a version number; expected something like '
                                  "1.2.0")
        release = tuple(int(p) for p in m["release"].split("."))
        return cls(release, m["pre"] or m["pep"] or "")

    def __str__(self) -> str:
        text = ".".join(map(str, self.release))
        return f"{text}-{self.pre}" if self.pre else text

    def compare(self, other: Version) -> int:
        """-1, 0 or 1; missing release parts count as zero (1.2 == 1.2.0)."""
        for a, b in zip_longest(self.release, other.release, fillvalue=0):
            if a != b:
                return -1 if a < b else 1
        if self.pre == other.pre:
            return 0
        if not self.pre or not other.pre:
            return 1 if not self.pre else -1       # a release follows its prereleases
        return _compare_pre(self.pre, other.pre)


def _compare_pre(a: str, b: str) -> int:
    """Semver precedence of prerelease tags: numeric identifiers numerically."""
    for x, y in zip_longest(re.split(r"[.\-]", a), re.split(r"[.\-]", b)):
        if x is None or y is None:
            return -1 if x is None else 1
        if x == y:
            continue
        if x.isdigit() and y.isdigit():
            return -1 if int(x) < int(y) else 1
        if x.isdigit() != y.isdigit():
            return -1 if x.isdigit() else 1
        return -1 if x < y else 1
    return 0


_OPERATORS = ("~>", ">=", "<=", "!=", "=", ">", "<")
_CONSTRAINT = re.compile(r"(?P<op>~>|>=|<=|!=|=|>|<)?\s*(?P<version>\S+)")


@dataclass(frozen=True)
class Constraint:
    op: str
    version: Version

    def __str__(self) -> str:
        return f"{self.op} {self.version}"

    def allows(self, v: Version) -> bool:
        c = self.version
        if v.pre and (not c.pre or v.release != c.release):
            return False    # prereleases are chosen only by naming them
        if self.op == "~>":
            return _pessimistic(v, c)
        cmp = v.compare(c)
        return {"=": cmp == 0, "!=": cmp != 0, ">": cmp > 0, ">=": cmp >= 0,
                "<": cmp < 0, "<=": cmp <= 0}[self.op]


def _pessimistic(v: Version, c: Version) -> bool:
    """`~> 1.2.3`: at least 1.2.3, with every part but the last one given equal."""
    if v.compare(c) < 0 or (c.pre and not v.pre):
        return False
    fixed = c.release[:-1]
    have = (*v.release, *(0,) * max(0, len(c.release) - len(v.release)))
    return have[:len(fixed)] == fixed


def parse_constraints(text: str) -> list[Constraint]:
    """`">= 0.1, < 2.0"` -> constraints, all of which must hold; "" allows any version."""
    if not text.strip():
        return []
    out: list[Constraint] = []
    for part in text.split(","):
        m = _CONSTRAINT.fullmatch(part.strip())
        if not part.strip():
            raise ConstraintError(f'Invalid version constraint "{text}": an empty constraint '
                                  "between commas.")
        try:
            if m is None:
                raise ConstraintError(part)
            version = Version.parse(m["version"])
        except ConstraintError:
            raise ConstraintError(
                f'Invalid version constraint "{text}": "{part.strip()}" is not an operator '
                f"({', '.join(_OPERATORS[::-1])}) followed by a version such as 1.2.0."
            ) from None
        out.append(Constraint(m["op"] or "=", version))
    return out


def satisfies(version: str | Version, constraints: str | Sequence[Constraint]) -> bool:
    """Whether `version` meets every constraint; raises ConstraintError on bad input."""
    v = version if isinstance(version, Version) else Version.parse(version)
    cs = parse_constraints(constraints) if isinstance(constraints, str) else constraints
    return all(c.allows(v) for c in cs)


def pip_specifier(constraints: Sequence[Constraint]) -> str:
    """The same constraints as a PEP 440 specifier, for install hints."""
    parts = []
    for c in constraints:
        if c.op == "~>":
            parts.append(f"~={c.version}" if len(c.version.release) > 1 else f">={c.version}")
        elif c.op == "=":
            parts.append(f"=={c.version}")
        else:
            parts.append(f"{c.op}{c.version}")
    return ",".join(parts)


# --- discovery ------------------------------------------------------------------

@dataclass
class Discovered:
    """Every loadable provider by name, where each came from, and what went wrong."""

    providers: dict[str, type[Provider]] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def _origin(ep: EntryPoint) -> str:
    dist = ep.dist
    where = f"{dist.name} {dist.version}" if dist is not None else "an unknown distribution"
    return f"{ep.value} in {where}"


def discover(group: str = GROUP, only: Collection[str] | None = None) -> Discovered:
    """Load every entry point of `group` (or those registered under the names in
    `only`: importing a plugin can cost more than the check that needs it);
    one diagnostic per plugin that cannot be used."""
    found = Discovered()
    eps = sorted(entry_points(group=group),
                 key=lambda e: (e.name, e.dist.name if e.dist is not None else ""))
    for ep in eps:
        if only is not None and ep.name not in only:
            continue
        cls = _load(ep, found.diagnostics)
        if cls is None:
            continue
        name = cls.meta.name
        if name != ep.name:
            found.diagnostics.append(warning(
                "Provider name mismatch",
                f'The plugin registered as "{ep.name}" ({_origin(ep)}) calls itself "{name}"; '
                f'it is available as "{name}".'))
        prev = found.providers.get(name)
        if prev is cls:
            continue
        if prev is not None:
            found.diagnostics.append(error(
                "Duplicate provider",
                f'Two installed plugins provide "{name}": {found.origins[name]} and '
                f"{_origin(ep)}. The first is used; uninstall the other."))
            continue
        found.providers[name] = cls
        found.origins[name] = _origin(ep)
    return found


def _load(ep: EntryPoint, diags: list[Diagnostic]) -> type[Provider] | None:
    try:
        obj = ep.load()
    except Exception as exc:
        hint = ""
        if isinstance(exc, ModuleNotFoundError) and exc.name:
            dist = ep.dist.name if ep.dist is not None else ""
            hint = (f' The Python module "{exc.name}" it needs is missing: install it'
                    + (f' with pip install "govctl[{ep.name}]".' if dist == "govctl"
                       else f", or reinstall {dist or 'the plugin'} with its dependencies."))
        diags.append(error("Failed to load provider plugin",
                           f'The provider plugin "{ep.name}" ({_origin(ep)}) could not be '
                           f"loaded: {type(exc).__name__}: {exc}.{hint}"))
        return None
    problem = ""
    if not (isinstance(obj, type) and issubclass(obj, Provider)):
        problem = "it is not a subclass of govctl.plugins.protocol.Provider"
    elif not isinstance(getattr(obj, "meta", None), ProviderMeta):
        problem = "it has no `meta = ProviderMeta(...)`"
    elif inspect.isabstract(obj):
        missing = ", ".join(sorted(obj.__abstractmethods__))
        problem = f"it does not implement {missing}"
    if problem:
        diags.append(error("Invalid provider plugin",
                           f'The plugin registered as "{ep.name}" ({_origin(ep)}) cannot be '
                           f"used: {problem}."))
        return None
    return obj  # type: ignore[no-any-return]


def installed(only: Collection[str] | None = None) -> dict[str, type[Provider]]:
    """Installed providers by name; plugins that fail to load are left out
    (discover() reports why)."""
    return discover(only=only).providers


class LazyInstalled(Mapping[str, type[Provider]]):
    """Installed providers, each imported on first use by name: a run imports
    the plugins it uses, not every one installed (the AWS provider's import
    alone costs a quarter of a second). Iterating loads them all."""

    def __init__(self) -> None:
        self._loaded: dict[str, type[Provider] | None] = {}
        self._all: dict[str, type[Provider]] | None = None

    def __getitem__(self, name: str) -> type[Provider]:
        if self._all is not None:
            return self._all[name]
        if name not in self._loaded:
            self._loaded[name] = installed(only={name}).get(name)
        cls = self._loaded[name]
        if cls is None:
            raise KeyError(name)
        return cls

    def _everything(self) -> dict[str, type[Provider]]:
        if self._all is None:
            self._all = installed()
        return self._all

    def __iter__(self) -> Iterator[str]:
        return iter(self._everything())

    def __len__(self) -> int:
        return len(self._everything())


# --- required_providers ---------------------------------------------------------

def _norm_source(source: str) -> str:
    return source.strip().lower()


def _item_range(node: ast.Node, key: str) -> Range:
    """The range of `key = ...` inside a required_providers entry, else the entry."""
    expr = node.expr if isinstance(node, ast.Attribute) else node
    if isinstance(expr, ast.ObjectCons):
        for k, v in expr.items:
            if isinstance(k, ast.Literal) and k.value == key:
                return v.range
    if key == "version" and isinstance(expr, ast.Literal):
        return expr.range
    return node.range


def _listing(installed: Mapping[str, type[Provider]]) -> str:
    if not installed:
        return "none"
    return ", ".join(f"{n} {p.meta.version} ({p.meta.source})"
                     for n, p in sorted(installed.items()))


def _install_hint(req: RequiredProvider, constraints: Sequence[Constraint]) -> str:
    spec = pip_specifier(constraints)
    namespace, _, ptype = req.source.partition("/")
    if namespace.lower() == "govctl" and ptype:
        target = f"govctl[{ptype}]" if not spec else f"govctl[{ptype}]{spec}"
        return f'pip install "{target}"'
    return (f"pip install the Python package that provides {req.source}"
            + (f" (version {spec})" if spec else ""))


def check_required(required: Mapping[str, RequiredProvider],
                   installed: Mapping[str, type[Provider]]) -> list[Diagnostic]:
    """Each required provider installed, from the declared source, at an allowed version."""
    diags: list[Diagnostic] = []
    for name, req in sorted(required.items()):
        constraints: list[Constraint] = []
        if req.version:
            try:
                constraints = parse_constraints(req.version)
            except ConstraintError as exc:
                diags.append(error("Invalid provider version constraint", str(exc),
                                   _item_range(req.node, "version")))
        prov = installed.get(name)
        if prov is None:
            wanted = f'source "{req.source}"' + (f", version {req.version!r}"
                                                if req.version else "")
            diags.append(error(
                "Missing required provider",
                f'This configuration requires provider "{name}" ({wanted}), but it is not '
                f"installed. Installed providers: {_listing(installed)}. Providers are Python "
                'packages registering a "govctl.providers" entry point; install it into the '
                f"environment govctl runs from: {_install_hint(req, constraints)}.",
                req.node.range))
            continue
        meta = prov.meta
        if _norm_source(meta.source) != _norm_source(req.source):
            diags.append(error(
                "Provider source mismatch",
                f'This configuration requires "{name}" from source "{req.source}", but the '
                f'installed provider "{name}" is "{meta.source}" {meta.version}. Change the '
                "source, or install the provider it names.", _item_range(req.node, "source")))
        if not constraints:
            continue
        try:
            ok = satisfies(meta.version, constraints)
        except ConstraintError:
            diags.append(error(
                "Invalid provider version",
                f'The installed provider "{name}" reports version "{meta.version}", which is '
                "not a version number, so it cannot be checked against "
                f'"{req.version}".', _item_range(req.node, "version")))
            continue
        if not ok:
            diags.append(error(
                "Incompatible provider version",
                f'Provider "{name}" {meta.version} is installed, but this configuration '
                f'requires version "{req.version}". Install a matching version: '
                f"{_install_hint(req, constraints)}; or change the constraint.",
                _item_range(req.node, "version")))
    return diags


__all__ = ["GROUP", "Constraint", "ConstraintError", "Discovered", "Version",
           "check_required", "discover", "installed", "parse_constraints", "pip_specifier",
           "satisfies"]
