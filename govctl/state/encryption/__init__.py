"""Encryption of state and plan files (`govctl { encryption { ... } }`).

State holds secrets and the map of every protected asset, so it is sealed
before it leaves the machine. This package turns bytes into sealed bytes and
back; the backends and plan files call it around their own reads and writes.

Public API (bytes in, bytes out; every failure is a DiagnosticError):

    load(module, values, *, rollback=None)
        -> tuple[EncryptionConfig | None, list[Diagnostic]]
        The root module's encryption block, decoded with the root variables'
        values (govctl.config.varfiles.collect). None: no encryption block (or
        `values` is None: check only, as `validate` does).

    cfg.state, cfg.plan: Codec | None        (None: that target not configured)
        codec.seal(plaintext, *, lineage, serial) -> bytes
        codec.open(data, *, where, allow_rollback=False) -> bytes
            primary method, then the fallback; unencrypted input only when one
            of them is `unencrypted`; for states, refuses a serial older than
            this machine has seen unless allow_rollback (which then lowers the
            remembered serial: a deliberate restore).
        codec.record_written(lineage, serial)    after a successful write
        codec.needs_reseal(data) -> bool         read via the fallback: rewrite

    is_sealed(data) -> bool
    header(data) -> Header(kind, lineage, serial) | None   (unauthenticated)
    refuse_sealed(data, where) -> bytes
        for readers with no encryption configured: `data` unchanged when it is
        not sealed, else a diagnostic saying encryption must be configured.

    Rollback(path=None): check(lineage, serial, where, allow=False),
        record(lineage, serial, *, lower=False), seen(lineage)
        The highest serial per lineage seen on this machine, in
        $GOVCTL_HOME/seen-serials.json (else ~/.govctl/).

    kdf_derivations() -> int   passphrase derivations run by this process

A reader typically does:

    codec = cfg.state if cfg is not None else None
    plain = codec.open(data, where=url) if codec else refuse_sealed(data, url)

and a writer:

    data = codec.seal(plain, lineage=s.lineage, serial=s.serial) if codec else plain
    store.put(data, ...); codec.record_written(s.lineage, s.serial)
"""

from __future__ import annotations

from govctl.state.encryption.codec import AesGcm, Codec, Method, Unencrypted, refuse_sealed
from govctl.state.encryption.config import EncryptionConfig, load
from govctl.state.encryption.envelope import Header, header, is_sealed
from govctl.state.encryption.keys import (
    AwsKmsProvider,
    KeyProvider,
    PassphraseProvider,
    kdf_derivations,
)
from govctl.state.encryption.rollback import Rollback

__all__ = [
    "AesGcm",
    "AwsKmsProvider",
    "Codec",
    "EncryptionConfig",
    "Header",
    "KeyProvider",
    "Method",
    "PassphraseProvider",
    "Rollback",
    "Unencrypted",
    "header",
    "is_sealed",
    "kdf_derivations",
    "load",
    "refuse_sealed",
]
