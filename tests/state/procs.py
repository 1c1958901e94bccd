"""Child processes for the lock and journal tests: real processes, since locks
and crashes are about processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HOLDER = """
import sys
from govctl.state.local import LocalBackend
b = LocalBackend(sys.argv[1])
with b.lock(sys.argv[2]) as info:
    print(info.id, flush=True)
    sys.stdin.readline()        # hold the lock until told to go (or killed)
print("released", flush=True)
"""

APPENDER = """
import sys
from govctl.state.local import LocalBackend
b = LocalBackend(sys.argv[1])
count, pause_after = int(sys.argv[2]), int(sys.argv[3])
with b.lock("apply"):
    b.read()
    j = b.journal()
    for i in range(count):
        j.append({"kind": "set", "addr": f"x_t.r[{i}]", "provider": 'provider["govctl/aws"]',
                  "instance": {"schema_version": 0, "attributes": {"i": i, "pad": "p" * 300}}})
        print(i, flush=True)
        if i + 1 == pause_after:
            sys.stdin.readline()    # wait here to be killed between two appends
"""


class Child:
    """A child Python process running `code` with `args`; stdin and stdout are pipes."""

    def __init__(self, code: str, *args: object):
        self.proc = subprocess.Popen([sys.executable, "-c", code, *map(str, args)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def line(self) -> str:
        assert self.proc.stdout is not None
        return self.proc.stdout.readline().strip()

    def say(self, text: str = "") -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.kill()
        for f in (self.proc.stdin, self.proc.stdout):
            if f is not None:
                f.close()

    @property
    def pid(self) -> int:
        return self.proc.pid


def hold_lock(path: Path, operation: str = "apply") -> tuple[Child, str]:
    child = Child(HOLDER, path, operation)
    return child, child.line()
