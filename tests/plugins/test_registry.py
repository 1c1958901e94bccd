"""Version constraints, provider discovery through real entry points, and the
check of `required_providers` against what is installed."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from govctl.config.loader import load_config
from govctl.diagnostics import Diagnostic, Severity
from govctl.plugins import registry as R
from govctl.plugins.registry import (
    ConstraintError,
    Version,
    check_required,
    discover,
    installed,
    parse_constraints,
    pip_specifier,
    satisfies,
)
from govctl.plugins.testing import InMemoryProvider


def test_public_api():
    assert R.__all__ == sorted(R.__all__, key=lambda n: (not n.isupper(), n))
    assert set(R.__all__) == {"GROUP", "Constraint", "ConstraintError", "Discovered",
                              "Version", "check_required", "discover", "installed",
                              "parse_constraints", "pip_specifier", "satisfies"}


# --- constraints ------------------------------------------------------------------

@pytest.mark.parametrize(("version", "constraints", "expected"), [
    ("1.0.0", "", True),
    ("1.0.0", "1.0.0", True),
    ("1.0", "= 1.0.0", True),
    ("1.0.1", "= 1.0.0", False),
    ("1.0.1", "!= 1.0.0", True),
    ("1.0.0", "!=1.0.0", False),
    ("2.0.0", "> 1.9", True),
    ("1.9", "> 1.9", False),
    ("1.9", ">= 1.9", True),
    ("1.8.9", "< 1.9", True),
    ("1.9.0", "< 1.9", False),
    ("1.9.0", "<= 1.9", True),
    ("0.5", ">= 0.1, < 2.0", True),
    ("2.0.0", ">= 0.1, < 2.0", False),
    ("0.0.9", ">= 0.1, < 2.0", False),
    ("1.2.0", "~> 1.2", True),
    ("1.9.9", "~> 1.2", True),
    ("2.0.0", "~> 1.2", False),
    ("1.1.9", "~> 1.2", False),
    ("1.2.3", "~> 1.2.3", True),
    ("1.2.10", "~> 1.2.3", True),
    ("1.3.0", "~> 1.2.3", False),
    ("1.2.2", "~> 1.2.3", False),
    ("1.2.5", "~> 1.2.0", True),
    ("1.3", "~> 1.2.0", False),
    ("5.0", "~> 1", True),
    ("0.9", "~> 1", False),
    ("v1.2.3", "~> 1.2", True),
    ("1.2.3+build.5", "= 1.2.3", True),
    ("10.0.0", "> 9.0.0", True),
    # prereleases are chosen only by naming a prerelease of the same release
    ("1.0.0-beta1", ">= 0.1", False),
    ("1.0.0-beta1", "!= 0.5", False),
    ("1.0.0-beta1", "= 1.0.0-beta1", True),
    ("1.0.0rc1", ">= 1.0.0-rc0", True),
    ("1.0.0", ">= 1.0.0-beta", True),
    ("1.0.0-alpha", "< 1.0.0-beta", True),
    ("1.0.0-alpha.1", "< 1.0.0-alpha.beta", True),
    ("1.0.0-2", "< 1.0.0-10", True),
    ("1.1.0-beta", ">= 1.0.0-beta", False),
    ("1.2.0", "~> 1.2.0-beta", False),
])
def test_satisfies(version, constraints, expected):
    assert satisfies(version, constraints) is expected
    assert satisfies(Version.parse(version), parse_constraints(constraints)) is expected


@pytest.mark.parametrize("text", [">=", "=> 1.0", "== 1.0", "1.0,", ", 1.0", ">= 1.0 2.0",
                                  "~> x", "1..2", "latest", "> = 1", ">= 1.0-", "^1.2"])
def test_malformed_constraints(text):
    with pytest.raises(ConstraintError, match="Invalid version constraint") as exc:
        parse_constraints(text)
    assert "1.2.0" in str(exc.value) or "empty constraint" in str(exc.value)


def test_malformed_version():
    with pytest.raises(ConstraintError, match='"banana" is not a version number'):
        satisfies("banana", ">= 1.0")


def test_parse_keeps_operators_and_versions():
    cs = parse_constraints(">= 0.1, < 2.0,~>1.2.3, 4.0")
    assert [str(c) for c in cs] == [">= 0.1", "< 2.0", "~> 1.2.3", "= 4.0"]


@pytest.mark.parametrize(("text", "spec"), [
    (">= 0.1, < 2.0", ">=0.1,<2.0"), ("~> 1.2", "~=1.2"), ("~> 1", ">=1"),
    ("1.2", "==1.2"), ("!= 1.0", "!=1.0"), ("", ""),
])
def test_pip_specifier(text, spec):
    assert pip_specifier(parse_constraints(text)) == spec


# --- discovery through a real distribution on sys.path ----------------------------

PLUGINS = '''
from govctl.plugins.protocol import Provider, ProviderMeta, PlanResult


class Fake(Provider):
    meta = ProviderMeta("fakeone", "acme/fakeone", "1.2.0")

    def read(self, type_, state):
        return state

    def plan(self, type_, prior, proposed):
        return PlanResult(proposed)

    def apply(self, type_, prior, planned):
        return planned


class Other(Fake):
    meta = ProviderMeta("fakeone", "evil/fakeone", "9.9.9")


class Renamed(Fake):
    meta = ProviderMeta("fakerenamed", "acme/fakerenamed", "0.1.0")


class Abstract(Provider):
    meta = ProviderMeta("fakeabstract", "acme/fakeabstract", "0.1.0")


class NoMeta(Fake):
    meta = None


NOT_A_PROVIDER = 42
'''

DISTS = {
    "govctl_fakeplugins-1.0": [
        "fakeone = govctl_fake_plugins:Fake",
        "fakebroken = govctl_fake_broken:Provider",
        "fakemissing = govctl_fake_missing:X",
        "fakenotprov = govctl_fake_plugins:NOT_A_PROVIDER",
        "fakeabstract = govctl_fake_plugins:Abstract",
        "fakenometa = govctl_fake_plugins:NoMeta",
        "fakealias = govctl_fake_plugins:Renamed",
    ],
    "govctl_otherplugins-2.0": ["fakeone = govctl_fake_plugins:Other"],
}


@pytest.fixture
def fake_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    site = tmp_path / "site"
    site.mkdir()
    (site / "govctl_fake_plugins.py").write_text(PLUGINS)
    (site / "govctl_fake_broken.py").write_text("raise RuntimeError('boom at import')\n")
    (site / "govctl_fake_missing.py").write_text("import definitely_missing_module_xyz\n")
    for dist, lines in DISTS.items():
        info = site / f"{dist}.dist-info"
        info.mkdir()
        name, version = dist.split("-")
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\n"
                                       f"Version: {version}\n")
        (info / "entry_points.txt").write_text("[govctl.providers]\n" + "\n".join(lines))
    monkeypatch.syspath_prepend(str(site))
    yield site
    for mod in ("govctl_fake_plugins", "govctl_fake_broken", "govctl_fake_missing"):
        sys.modules.pop(mod, None)


def _about(diags: list[Diagnostic], word: str) -> list[Diagnostic]:
    return [d for d in diags if f'"{word}"' in d.detail]


def test_discovery_loads_providers_and_reports_broken_plugins(fake_site):
    found = discover()
    fake = found.providers["fakeone"]
    assert fake.meta.source == "acme/fakeone"           # the first distribution wins
    assert "govctl_fakeplugins 1.0" in found.origins["fakeone"]
    assert found.providers["fakerenamed"].meta.version == "0.1.0"
    for gone in ("fakebroken", "fakemissing", "fakenotprov", "fakeabstract", "fakenometa"):
        assert gone not in found.providers

    broken = _about(found.diagnostics, "fakebroken")
    assert [d.summary for d in broken] == ["Failed to load provider plugin"]
    assert "RuntimeError: boom at import" in broken[0].detail
    missing = _about(found.diagnostics, "fakemissing")[0]
    assert 'The Python module "definitely_missing_module_xyz" it needs is missing' in \
        missing.detail
    assert "reinstall govctl_fakeplugins" in missing.detail
    assert "not a subclass" in _about(found.diagnostics, "fakenotprov")[0].detail
    assert "does not implement apply, plan, read" in \
        _about(found.diagnostics, "fakeabstract")[0].detail
    assert "ProviderMeta" in _about(found.diagnostics, "fakenometa")[0].detail
    alias = _about(found.diagnostics, "fakealias")[0]
    assert (alias.severity, alias.summary) == (Severity.WARNING, "Provider name mismatch")
    dup = [d for d in found.diagnostics if d.summary == "Duplicate provider"]
    assert len(dup) == 1 and "govctl_otherplugins 2.0" in dup[0].detail
    assert all(d.range is None for d in found.diagnostics)


def test_installed_is_keyed_by_meta_name(fake_site):
    providers = installed()
    assert providers["fakeone"].meta.name == "fakeone"
    assert "fakealias" not in providers and "fakerenamed" in providers


def test_discovery_without_plugins_is_empty():
    assert discover("govctl.no-such-group") == R.Discovered()


# --- required_providers ----------------------------------------------------------

def _required(write_config, entries: str):
    directory = write_config({"main.hcl": textwrap.dedent(f"""
        govctl {{
          required_providers {{
        {textwrap.indent(textwrap.dedent(entries), "    ")}
          }}
        }}
    """)})
    module, diags = load_config(directory)
    assert diags == []
    text = (directory / "main.hcl").read_text()
    return module.settings.required_providers, text


def _line_col(text: str, needle: str) -> tuple[int, int]:
    offset = text.index(needle)
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def _start(d: Diagnostic) -> tuple[int, int]:
    assert d.range is not None
    return d.range.start.line, d.range.start.column


MEM = {"mem": InMemoryProvider}


def test_matching_provider_passes(write_config):
    required, _ = _required(write_config, """
        mem = { source = "GovCtl/Mem", version = "~> 0.1" }
    """)
    assert check_required(required, MEM) == []
    required, _ = _required(write_config, 'mem = ">= 0.1, < 1.0"')
    assert check_required(required, MEM) == []


def test_missing_provider_names_installed_and_how_to_install(write_config):
    required, text = _required(write_config, """
        aws = { source = "govctl/aws", version = ">= 1.0" }
        acme = { source = "acme/acme" }
    """)
    acme, aws = check_required(required, MEM)
    assert aws.summary == "Missing required provider"
    assert "Installed providers: mem 0.1.0 (govctl/mem)" in aws.detail
    assert 'pip install "govctl[aws]>=1.0"' in aws.detail
    assert _start(aws) == _line_col(text, "aws =")
    assert "pip install the Python package that provides acme/acme" in acme.detail
    assert "Installed providers: none" in check_required(required, {})[0].detail


def test_version_mismatch_names_both_versions(write_config):
    required, text = _required(write_config, """
        mem = { source = "govctl/mem", version = ">= 1.0" }
    """)
    (d,) = check_required(required, MEM)
    assert d.summary == "Incompatible provider version"
    assert 'Provider "mem" 0.1.0 is installed' in d.detail
    assert 'requires version ">= 1.0"' in d.detail
    assert 'pip install "govctl[mem]>=1.0"' in d.detail
    assert _start(d) == _line_col(text, '">= 1.0"')


def test_source_mismatch(write_config):
    required, text = _required(write_config, """
        mem = { source = "acme/mem" }
    """)
    (d,) = check_required(required, MEM)
    assert d.summary == "Provider source mismatch"
    assert '"acme/mem"' in d.detail and '"govctl/mem"' in d.detail
    assert _start(d) == _line_col(text, '"acme/mem"')


def test_invalid_constraint_is_reported_at_the_version(write_config):
    required, text = _required(write_config, """
        mem = { version = "=> 0.1" }
    """)
    (d,) = check_required(required, MEM)
    assert d.summary == "Invalid provider version constraint"
    assert _start(d) == _line_col(text, '"=> 0.1"')


def test_installed_provider_with_unparsable_version(write_config):
    class Odd(InMemoryProvider):
        meta = InMemoryProvider.meta.__class__("mem", "govctl/mem", "nightly")

    required, _ = _required(write_config, 'mem = ">= 0.1"')
    (d,) = check_required(required, {"mem": Odd})
    assert d.summary == "Invalid provider version"
    assert '"nightly"' in d.detail
