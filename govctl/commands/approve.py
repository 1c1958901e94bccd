"""`govctl approve PLANFILE -approver NAME -key KEYFILE`: sign a saved plan.

The approval is of that exact file (its SHA-256), by an approver the plan's
configuration declares, with the private key that matches the declared
public key; it is kept beside the plan in PLANFILE.approvals.json, one per
approver (approving again replaces one's earlier approval).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from govctl.diagnostics import DiagnosticError, error
from govctl.render.diagnostics import print_diagnostics


@dataclass
class ApproveOptions:
    plan_file: Path
    approver: str
    key_file: Path
    comment: str = ""
    colour: bool | None = None


def run(opts: ApproveOptions) -> int:
    try:
        return _approve(opts)
    except DiagnosticError as exc:
        print_diagnostics(exc.diagnostics, colour=opts.colour)
        return 1


def _fail(summary: str, detail: str) -> DiagnosticError:
    return DiagnosticError([error(summary, detail)])


def _approve(opts: ApproveOptions) -> int:
    from govctl.approvals import approvers, keys, signatures
    from govctl.config.loader import load_config
    from govctl.plan import planfile

    data, the_plan, _ = planfile.read(opts.plan_file)
    try:
        key_data = opts.key_file.read_bytes()
    except OSError as exc:
        raise _fail("Cannot read file", f"{exc.filename}: {exc.strerror}") from None
    module, diags = load_config(Path(the_plan.config_dir or "."))
    declared, kdiags = approvers.keys(module)
    if any(d.severity == "error" for d in diags + kdiags):
        raise DiagnosticError(diags + kdiags)
    if opts.approver not in declared:
        known = ", ".join(sorted(declared)) or "none"
        raise _fail("Unknown approver", f'"{opts.approver}" is not an approver of this '
                    f"configuration (declared: {known}).")
    try:
        private = keys.private_key(key_data)
    except keys.KeyError_ as exc:
        raise _fail("Invalid private key", f"{opts.key_file}: {exc}") from None
    digest = signatures.digest_of(data)
    approval = signatures.sign(private, digest, opts.approver, opts.comment)
    if not signatures.valid(approval, declared[opts.approver], digest):
        raise _fail("Key does not match", f"{opts.key_file} is not the key declared for "
                    f'approver "{opts.approver}".')
    with signatures.locked(opts.plan_file):
        try:
            others = [a for a in signatures.load(opts.plan_file)
                      if a.approver != opts.approver]
        except ValueError as exc:
            raise _fail("Invalid approvals file", str(exc)) from None
        signatures.save(opts.plan_file, [*others, approval])
    current = [a for a in others if a.digest == digest] + [approval]
    print(f"Approved {opts.plan_file} (sha256 {digest[:16]}) as {opts.approver}.")
    for r in the_plan.approvals_required:
        allowed = set(r.approvers) if r.approvers is not None else set(declared)
        have = len({a.approver for a in current if a.approver in allowed})
        print(f'  policy "{r.policy}": {have} of {r.required} approvals')
    if not the_plan.approvals_required:
        print("  (no policy requires approvals of this plan)")
    sys.stdout.flush()
    return 0
