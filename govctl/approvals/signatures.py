"""Approvals of one saved plan, kept beside it in `PLANFILE.approvals.json`.

The plan file itself never changes (its SHA-256 is what is approved): each
approval signs `govctl-plan-approval/1`, the digest and the approver's name,
so a signature can neither be moved to another plan nor claimed by another
approver. A plan changed after approval has another digest, and the
approvals made before no longer count.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
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


def sidecar(plan_file: Path) -> Path:
    return plan_file.with_name(plan_file.name + ".approvals.json")


def load(plan_file: Path) -> list[Approval]:
    path = sidecar(plan_file)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return []
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path} cannot be read: {exc}") from None
    try:
        return [Approval(d["approver"], d["digest"], d["signature"], d.get("time", ""),
                         d.get("comment", "")) for d in data["approvals"]]
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{path} is not a govctl approvals file ({exc})") from None


def save(plan_file: Path, approvals: list[Approval]) -> None:
    path = sidecar(plan_file)
    doc = {"format": "govctl-approvals/1", "approvals": [a.__dict__ for a in approvals]}
    atomic.replace(path, (json.dumps(doc, indent=2) + "\n").encode())
