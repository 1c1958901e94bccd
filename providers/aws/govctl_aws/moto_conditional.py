"""Makes moto's S3 conditional writes atomic, as real S3's are.

moto's server checks If-None-Match / If-Match and then writes, with nothing
held in between: two PutObject(If-None-Match: *) requests arriving together
can both pass the check and both succeed, where S3 lets exactly one win.
govctl's S3 state lock is built on that guarantee, so a sandbox or test
server without it would hand the same lock to two runs. One process-wide
lock around the S3 object write and delete handlers closes the window.

This patches the fake server only (moto's response handlers), never boto3 or
botocore: clients still talk HTTP to it as they would to AWS.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

#: Held by every PutObject and DeleteObject handler of this process's moto.
_WRITE_LOCK = threading.RLock()
_HANDLERS = ("put_object", "delete_object")
_MARK = "_govctl_atomic"


def make_conditional_writes_atomic() -> None:
    """Wrap moto's S3 put/delete handlers in one lock (idempotent; call before
    the server takes requests)."""
    from moto.s3.responses import S3Response

    for name in _HANDLERS:
        handler = getattr(S3Response, name)
        if not getattr(handler, _MARK, False):
            setattr(S3Response, name, _serialised(handler))


def _serialised(handler: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(handler)
    def atomic(self: Any, *args: Any, **kwargs: Any) -> Any:
        with _WRITE_LOCK:
            return handler(self, *args, **kwargs)

    setattr(atomic, _MARK, True)
    return atomic
