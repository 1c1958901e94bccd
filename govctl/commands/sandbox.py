"""`govctl sandbox`: run a provider's local sandbox in the foreground.

Without a command it prints the environment (as `export` lines a shell can
`eval`) and serves until interrupted; with `-- COMMAND ...` it runs the
command in that environment and stops when the command ends, with its exit
code, so a script or a Makefile never leaves a server behind.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from govctl.plugins.sandbox import Sandbox, installed


def _load(name: str | None) -> Sandbox | str:
    found = installed()
    if not found:
        return ("No sandbox is installed. The AWS provider ships one: "
                "pip install 'govctl-aws[sandbox]'.")
    if name is None:
        if len(found) > 1:
            return f"Several sandboxes are installed ({', '.join(sorted(found))}): name one."
        name = next(iter(found))
    ep = found.get(name)
    if ep is None:
        return f'No sandbox named "{name}" (installed: {", ".join(sorted(found))}).'
    try:
        cls = ep.load()
        sandbox = cls()
    except Exception as exc:  # a broken plugin is the user's environment, not our bug
        return f'The sandbox "{name}" cannot be loaded: {exc}'
    if not isinstance(sandbox, Sandbox):
        return f'The sandbox "{name}" is not a govctl sandbox ({ep.value}).'
    return sandbox


def exports(env: dict[str, str]) -> str:
    """Shell lines; an empty value means the variable must be unset."""
    return "".join(f"export {k}={shlex.quote(v)}\n" if v else f"unset {k}\n"
                   for k, v in sorted(env.items()))


def run(name: str | None, port: int, command: Sequence[str], env_file: Path | None) -> int:
    sandbox = _load(name)
    if isinstance(sandbox, str):
        print(f"Error: {sandbox}", file=sys.stderr)
        return 1
    try:
        env = sandbox.start("127.0.0.1", port)
    except OSError as exc:
        print(f"Error: the sandbox cannot start on 127.0.0.1:{port}: {exc.strerror or exc}",
              file=sys.stderr)
        return 1
    try:
        if env_file is not None:
            env_file.write_text(exports(env))
        if command:
            return _run_command(command, env)
        return _serve(env, env_file)
    finally:
        sandbox.stop()


def _run_command(command: Sequence[str], env: dict[str, str]) -> int:
    try:
        full = {**os.environ, **env}
        child = {k: v for k, v in full.items() if v or k not in env}
        return subprocess.run(list(command), env=child, check=False).returncode
    except FileNotFoundError:
        print(f"Error: command not found: {command[0]}", file=sys.stderr)
        return 127
    except KeyboardInterrupt:
        return 130


def _serve(env: dict[str, str], env_file: Path | None) -> int:
    sys.stdout.write(exports(env))
    sys.stdout.flush()
    how = f"`. {env_file}`" if env_file else "the lines above"
    print(f"The sandbox is running. In another shell, set its environment with {how}, then\n"
          "run govctl as usual. Everything it holds is lost when it stops; Ctrl-C stops it.",
          file=sys.stderr)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_signal)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    print("Sandbox stopped.", file=sys.stderr)
    return 0
