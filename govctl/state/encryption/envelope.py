"""The sealed byte format: a small JSON document with a clear header.

The header (kind, lineage, serial, key provider and its parameters) stays
readable without a key so that messages, the lock and the rollback check can
name the state; every header field except the ciphertext itself is the
associated data of AES-GCM, so editing any of them makes opening fail instead
of silently changing what the file claims to be.

    {"govctl_encrypted": 1, "kind": "state", "lineage": "...", "serial": 7,
     "method": "aes_gcm", "key_provider": "passphrase.main",
     "kdf": {"name": "scrypt", "salt": "...", "n": 131072, "r": 8, "p": 1},
     "nonce": "...", "ciphertext": "..."}

(an `aws_kms` key provider writes "kms_key_id", "key_spec" and "wrapped_key"
instead of "kdf").
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any, NamedTuple

FORMAT_VERSION = 1
MARKER = "govctl_encrypted"
KINDS = ("state", "plan")
NONCE_BYTES = 12

# Fields every envelope has; the rest are the key provider's parameters.
_COMMON = ("govctl_encrypted", "kind", "lineage", "serial", "method", "key_provider", "nonce",
           "ciphertext")
_SEALED = re.compile(rb'\A\s*\{\s*"govctl_encrypted"\s*:')
# The clear header is shown in messages before it is authenticated: only
# plain names get through, so an edited file cannot put escape codes on a terminal.
_PROVIDER = re.compile(r"\A[A-Za-z_][A-Za-z0-9_-]*\.[A-Za-z_][A-Za-z0-9_-]*\Z")


class EnvelopeError(Exception):
    """The bytes claim to be sealed but their header is not one govctl wrote
    (or it was altered): the message says what is wrong, never any secret."""


class Header(NamedTuple):
    kind: str
    lineage: str
    serial: int


@dataclass(frozen=True)
class Envelope:
    header: dict[str, Any]        # every field but the ciphertext
    nonce: bytes
    ciphertext: bytes

    @property
    def kind(self) -> str:
        return str(self.header["kind"])

    @property
    def lineage(self) -> str:
        return str(self.header["lineage"])

    @property
    def serial(self) -> int:
        return int(self.header["serial"])

    @property
    def key_provider(self) -> str:
        """"TYPE.NAME" of the key provider that sealed it."""
        return str(self.header["key_provider"])

    @property
    def key_provider_type(self) -> str:
        return self.key_provider.split(".", 1)[0]

    @property
    def params(self) -> dict[str, Any]:
        """The key provider's parameters (salt and KDF, or the wrapped data key)."""
        return {k: v for k, v in self.header.items() if k not in _COMMON}

    @property
    def aad(self) -> bytes:
        return associated_data(self.header)


def is_sealed(data: bytes) -> bool:
    """True when `data` is a govctl envelope (decided from its first bytes;
    a state or plan file never starts with this key)."""
    return bool(_SEALED.match(data[:256]))


def valid_lineage(lineage: object) -> bool:
    return isinstance(lineage, str) and 0 < len(lineage) <= 256 and lineage.isprintable()


def associated_data(header: dict[str, Any]) -> bytes:
    """The canonical form of the header that AES-GCM authenticates."""
    fields = {k: v for k, v in header.items() if k != "ciphertext"}
    return json.dumps(fields, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=True).encode()


def new_header(kind: str, lineage: str, serial: int, method: str, key_provider: str,
               params: dict[str, Any], nonce: bytes) -> dict[str, Any]:
    if not valid_lineage(lineage) or not _PROVIDER.match(key_provider) or serial < 0:
        raise ValueError("a lineage is a printable string, a serial a whole number")
    clash = set(params) & set(_COMMON)
    if clash:
        raise ValueError(f"key provider parameters may not be named {sorted(clash)}")
    return {"govctl_encrypted": FORMAT_VERSION, "kind": kind, "lineage": lineage,
            "serial": serial, "method": method, "key_provider": key_provider, **params,
            "nonce": b64(nonce)}


def dump(header: dict[str, Any], ciphertext: bytes) -> bytes:
    doc = dict(header)
    doc["ciphertext"] = b64(ciphertext)
    return json.dumps(doc, indent=2, ensure_ascii=True).encode() + b"\n"


def parse(data: bytes) -> Envelope:
    """The envelope in `data`; EnvelopeError when it is not a well-formed one."""
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise EnvelopeError("it is not valid JSON") from None
    if not isinstance(doc, dict):
        raise EnvelopeError("it is not a JSON object")
    version = doc.get(MARKER)
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise EnvelopeError(f"its format version {version!r} is not {FORMAT_VERSION} (written "
                            "by a newer govctl?)")
    kind, lineage, serial = doc.get("kind"), doc.get("lineage"), doc.get("serial")
    if kind not in KINDS:
        raise EnvelopeError(f'its kind {kind!r} is not "state" or "plan"')
    if not valid_lineage(lineage):
        raise EnvelopeError("its lineage is not a printable string")
    if not isinstance(serial, int) or isinstance(serial, bool) or serial < 0:
        raise EnvelopeError("its serial is not a whole number")
    if doc.get("method") != "aes_gcm":
        raise EnvelopeError(f'its method {doc.get("method")!r} is not "aes_gcm"')
    provider = doc.get("key_provider")
    if not isinstance(provider, str) or not _PROVIDER.match(provider):
        raise EnvelopeError('its key_provider is not "TYPE.NAME"')
    nonce = unb64(doc.get("nonce"), "nonce")
    if len(nonce) != NONCE_BYTES:
        raise EnvelopeError(f"its nonce is not {NONCE_BYTES} bytes long")
    ciphertext = unb64(doc.get("ciphertext"), "ciphertext")
    header = {k: v for k, v in doc.items() if k != "ciphertext"}
    return Envelope(header, nonce, ciphertext)


def header(data: bytes) -> Header | None:
    """(kind, lineage, serial) of sealed bytes, readable without a key; None
    when `data` is not sealed or its header is malformed. Unauthenticated
    until the file is opened: use it for messages, not decisions."""
    if not is_sealed(data):
        return None
    try:
        env = parse(data)
    except EnvelopeError:
        return None
    return Header(env.kind, env.lineage, env.serial)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise EnvelopeError(f"its {what} is not a base64 string")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise EnvelopeError(f"its {what} is not valid base64") from None
