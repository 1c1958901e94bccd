"""Sealing and opening the bytes of one target (state or plan).

A Codec holds what the configuration chose for its target: the method files
are written with, the fallback they may also be read with (for migrations:
from unencrypted, or from an old key), and for states the rollback memory.
Every failure is a DiagnosticError whose text names the file and the key
provider, and never a key, a passphrase or any of the plaintext.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from govctl.diagnostics import Diagnostic, DiagnosticError, error
from govctl.state.encryption import envelope
from govctl.state.encryption.envelope import Envelope, EnvelopeError
from govctl.state.encryption.keys import KeyProvider, KeyUnavailable, WrongKey
from govctl.state.encryption.rollback import Rollback


@dataclass(frozen=True)
class AesGcm:
    """`method "aes_gcm" "NAME"`: AES-256-GCM with the key provider's key."""

    id: str                      # "aes_gcm.NAME"
    keys: KeyProvider


@dataclass(frozen=True)
class Unencrypted:
    """`method "unencrypted" "NAME"`: plain bytes, for migrating to or from
    encryption."""

    id: str


Method = AesGcm | Unencrypted


class Codec:
    """Bytes in, bytes out, for one target: `kind` is "state" or "plan"."""

    def __init__(self, kind: str, method: Method, fallback: Method | None = None,
                 enforced: bool = False, rollback: Rollback | None = None):
        if kind not in envelope.KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        if enforced and isinstance(method, Unencrypted):
            raise ValueError("an enforced target cannot be written unencrypted")
        self.kind = kind
        self.method = method
        self.fallback = fallback
        self.enforced = enforced
        self.rollback = rollback if kind == "state" else None

    def __repr__(self) -> str:
        fb = f", fallback={self.fallback.id}" if self.fallback else ""
        return f"<Codec {self.kind} method={self.method.id}{fb}>"

    @property
    def methods(self) -> list[Method]:
        return [self.method] if self.fallback is None else [self.method, self.fallback]

    @property
    def encrypts(self) -> bool:
        """Whether what this codec writes is encrypted."""
        return not isinstance(self.method, Unencrypted)

    @property
    def reads_unencrypted(self) -> bool:
        return any(isinstance(m, Unencrypted) for m in self.methods)

    # --- writing ------------------------------------------------------------
    def seal(self, plaintext: bytes, *, lineage: str, serial: int) -> bytes:
        """`plaintext` as the primary method writes it (unchanged when it is
        `unencrypted`). Raises DiagnosticError when the key provider fails."""
        fresh = self._new_key()
        if fresh is None:
            return plaintext
        method, key, params = fresh
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        nonce = os.urandom(envelope.NONCE_BYTES)
        head = envelope.new_header(self.kind, lineage, serial, "aes_gcm", method.keys.id,
                                   params, nonce)
        ciphertext = AESGCM(key).encrypt(nonce, plaintext, envelope.associated_data(head))
        return envelope.dump(head, ciphertext)

    def record_written(self, lineage: str, serial: int) -> None:
        """Tell the rollback memory that this serial is now stored (call it
        after the backend's write succeeded, not before: a failed write must
        not make the state still in place look like a rollback)."""
        if self.rollback is not None and isinstance(self.method, AesGcm):
            self.rollback.record(lineage, serial)

    # --- streams of records (the apply journal) -----------------------------
    def stream_key(self) -> tuple[bytes, dict[str, object]] | None:
        """A fresh data key for a stream of small records, and the header fields
        that find it again; None when the primary method writes unencrypted.
        One key per stream: a record costs one AES-GCM call, not a KMS call."""
        fresh = self._new_key()
        if fresh is None:
            return None
        method, key, params = fresh
        return key, {"key_provider": method.keys.id, **params}

    def _new_key(self) -> tuple[AesGcm, bytes, dict[str, Any]] | None:
        """(method, key, header parameters) for something new to seal, or None
        when the primary method writes unencrypted."""
        method = self.method
        if isinstance(method, Unencrypted):
            return None
        try:
            key, params = method.keys.new_key()
        except KeyUnavailable as exc:
            raise DiagnosticError([error(f"Cannot encrypt the {self.kind}", str(exc))]) \
                from None
        return method, key, params

    def stream_keys_for(self, head: dict[str, object], where: str) -> list[bytes]:
        """The keys that may open a stream (from stream_key's header), the provider
        it names first: after a key rotation the old passphrase can sit under
        another provider name in the fallback, so every configured provider of
        the same type is a candidate; the stream's first record tells which is
        right. DiagnosticError when none can be had."""
        provider = str(head.get("key_provider", ""))
        kind = provider.split(".", 1)[0]
        params = {k: v for k, v in head.items() if k != "key_provider"}
        candidates = sorted({m.keys.id: m for m in self.methods if isinstance(m, AesGcm)
                             and m.keys.type == kind}.values(),
                            key=lambda m: m.keys.id != provider)
        keys: list[bytes] = []
        problems: list[str] = []
        for m in candidates:
            try:
                keys.append(m.keys.key_for(params))
            except (EnvelopeError, KeyUnavailable, WrongKey) as exc:
                problems.append(f"key provider {m.keys.id}: {exc}")
        if keys:
            return keys
        detail = "; ".join(problems) if problems else (
            f"It was encrypted with key provider {provider}, and no method of the "
            f"{self.kind} uses a key provider of that type.")
        raise DiagnosticError([error(f"Cannot decrypt {where}", detail)])

    # --- reading ------------------------------------------------------------
    def open(self, data: bytes, *, where: str, allow_rollback: bool = False) -> bytes:
        """The plaintext of `data` read from `where` (a path or URL, for
        messages), with the primary method or else the fallback. For states,
        an older serial than this machine has seen is refused unless
        `allow_rollback`. Raises DiagnosticError."""
        if not envelope.is_sealed(data):
            if self.reads_unencrypted:
                return data
            raise DiagnosticError([self._unencrypted_refused(where)])
        try:
            env = envelope.parse(data)
        except EnvelopeError as exc:
            raise DiagnosticError([self._altered(where, str(exc))]) from None
        if env.kind != self.kind:
            raise DiagnosticError([error(
                f"Not an encrypted {self.kind}",
                f"{where} holds an encrypted {env.kind}, not a {self.kind} (or its header was "
                "altered).")])
        plaintext = self._decrypt(env, where)
        if self.rollback is not None:
            self.rollback.check(env.lineage, env.serial, where, allow_rollback)
            self.rollback.record(env.lineage, env.serial)
        return plaintext

    def needs_reseal(self, data: bytes) -> bool:
        """True when `data` is not written the way the primary method writes:
        read through the fallback, so the next write migrates it."""
        if not envelope.is_sealed(data):
            return not isinstance(self.method, Unencrypted)
        if isinstance(self.method, Unencrypted):
            return True
        head = _provider_of(data)
        return head != self.method.keys.id

    def _decrypt(self, env: Envelope, where: str) -> bytes:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        # one try per key provider, even when both methods use the same one
        candidates = list({m.keys.id: m for m in self.methods if isinstance(m, AesGcm)
                           and m.keys.type == env.key_provider_type}.values())
        # the provider the header names first; a renamed one is still tried
        candidates.sort(key=lambda m: m.keys.id != env.key_provider)
        if not candidates:
            configured = ", ".join(m.keys.id if isinstance(m, AesGcm) else m.id
                                   for m in self.methods)
            raise DiagnosticError([error(
                f"Cannot decrypt the {self.kind}",
                f"The {self.kind} at {where} was encrypted with key provider "
                f"{env.key_provider}, which no method of the {self.kind} uses (configured: "
                f"{configured}). To read it, add a fallback {{ method = ... }} whose method "
                f"uses that key provider.")])
        tried: list[str] = []
        unavailable: list[Diagnostic] = []
        for m in candidates:
            try:
                key = m.keys.key_for(env.params)
            except EnvelopeError as exc:
                raise DiagnosticError([self._altered(where, str(exc))]) from None
            except KeyUnavailable as exc:
                unavailable.append(error(f"Cannot decrypt the {self.kind}",
                                         f"The {self.kind} at {where}: {exc}"))
                continue
            except WrongKey:
                tried.append(m.keys.id)
                continue
            try:
                return AESGCM(key).decrypt(env.nonce, env.ciphertext, env.aad)
            except InvalidTag:
                tried.append(m.keys.id)
        if unavailable and not tried:
            raise DiagnosticError(unavailable)
        providers = " or ".join(dict.fromkeys(tried))
        if env.key_provider in tried:
            hint = ("Check the passphrase or key the configuration gives; if it was changed, "
                    "keep the old one as the fallback method until the next write has "
                    "re-encrypted the file.")
        else:
            hint = (f"No method of the {self.kind} uses key provider {env.key_provider}: if "
                    "the key was changed, declare the old key provider and use it in the "
                    "fallback method until the next write has re-encrypted the file.")
        raise DiagnosticError([*unavailable, error(
            f"Cannot decrypt the {self.kind} at {where} with key provider {providers}: wrong "
            "key or the file was altered",
            f"The {self.kind} was encrypted with key provider {env.key_provider} (lineage "
            f"{env.lineage}, serial {env.serial}). {hint}")])

    def _altered(self, where: str, reason: str) -> Diagnostic:
        return error(f"Cannot decrypt the {self.kind}",
                     f"{where} looks encrypted by govctl, but {reason}: the file was altered "
                     "or damaged.")

    def _unencrypted_refused(self, where: str) -> Diagnostic:
        return error(
            f"Unencrypted {self.kind} refused",
            f"The {self.kind} at {where} is not encrypted, and the configuration encrypts "
            f"{self.kind}s with {self.method.id}, which reads only encrypted files.\n\n"
            "To migrate an unencrypted file, add for one run a method that reads it as the "
            "fallback:\n\n"
            '  method "unencrypted" "migrate" {}\n'
            f"  {self.kind} {{\n"
            f"    method = method.{self.method.id}\n"
            "    fallback { method = method.unencrypted.migrate }\n"
            "  }\n\n"
            "The next write encrypts it; then remove the fallback.")


def _provider_of(data: bytes) -> str | None:
    try:
        return envelope.parse(data).key_provider
    except EnvelopeError:
        return None


def refuse_sealed(data: bytes, where: str) -> bytes:
    """`data` unchanged when it is not encrypted; a DiagnosticError when it is,
    for readers whose configuration has no encryption for it (so an
    encrypted state is never parsed as a broken one)."""
    if not envelope.is_sealed(data):
        return data
    head = envelope.header(data)
    what = head.kind if head is not None else "file"
    about = (f" (lineage {head.lineage}, serial {head.serial})" if head is not None else "")
    raise DiagnosticError([error(
        f"Encrypted {what} but no encryption configured",
        f"The {what} at {where} is encrypted{about}, but the configuration has no "
        f"encryption for {what}s. Add the govctl {{ encryption {{ ... }} }} block with the "
        f"key provider that encrypted it, and a {what} {{ method = ... }} block.")])
