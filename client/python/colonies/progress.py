"""A progress line for ``Client.wait`` / ``Client.wait_workflow``, standard library only.

On a terminal it redraws one line in place (``\\r``); elsewhere (a pipe, a log file, a notebook
cell) it prints a plain line only when something changed, so logs stay readable.
"""

from __future__ import annotations

import sys
from typing import IO, Optional

_BAR_WIDTH = 30


def render_bar(done: int, total: int, width: int = _BAR_WIDTH) -> str:
    """``[#########.....................]``: ``done`` of ``total`` filled (``total`` 0 = empty)."""
    filled = 0 if total <= 0 else min(width, (done * width) // total)
    return "[" + "#" * filled + "." * (width - filled) + "]"


class ProgressLine:
    """Reports the state of something being waited for.

    Args:
        label: what is waited for (e.g. ``process 3dd5e6…``).
        stream: where to write; default ``sys.stderr``.
        tty: force terminal (True) or plain (False) mode; default: ``stream.isatty()``.
    """

    def __init__(self, label: str, stream: Optional[IO[str]] = None, tty: Optional[bool] = None) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        if tty is None:
            isatty = getattr(self.stream, "isatty", None)
            tty = bool(isatty()) if callable(isatty) else False
        self.tty = tty
        self._last_plain: Optional[str] = None
        self._drawn = False

    def update(self, state: str, elapsed: float, done: Optional[int] = None, total: Optional[int] = None) -> None:
        """Shows the current ``state`` word (``waiting``, ``running`` ...) and, for workflows,
        ``done`` of ``total`` nodes, after ``elapsed`` seconds."""
        counts = f"{done}/{total} nodes done" if total is not None and done is not None else ""
        if self.tty:
            bar = f"{render_bar(done or 0, total or 0)} {counts}  " if counts else ""
            self.stream.write(f"\r\033[K{self.label}: {bar}{state} {int(elapsed)}s")
            self.stream.flush()
            self._drawn = True
            return
        plain = f"{self.label}: {state}" + (f" ({counts})" if counts else "")
        if plain != self._last_plain:
            self.stream.write(f"{plain} after {int(elapsed)}s\n")
            self.stream.flush()
            self._last_plain = plain

    def finish(self, text: str) -> None:
        """Replaces the line with the final ``text`` (and a newline)."""
        if self.tty and self._drawn:
            self.stream.write("\r\033[K")
        self.stream.write(f"{self.label}: {text}\n")
        self.stream.flush()
