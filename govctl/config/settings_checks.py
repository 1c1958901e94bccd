"""The `govctl` settings block's own errors for `govctl validate`: the backend
block and the encryption block are checked without reaching any storage or
key service (variables unknown, as everywhere in validate)."""

from __future__ import annotations

from govctl.config import model as m
from govctl.diagnostics import Diagnostic, DiagnosticError


def settings_diagnostics(module: m.Module, own_files: frozenset[str] | None = None
                         ) -> list[Diagnostic]:
    """`own_files`: only blocks declared in these files (parallel validation)."""
    settings = module.settings
    diags: list[Diagnostic] = []
    if settings.backend_block is not None:
        from govctl.state.backends import configured

        try:
            configured(module)
        except DiagnosticError as exc:
            diags += exc.diagnostics
    if settings.encryption_block is not None:
        from govctl.state.encryption import load

        diags += load(module, None)[1]
    if own_files is not None:
        diags = [d for d in diags if d.range is None or d.range.filename in own_files]
    return diags
