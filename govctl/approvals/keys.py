"""Ed25519 keys of approvers, in the formats people already have: OpenSSH
(`ssh-keygen -t ed25519`) or PEM (`openssl genpkey -algorithm ed25519`)."""

from __future__ import annotations

import os

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PASSPHRASE_ENV = "GOVCTL_APPROVER_KEY_PASSPHRASE"


class KeyError_(ValueError):
    """A key that cannot be used; the message says why."""


def public_key(text: str) -> Ed25519PublicKey:
    data = text.strip().encode()
    try:
        if data.startswith(b"ssh-"):
            key = serialization.load_ssh_public_key(data)
        else:
            key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise KeyError_(f"not an OpenSSH or PEM public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise KeyError_(f"an Ed25519 key is required, not {type(key).__name__}")
    return key


def private_key(data: bytes) -> Ed25519PrivateKey:
    """An unencrypted key, or one whose passphrase is in GOVCTL_APPROVER_KEY_PASSPHRASE."""
    passphrase = os.environ.get(PASSPHRASE_ENV)
    password = passphrase.encode() if passphrase else None
    try:
        if b"OPENSSH PRIVATE KEY" in data:
            key = serialization.load_ssh_private_key(data, password)
        else:
            key = serialization.load_pem_private_key(data, password)
    except (ValueError, TypeError) as exc:
        hint = f" (set {PASSPHRASE_ENV} for a key with a passphrase)" if not password else ""
        raise KeyError_(f"cannot read the private key: {exc}{hint}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyError_(f"an Ed25519 key is required, not {type(key).__name__}")
    return key
