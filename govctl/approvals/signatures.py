"""Approvals of one saved plan, kept beside it in `PLANFILE.approvals.json`.

The plan file itself never changes (its SHA-256 is what is approved): each
approval signs `govctl-plan-approval/1`, the digest and the approver's name,
so a signature can neither be moved to another plan nor claimed by another
approver. A plan changed after approval has another digest, and the
approvals made before no longer count.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import fcntl
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from govctl import atomic

CONTEXT = b"govctl-plan-approval/1"


@dataclass(frozen=True)
class Approval:
    approver: str
    digest: str             # hex SHA-256 of the plan file
    signature: str          # base64
    time: str
    comment: str = ""


def digest_of(plan_bytes: bytes) -> str:
    return hashlib.sha256(plan_bytes).hexdigest()


def _message(digest: str, approver: str) -> bytes:
    return b"\n".join((CONTEXT, digest.encode(), approver.encode()))


def sign(key: Ed25519PrivateKey, digest: str, approver: str, comment: str = "") -> Approval:
    sig = key.sign(_message(digest, approver))
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Approval(approver, digest, base64.b64encode(sig).decode(), now, comment)


def valid(approval: Approval, key: Ed25519PublicKey, digest: str) -> bool:
    if approval.digest != digest:
        return False
    try:
        key.verify(base64.b64decode(approval.signature, validate=True),
                   _message(digest, approval.approver))
    except (InvalidSignature, ValueError):
        return False
    return True


@contextlib.contextmanager
def locked(plan_file: Path) -> Iterator[None]:
    """Held while an approval is added: two approvers signing at once must
    both be kept (load, add, save is not atomic by itself)."""
    lock = plan_file.with_name(plan_file.name + ".approvals.lock")
    with open(lock, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def sidecar(plan_file: Path) -> Path:
    return plan_file.with_name(plan_file.name + ".approvals.json")


MAX_BYTES = 1 << 20          # a few hundred approvals; anything bigger is not ours


def load(plan_file: Path) -> list[Approval]:
    """The approvals beside a plan; ValueError (a diagnostic, never a crash)
    for a file that is not one, whatever it holds."""
    path = sidecar(plan_file)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ValueError(f"{path} is larger than {MAX_BYTES} bytes: not an approvals file")
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"{path} cannot be read: {exc}") from None
    entries = data.get("approvals") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ValueError(f"{path} is not a govctl approvals file")
    out = []
    for i, d in enumerate(entries):
        fields = [d.get(k) if isinstance(d, dict) else None
                  for k in ("approver", "digest", "signature")]
        if not all(isinstance(f, str) for f in fields):
            raise ValueError(f"{path}: approval {i + 1} needs approver, digest and signature "
                             "as strings")
        extra = [d.get(k, "") for k in ("time", "comment")]
        out.append(Approval(*fields, *(str(x) for x in extra)))
    return out


def save(plan_file: Path, approvals: list[Approval]) -> None:
    path = sidecar(plan_file)
    doc = {"format": "govctl-approvals/1", "approvals": [a.__dict__ for a in approvals]}
    atomic.replace(path, (json.dumps(doc, indent=2) + "\n").encode())
