"""How a saved plan knows it is stale: a digest of what it was made from.

Apart from planning because the CLI computes it again at apply time, to
refuse a plan whose configuration, inputs or approver keys have changed since.
"""

from __future__ import annotations

import hashlib

from govctl.config import model as m
from govctl.config.evaluate import InputValue


def config_digest(root: m.Module, inputs: dict[str, InputValue]) -> str:
    """Identifies the configuration a plan was made from (files and inputs)."""
    h = hashlib.sha256()

    def walk(mod: m.Module) -> None:
        for f in sorted(mod.files, key=lambda f: f.src.filename):
            h.update(f.src.filename.encode() + b"\0" + f.src.data + b"\0")
        for name in sorted(mod.children):
            walk(mod.children[name])

    walk(root)
    # approvers' keys are often files beside the configuration (file("x.pub")):
    # a key swapped after planning must make the plan stale, or anyone could
    # approve as anyone
    if root.approvers:
        from govctl.approvals.approvers import key_fingerprints

        for name, fp in key_fingerprints(root):
            h.update(b"approver\0" + name.encode() + b"=" + fp.encode() + b"\0")
    secret: frozenset[str] = frozenset()
    if root.settings.encryption_block is not None:
        from govctl.state.encryption.files import key_variables

        secret = key_variables(root)
    for name in sorted(set(inputs) - secret):
        v = inputs[name].value
        h.update(name.encode() + b"=" + repr(v.key()).encode() + b"\0")
    return h.hexdigest()
