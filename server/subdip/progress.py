"""Staged progress messages for long jobs: shown on a terminal, silent in CI or in a pipe."""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO


def wanted(stream: TextIO | None = None) -> bool:
    """Show progress only to a person: stderr is a terminal and ``CI`` is not set."""
    stream = stream or sys.stderr
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


class StageReporter:
    """Call it with a stage name; it closes the previous stage with its duration.

    >>> import io
    >>> out = io.StringIO()
    >>> report = StageReporter(out, total=2)
    >>> report("loading"); report("validating"); report.done()
    >>> out.getvalue().splitlines()[0]
    '[1/2] loading ...'
    """

    def __init__(self, stream: TextIO | None = None, *, total: int | None = None) -> None:
        self.stream = stream or sys.stderr
        self.total = total
        self.count = 0
        self._started: float | None = None

    def __call__(self, stage: str) -> None:
        self._close()
        self.count += 1
        prefix = f"[{self.count}/{self.total}] " if self.total else ""
        self.stream.write(f"{prefix}{stage} ...\n")
        self.stream.flush()
        self._started = time.perf_counter()

    def _close(self) -> None:
        if self._started is not None:
            elapsed = time.perf_counter() - self._started
            self.stream.write(f"      done in {elapsed:.1f} s\n")
            self._started = None

    def done(self) -> None:
        self._close()
        self.stream.flush()
