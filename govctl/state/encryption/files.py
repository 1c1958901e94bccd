"""The plan codec of the configuration a command runs in.

A saved plan is read before anything else is known about the run (applying
one even takes the configuration's directory from it), yet an encrypted plan
must be opened with the keys its configuration names. So the configuration
in the working directory is loaded for its encryption block alone, with the
variable values the environment and tfvars files give (apply PLANFILE takes
no -var).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from govctl.diagnostics import DiagnosticError, Severity


def plan_codec_for(directory: Path) -> Any:
    """The plan Codec of the configuration in `directory`, or None when it has
    no encryption for plans (or no configuration: its errors are validate's)."""
    from govctl.config import varfiles
    from govctl.config.loader import load_config
    from govctl.state.encryption.config import load

    try:
        module, _ = load_config(directory, allow_empty=True)
    except (DiagnosticError, OSError):
        return None
    if module.settings.encryption_block is None:
        return None
    values, _ = varfiles.collect(module.path, module.variables, [])
    cfg, diags = load(module, values)
    if any(d.severity is Severity.ERROR for d in diags):
        raise DiagnosticError(diags)
    return cfg.plan if cfg is not None else None


def open_plan(data: bytes, where: str, directory: Path) -> bytes:
    """The plaintext of plan file bytes `data`: opened with the configuration's
    plan codec, refused when sealed and nothing is configured to open it. An
    unencrypted plan is returned as it is without loading the configuration
    (apply loads it anyway, and refuses such a plan there: `check_plain`)."""
    from govctl.state.encryption.codec import refuse_sealed
    from govctl.state.encryption.envelope import is_sealed

    if not is_sealed(data):
        return data
    codec = plan_codec_for(directory)
    if codec is None:
        return refuse_sealed(data, where)
    plain: bytes = codec.open(data, where=where)
    return plain


def check_plain(data: bytes, where: str, codec: Any) -> None:
    """Refuse an unencrypted plan file when the configuration encrypts plans and
    reads no unencrypted ones (a plan swapped for a forged plain one)."""
    from govctl.state.encryption.envelope import is_sealed

    if codec is not None and not is_sealed(data):
        codec.open(data, where=where)       # raises unless a method is `unencrypted`


def key_variables(module: Any) -> frozenset[str]:
    """The root variables the encryption block refers to (passphrases): never
    written into a plan file, a JSON plan or a configuration digest (a hash of
    a passphrase is a target for guessing); apply reads them again from the
    environment and tfvars files."""
    block = module.settings.encryption_block
    if block is None:
        return frozenset()
    from govctl.config.refs import references

    names: set[str] = set()

    def walk(body: Any) -> None:
        for attr in body.attributes.values():
            for ref in references(attr.expr):
                name = ref.attr(0)
                if ref.root == "var" and name is not None:
                    names.add(name)
        for child in body.blocks:
            walk(child.body)

    walk(block.body)
    return frozenset(names)
