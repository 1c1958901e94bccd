"""Key providers: where the 256-bit AES key of each sealed file comes from.

A provider answers two questions: "a key for a new file, and the parameters
to find it again" (`new_key`) and "the key these parameters name" (`key_for`).
The parameters go into the clear header, so they must be useless without the
secret: a salt and the KDF's cost, or a data key wrapped by KMS.

Passphrase keys are expensive on purpose (scrypt or PBKDF2), so derived keys
are cached for the process, keyed by the salt and a process-local keyed hash
of the passphrase (never the passphrase itself), and every write in one
process reuses one salt: a run that writes state a hundred times derives once.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from govctl.state.encryption.envelope import EnvelopeError, b64, unb64

KEY_BYTES = 32
SALT_BYTES = 16

KDFS = ("scrypt", "pbkdf2_sha512")
DEFAULT_KDF = "scrypt"
MIN_PASSPHRASE = 16
# Costs written for new files, and the range accepted when reading a header
# (a lower cost would weaken the file; a far higher one would be a denial of
# service by whoever can write the bucket).
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1
SCRYPT_MAX_N, SCRYPT_MAX_P = 2**20, 4
PBKDF2_ITERATIONS = 600_000
PBKDF2_MAX_ITERATIONS = 10_000_000


class WrongKey(Exception):
    """The provider's key is not the one that sealed the file."""


class KeyUnavailable(Exception):
    """The provider cannot give a key at all (KMS key missing, disabled, call
    denied, service unreachable). The message is the user's to read; it names
    the key and never holds key material."""


