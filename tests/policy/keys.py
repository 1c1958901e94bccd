"""Ed25519 key pairs for approval tests: private keys as PEM files, public keys
beside them in <name>.pub, in OpenSSH form, or PEM for names in `pem`."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def write_keys(directory: Path, names: Iterable[str], pem: Iterable[str] = ()
               ) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    pem = set(pem)
    out = {}
    for name in names:
        key = Ed25519PrivateKey.generate()
        priv = directory / name
        priv.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
        pub = key.public_key()
        text = pub.public_bytes(serialization.Encoding.PEM,
                                serialization.PublicFormat.SubjectPublicKeyInfo) \
            if name in pem else pub.public_bytes(serialization.Encoding.OpenSSH,
                                                 serialization.PublicFormat.OpenSSH)
        (directory / f"{name}.pub").write_bytes(text)
        out[name] = priv
    return out
