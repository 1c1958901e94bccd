"""Configured provider instances for a run, one per `provider` block (alias).

Providers are configured in the root module; child modules use the root's
configurations by name, as Terraform's implicit provider inheritance does.
A resource without a `provider` argument uses the default configuration of
its type's prefix (`aws_s3_bucket` -> `aws`), which need not be written out.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from govctl.config import model as m
from govctl.config.evaluate import ModuleEval
from govctl.config.schemas import PROVIDER_META, check_provider, provider_error_range
from govctl.diagnostics import Diagnostic, error
from govctl.plan.provider_errors import provider_message
from govctl.plugins.protocol import Provider


def state_name(source: str, alias: str | None) -> str:
    """Provider notation in state: provider["govctl/aws"] or provider["govctl/aws"].west."""
    base = f'provider["{source}"]'
    return f"{base}.{alias}" if alias else base


@dataclass
class ProviderSet:
    installed: Mapping[str, type[Provider]]
    root: m.Module
    instances: dict[str, Provider] = field(default_factory=dict)   # "aws" / "aws.west"
    diagnostics: list[Diagnostic] = field(default_factory=list)
    configured: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def configure(self, me: ModuleEval) -> None:
        """Evaluate and configure every provider block of the root module, once:
        a command that plans and then applies configures each provider one time
        (configuring can be a remote call, e.g. assuming a role)."""
        if self.configured:
            return
        self.configured = True
        for key, pc in self.root.providers.items():
            cls = self.installed.get(pc.name)
            if cls is None:
                self.diagnostics.append(_missing(pc.name, pc.block.def_range, self.installed))
                continue
            value = me.body.evaluate(pc.body, {}, skip=PROVIDER_META)
            problems = check_provider(cls, pc, value)
            if problems:    # the provider would get values its schema does not allow
                self.diagnostics.extend(problems)
                continue
            provider = cls()
            try:
                provider.configure(_plain_config(cls, value))
            except Exception as exc:  # a provider bug too: see provider_message
                self.diagnostics.append(error(f'Invalid provider configuration for "{key}"',
                                              provider_message(exc), provider_error_range(pc, exc)))
                continue
            self.instances[key] = provider

    def key_for(self, res: m.Resource) -> str:
        if res.provider is not None:
            name, alias = res.provider
            return f"{name}.{alias}" if alias else name
        return res.provider_name

    def get(self, key: str) -> Provider | None:
        """The configured instance; a default one is made on first use when the
        configuration has no provider block for it."""
        with self._lock:
            if key in self.instances:
                return self.instances[key]
            name, _, alias = key.partition(".")
            cls = self.installed.get(name)
            if cls is None or alias:
                return None
            provider = cls()
            try:
                provider.configure({})
            except Exception:  # a provider bug too: the provider is not available
                return None
            self.instances[key] = provider
            return provider

    def state_name(self, key: str) -> str:
        name, _, alias = key.partition(".")
        cls = self.installed.get(name)
        source = cls.meta.source if cls is not None else f"govctl/{name}"
        return state_name(source, alias or None)

    def key_from_state(self, provider: str) -> str:
        """provider["govctl/aws"].west -> aws.west (by the installed sources)."""
        source = provider.split('"')[1] if '"' in provider else provider
        alias = provider.rsplit("].", 1)[1] if "]." in provider else ""
        guess = source.rsplit("/", 1)[-1]       # govctl/aws -> aws: no scan of every plugin
        cls = self.installed.get(guess)
        if cls is not None and cls.meta.source == source:
            return f"{guess}.{alias}" if alias else guess
        for name, cls in self.installed.items():
            if cls.meta.source == source:
                return f"{name}.{alias}" if alias else name
        name = source.rsplit("/", 1)[-1]
        return f"{name}.{alias}" if alias else name


def _plain_config(cls: type[Provider], value: Any) -> dict[str, Any]:
    from govctl.plugins.schema import schema_from_model, to_provider

    if cls.config_schema is None:
        return {k: v.to_python() for k, v in value.items() if v.is_wholly_known()}
    data, _ = to_provider(schema_from_model(cls.config_schema), value)
    return data


def _missing(name: str, rng: Any, installed: Mapping[str, type[Provider]]) -> Diagnostic:
    have = ", ".join(sorted(installed)) or "none"
    return error("Provider not installed",
                 f'No installed provider is named "{name}" (installed: {have}). Providers are '
                 "Python packages registered under the govctl.providers entry point group; "
                 "install the package that provides it in this environment.", rng)
