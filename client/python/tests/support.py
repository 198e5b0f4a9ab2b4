"""Test support: a real coloniesd on a free 127.0.0.1 port with a temporary SQLite store, and
the real ``colonies`` CLI to set up a colony (as tests/integration/server/server_process.cpp and
scripts/dev.sh do for the C++ tests).

The binaries come from run_tests.py (``--coloniesd``, ``--colonies``) through the environment
variables COLONIESD_BINARY and COLONIES_CLI_BINARY.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from typing import Dict, List, Optional


def binary(var: str) -> str:
    path = os.environ.get(var, "")
    if not path or not os.access(path, os.X_OK):
        raise RuntimeError(f"{var} must name the built binary (run through tests/run_tests.py, or ctest); got '{path}'")
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    # The server dies with the test runner, also when that crashes: no orphan listening on.
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def run_cli(args: List[str], env: Dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    """Runs the ``colonies`` CLI with ``env`` added to a clean COLONIES_* environment."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("COLONIES_")}
    base.update(env)
    result = subprocess.run([binary("COLONIES_CLI_BINARY"), *args], env=base, capture_output=True, text=True,
                            timeout=60)
    if check and result.returncode != 0:
        raise RuntimeError(f"colonies {' '.join(args)} failed ({result.returncode}): {result.stderr}{result.stdout}")
    return result


def cli_generate_key() -> Dict[str, str]:
    """A key made by the C++ side: ``colonies --json security generate`` -> {"id", "prvkey"}."""
    return json.loads(run_cli(["--json", "security", "generate"], {}).stdout)


class Server:
    """One coloniesd child process with its own temporary directory."""

    def __init__(self, server_id: str, extra_args: Optional[List[str]] = None, tls: bool = False) -> None:
        self.server_id = server_id
        self.extra_args = extra_args or []
        self.tls = tls
        self.dir = tempfile.mkdtemp(prefix="colonies-pysdk-")
        self.port = 0
        self.proc: Optional[subprocess.Popen] = None
        self.log_path = os.path.join(self.dir, "coloniesd.log")

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def start(self) -> "Server":
        for _ in range(3):  # another process may take the free port before coloniesd binds it
            self.port = free_port()
            if self._spawn():
                return self
            if self.proc is not None and self.proc.poll() is None:
                break
        self.stop()
        raise RuntimeError(f"coloniesd did not become ready; log tail:\n{self.log_tail()}")

    def restart(self) -> None:
        """Stops the server (SIGTERM) and starts it again on the same port and data."""
        self.stop()
        if not self._spawn():
            self.stop()
            raise RuntimeError(f"coloniesd did not come back; log tail:\n{self.log_tail()}")

    def _spawn(self) -> bool:
        args = [binary("COLONIESD_BINARY"), "--host", "127.0.0.1", "--port", str(self.port),
                "--data-dir", os.path.join(self.dir, "data"), "--server-id", self.server_id,
                "--threads", "2", "--log-level", "info", *self.extra_args]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        return self._wait_ready(20.0)

    def _wait_ready(self, seconds: float) -> bool:
        import ssl
        context = ssl._create_unverified_context() if self.tls else None  # the tests check verification themselves
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            if self.proc is not None and self.proc.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=1, context=context) as r:
                    if r.status == 200:
                        return True
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.05)
        return False

    def log_tail(self, size: int = 4000) -> str:
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-size:].decode("utf-8", errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
