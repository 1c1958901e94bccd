"""SIGINT while applying."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from govctl.apply.applier import Applier


@contextlib.contextmanager
def interrupts(applier: Applier, on_interrupt: Callable[[int], None] | None
               ) -> Iterator[None]:
    """SIGINT while applying (the package docstring). Signal handlers can only be set
    on the main thread; elsewhere (an embedding program) interrupts are theirs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        applier.interrupts += 1
        applier.stop.set()
        applier.result.interrupted = True
        if on_interrupt is not None:
            on_interrupt(applier.interrupts)
        if applier.interrupts >= 2:
            applier.result.forced = True
            if applier._critical == 0:
                raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