class KeyProvider(ABC):
    type: ClassVar[str]

    def __init__(self, name: str):
        self.name = name

    @property
    def id(self) -> str:
        """"TYPE.NAME", as the configuration and the header spell it."""
        return f"{self.type}.{self.name}"

    @abstractmethod
    def new_key(self) -> tuple[bytes, dict[str, Any]]:
        """A key for a new file and the header parameters that find it again."""

    @abstractmethod
    def key_for(self, params: Mapping[str, Any]) -> bytes:
        """The key that `params` (from a header) name. Raises EnvelopeError for
        malformed parameters, WrongKey, or KeyUnavailable."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id}>"


# --- passphrase ---------------------------------------------------------------

_PROCESS_SECRET = secrets.token_bytes(32)
_cache_lock = threading.Lock()
_derived: dict[tuple[object, ...], bytes] = {}
_write_salts: dict[tuple[bytes, str], bytes] = {}
_derivations = 0


def kdf_derivations() -> int:
    """How many passphrase derivations this process has run (cache misses)."""
    return _derivations


def _derive(passphrase: bytes, kdf: str, salt: bytes, cost: tuple[int, ...]) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    if kdf == "scrypt":
        n, r, p = cost
        return Scrypt(salt=salt, length=KEY_BYTES, n=n, r=r, p=p).derive(passphrase)
    (iterations,) = cost
    return PBKDF2HMAC(algorithm=hashes.SHA512(), length=KEY_BYTES, salt=salt,
                      iterations=iterations).derive(passphrase)


class PassphraseProvider(KeyProvider):
    type = "passphrase"

    def __init__(self, name: str, passphrase: str, kdf: str = DEFAULT_KDF):
        super().__init__(name)
        if kdf not in KDFS:
            raise ValueError(f"unknown kdf {kdf!r}")
        self._passphrase = passphrase.encode("utf-8")
        # identifies the passphrase inside this process only
        self._fingerprint = hmac.new(_PROCESS_SECRET, self._passphrase, hashlib.sha256).digest()
        self.kdf = kdf

    def new_key(self) -> tuple[bytes, dict[str, Any]]:
        with _cache_lock:
            salt = _write_salts.setdefault((self._fingerprint, self.kdf),
                                           os.urandom(SALT_BYTES))
        cost = (SCRYPT_N, SCRYPT_R, SCRYPT_P) if self.kdf == "scrypt" else (PBKDF2_ITERATIONS,)
        return self._key(self.kdf, salt, cost), {"kdf": _kdf_params(self.kdf, salt, cost)}

    def key_for(self, params: Mapping[str, Any]) -> bytes:
        kdf, salt, cost = _read_kdf(params.get("kdf"))
        return self._key(kdf, salt, cost)

    def _key(self, kdf: str, salt: bytes, cost: tuple[int, ...]) -> bytes:
        global _derivations
        slot = (self._fingerprint, kdf, salt, cost)
        # one lock for the whole derivation: two threads writing at once
        # must not both pay for the same key
        with _cache_lock:
            key = _derived.get(slot)
            if key is None:
                key = _derive(self._passphrase, kdf, salt, cost)
                _derivations += 1
                _derived[slot] = key
            return key


def _kdf_params(kdf: str, salt: bytes, cost: tuple[int, ...]) -> dict[str, Any]:
    if kdf == "scrypt":
        n, r, p = cost
        return {"name": kdf, "salt": b64(salt), "n": n, "r": r, "p": p}
    return {"name": kdf, "salt": b64(salt), "iterations": cost[0]}


def _read_kdf(doc: object) -> tuple[str, bytes, tuple[int, ...]]:
    if not isinstance(doc, dict):
        raise EnvelopeError("its kdf parameters are missing")
    kdf = doc.get("name")
    salt = unb64(doc.get("salt"), "salt")
    if not SALT_BYTES <= len(salt) <= 64:
        raise EnvelopeError(f"its salt is not {SALT_BYTES} to 64 bytes long")

    def whole(key: str, low: int, high: int) -> int:
        v = doc.get(key)
        if not isinstance(v, int) or isinstance(v, bool) or not low <= v <= high:
            raise EnvelopeError(f"its {kdf} parameter {key} is not between {low} and {high}")
        return v

    if kdf == "scrypt":
        n = whole("n", SCRYPT_N, SCRYPT_MAX_N)
        if n & (n - 1):
            raise EnvelopeError("its scrypt parameter n is not a power of 2")
        return kdf, salt, (n, whole("r", SCRYPT_R, SCRYPT_R), whole("p", 1, SCRYPT_MAX_P))
    if kdf == "pbkdf2_sha512":
        return kdf, salt, (whole("iterations", PBKDF2_ITERATIONS, PBKDF2_MAX_ITERATIONS),)
    raise EnvelopeError(f"its kdf {kdf!r} is not one of {', '.join(KDFS)}")


# --- AWS KMS ------------------------------------------------------------------

KEY_SPECS = ("AES_256",)
_WRONG_KEY_CODES = frozenset({"InvalidCiphertextException", "IncorrectKeyException"})


class AwsKmsProvider(KeyProvider):
    """Envelope encryption: a fresh data key per file from GenerateDataKey,
    stored wrapped in the header and unwrapped with Decrypt. Region and
    endpoint come from `region` or the environment (AWS_REGION,
    AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_KMS, read by botocore)."""

    type = "aws_kms"

    def __init__(self, name: str, kms_key_id: str, key_spec: str = "AES_256",
                 region: str | None = None):
        super().__init__(name)
        self.kms_key_id = kms_key_id
        self.key_spec = key_spec
        self.region = region
        self._client: Any = None
        self._lock = threading.Lock()

    def _kms(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = self._make_client()
            return self._client

    def _make_client(self) -> Any:
        try:
            import boto3
            import botocore.config
            from botocore.exceptions import BotoCoreError
        except ImportError:
            raise KeyUnavailable(f"key provider {self.id} needs boto3: pip install boto3") \
                from None
        region = self.region or os.environ.get("AWS_REGION") or None
        try:
            return boto3.session.Session().client(
                "kms", region_name=region,
                config=botocore.config.Config(retries={"mode": "standard",
                                                       "total_max_attempts": 3}))
        except BotoCoreError as exc:
            raise KeyUnavailable(self._failure("cannot set up the KMS client", exc)) from None
        except ValueError as exc:
            # botocore rejects an endpoint it cannot parse with a bare ValueError
            # (before any call); the user has to know which setting to fix
            source = next((name for name in ("AWS_ENDPOINT_URL_KMS", "AWS_ENDPOINT_URL")
                           if os.environ.get(name)), None)
            why: Exception = exc if source is None else ValueError(
                f"the endpoint {os.environ[source]!r}, set by {source}, is not a valid URL "
                "(such as https://kms.eu-west-1.amazonaws.com)")
            raise KeyUnavailable(self._failure("cannot set up the KMS client", why)) from None

    def new_key(self) -> tuple[bytes, dict[str, Any]]:
        answer = self._call("GenerateDataKey", lambda kms: kms.generate_data_key(
            KeyId=self.kms_key_id, KeySpec=self.key_spec))
        key = answer["Plaintext"]
        if len(key) != KEY_BYTES:
            raise KeyUnavailable(f"KMS key {self.kms_key_id} gave a {len(key)}-byte data key, "
                                 f"not {KEY_BYTES}")
        return key, {"kms_key_id": self.kms_key_id, "key_spec": self.key_spec,
                     "wrapped_key": b64(answer["CiphertextBlob"])}

    def key_for(self, params: Mapping[str, Any]) -> bytes:
        wrapped = unb64(params.get("wrapped_key"), "wrapped_key")
        # KeyId: only the configured key may open it, whatever the header names
        answer = self._call("Decrypt", lambda kms: kms.decrypt(CiphertextBlob=wrapped,
                                                               KeyId=self.kms_key_id))
        key = answer["Plaintext"]
        if len(key) != KEY_BYTES:
            raise WrongKey()
        return key

    def _call(self, operation: str, call: Callable[[Any], Any]) -> Any:
        kms = self._kms()
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return call(kms)
        except ClientError as exc:
            err = exc.response.get("Error", {})
            code = str(err.get("Code", ""))
            if operation == "Decrypt" and code in _WRONG_KEY_CODES:
                raise WrongKey() from None
            raise KeyUnavailable(self._failure(f"{operation} failed", exc, code,
                                               str(err.get("Message", "")))) from None
        except BotoCoreError as exc:
            raise KeyUnavailable(self._failure(f"{operation} failed", exc)) from None

    def _failure(self, doing: str, exc: Exception, code: str = "", message: str = "") -> str:
        where = f"KMS key {self.kms_key_id} (key provider {self.id})"
        hint = {
            "NotFoundException": "the key or alias does not exist in this account and region",
            "DisabledException": "the key is disabled",
            "KMSInvalidStateException": "the key is not usable (pending deletion, or pending "
                                        "import)",
            "AccessDeniedException": "the caller is not allowed to use the key",
        }.get(code)
        if hint is None:
            hint = f"{code}: {message}" if code else str(exc)
        return f"{where}: {doing}: {hint}"
