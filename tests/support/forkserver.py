"""Start real server and sender processes fast, by fork from a process that imported them once.

`python -m backend serve` takes 1.5-3 s to start on the CI machine, almost all of it imports;
a kill -9 test restarting it twenty times per database would spend its budget there. The
fork server imports the modules once and forks a child per start. The child runs the module
exactly as `python -m <module> <args>` does (runpy, `__main__`, `sys.argv`, its own
environment), so it is the real entry point in its own OS process: SIGKILL takes it down
with everything it had in flight, and nothing survives into the next start.

Protocol (JSON lines on stdin/stdout): {"op": "start", module, argv, env, stdout?} ->
{"pid"}; {"op": "wait", pid, timeout} -> {"exited", "code"}. End of input kills every child.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import json
import os
import runpy
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Any

REPO_ROOT = Path(__file__).resolve().parents[2]
# Imports only: building an app here would start its logging thread, which a fork loses.
# The modules run as `__main__` are left out so that runpy executes them fresh, as -m does.
PRELOAD = (
    "backend.app",
    "backend.reminders.vapid",
    "asyncpg",
    "aiosqlite",
    "uvicorn.main",
    "uvicorn.lifespan.on",
    "uvicorn.loops.auto",
    "uvicorn.loops.uvloop",
    "uvicorn.protocols.http.auto",
    "uvicorn.protocols.http.httptools_impl",
    "uvicorn.protocols.http.h11_impl",
    "uvicorn.protocols.websockets.auto",
)
_PR_SET_PDEATHSIG = 1


# The fork server side ------------------------------------------------------------------


def _die_with_parent() -> None:
    """Linux: SIGKILL this child if the fork server goes away, so no server is orphaned."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _run_child(module: str, argv: list[str], env: dict[str, str], stdout: str | None) -> None:
    """In the forked child: become `python -m module argv...`; never returns."""
    code = 1
    try:
        _die_with_parent()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        if stdout:
            out = os.open(stdout, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(out, 1)
        else:
            os.dup2(2, 1)  # fd 1 is the protocol pipe
        sys.stdin = open(0, closefd=False)  # noqa: SIM115 - lives as long as the process
        sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
        for key in [k for k in os.environ if k.startswith("TEND_")]:
            del os.environ[key]
        os.environ.update(env)
        sys.argv = [module, *argv]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _wait(pid: int, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return {"exited": True, "code": None}
        if done:
            return {"exited": True, "code": os.waitstatus_to_exitcode(status)}
        if time.monotonic() >= deadline:
            return {"exited": False, "code": None}
        time.sleep(0.005)


def serve(preload: tuple[str, ...] = PRELOAD) -> None:
    for name in preload:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    children: set[int] = set()
    reply = sys.stdout
    reply.write(json.dumps({"ready": True}) + "\n")
    reply.flush()
    try:
        for line in sys.stdin:
            command = json.loads(line)
            if command["op"] == "start":
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:
                    _run_child(
                        command["module"], command["argv"], command["env"], command.get("stdout")
                    )
                children.add(pid)
                answer: dict[str, Any] = {"pid": pid}
            elif command["op"] == "wait":
                answer = _wait(command["pid"], command["timeout"])
                if answer["exited"]:
                    children.discard(command["pid"])
            else:
                answer = {"error": f"unknown op {command['op']!r}"}
            reply.write(json.dumps(answer) + "\n")
            reply.flush()
    finally:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            _wait(pid, 5)


# The test side --------------------------------------------------------------------------


class Child:
    """One forked process; `kill()` is SIGKILL: no shutdown, no flush, no cleanup."""

    def __init__(self, server: ForkServer, pid: int) -> None:
        self.server = server
        self.pid = pid
        self.exit_code: int | None = None
        self.exited = False

    def kill(self) -> None:
        if not self.exited:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self.wait(10)
            assert self.exited, f"process {self.pid} survived SIGKILL"

    def wait(self, timeout: float) -> bool:
        """Whether the process has ended (it is reaped then), waiting up to `timeout` s."""
        if not self.exited:
            answer = self.server.request({"op": "wait", "pid": self.pid, "timeout": timeout})
            if answer["exited"]:
                self.exited, self.exit_code = True, answer["code"]
        return self.exited


class ForkServer:
    """Use as a context manager; `start()` forks `python -m module argv` with `env` (TEND_*)."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[str] | None = None

    def __enter__(self) -> ForkServer:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.forkserver"],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._read() == {"ready": True}
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.process is not None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            if self.process.stdout is not None:
                self.process.stdout.close()
            self.process = None

    def _read(self) -> dict[str, Any]:
        assert self.process is not None and self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the fork server exited")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def request(self, command: dict[str, Any]) -> dict[str, Any]:
        assert self.process is not None
        stdin: IO[str] | None = self.process.stdin
        assert stdin is not None
        stdin.write(json.dumps(command) + "\n")
        stdin.flush()
        return self._read()

    def start(
        self, module: str, argv: list[str], env: dict[str, str], stdout: Path | None = None
    ) -> Child:
        answer = self.request(
            {
                "op": "start",
                "module": module,
                "argv": argv,
                "env": env,
                "stdout": str(stdout) if stdout else None,
            }
        )
        return Child(self, int(answer["pid"]))


if __name__ == "__main__":
    serve()
