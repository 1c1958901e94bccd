"""Hash and identifier functions.

Hashes are of the UTF-8 bytes of the string, hex (lower case) or base64
encoded, as Terraform's are. uuid() is impure, so it is unknown while
planning and only takes a value when the change is applied.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable

from govctl.lang import values as V
from govctl.lang.functions.base import CallContext, Param, function
from govctl.lang.types import STRING
from govctl.lang.values import Value


def _register_hash(name: str, algorithm: str, as_base64: bool) -> None:
    def impl(args: list[Value], ctx: CallContext) -> Value:
        digest = hashlib.new(algorithm, args[0].v.encode())
        if as_base64:
            return V.string(base64.b64encode(digest.digest()).decode())
        return V.string(digest.hexdigest())

    impl.__doc__ = f"{algorithm} of the string's UTF-8 bytes, " + \
        ("base64 encoded." if as_base64 else "as lower-case hex.")
    function(name, params=[Param("str", STRING)], returns=STRING)(impl)


_HASHES: list[tuple[str, str, bool]] = [
    ("md5", "md5", False),
    ("sha1", "sha1", False),
    ("sha256", "sha256", False),
    ("sha512", "sha512", False),
    ("base64sha256", "sha256", True),
    ("base64sha512", "sha512", True),
]
for _name, _algorithm, _as_base64 in _HASHES:
    _register_hash(_name, _algorithm, _as_base64)


def random_uuid(token_bytes: Callable[[int], bytes] = secrets.token_bytes) -> str:
    """Sixteen random bytes in 8-4-4-4-12 form.

    Like hashicorp/go-uuid, which Terraform uses, no version or variant bits
    are set: the result is random hex, not strictly an RFC 4122 version 4 id.
    """
    h = token_bytes(16).hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@function("uuid", params=[], returns=STRING)
def _uuid(args: list[Value], ctx: CallContext) -> Value:
    if ctx.plan_time:
        return V.unknown(STRING)
    return V.string(random_uuid())
