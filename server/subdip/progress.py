"""Progress of long jobs (build, publish) for a person at a terminal, drawn by tqdm.

Each stage gets its own tqdm line: its name, a count with its unit, the rate and, when the
total is known, an ETA. Nothing is written when stderr is not a terminal or ``CI`` is set, so
logs and CI output stay clean. The library functions (``subdip.build.build``,
``subdip.publish.publish``) take any callable ``progress(stage)``; a :class:`Reporter` also
takes a total and counts (:func:`stage`, :func:`advance` hide the difference), so the bench's
plain callables keep working.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, TextIO

from tqdm import tqdm

Progress = Callable[[str], None]


def wanted(stream: TextIO | None = None) -> bool:
    """Show progress only to a person: the stream is a terminal and ``CI`` is not set."""
    stream = stream or sys.stderr
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


class Reporter:
    """Call it with a stage name (and optionally the stage's total and unit); it closes the
    previous stage's line, which keeps its count and elapsed time.

    >>> import io
    >>> out = io.StringIO()
    >>> report = Reporter(out, total=2, enabled=True)
    >>> report("loading", total=10, unit="triples"); report.advance(10); report.done()
    >>> "[1/2] loading" in out.getvalue() and "100%" in out.getvalue()
    True
    """

    def __init__(
        self, stream: TextIO | None = None, *, total: int | None = None, enabled: bool | None = None
    ) -> None:
        self.stream = stream or sys.stderr
        self.enabled = wanted(self.stream) if enabled is None else enabled
        self.stages = total
        self.count = 0
        self._bar: Any = None

    def __call__(self, stage: str, *, total: int | None = None, unit: str = "it") -> None:
        self._close()
        self.count += 1
        prefix = f"[{self.count}/{self.stages}] " if self.stages else ""
        self._bar = tqdm(
            total=total,
            desc=f"{prefix}{stage}",
            unit=unit,
            unit_scale=True,
            file=self.stream,
            disable=not self.enabled,
            leave=True,
            mininterval=0.5,
            # no total: a count would mean nothing; show the stage, its time and its notes
            bar_format=None if total is not None else "{desc}: {elapsed}{postfix}",
        )

    def advance(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def note(self, text: str) -> None:
        """Counts known only at the end of a stage (triples loaded, inferred), shown beside it."""
        if self._bar is not None:
            self._bar.set_postfix_str(text, refresh=True)

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def done(self) -> None:
        self._close()
        self.stream.flush()


def stage(
    progress: Progress | None, name: str, *, total: int | None = None, unit: str = "it"
) -> None:
    """Start a stage on ``progress``, with a total if it can show one."""
    if progress is None:
        return
    if isinstance(progress, Reporter):
        progress(name, total=total, unit=unit)
    else:
        progress(name)


def advance(progress: Progress | None, n: int) -> None:
    if isinstance(progress, Reporter):
        progress.advance(n)


def note(progress: Progress | None, text: str) -> None:
    if isinstance(progress, Reporter):
        progress.note(text)
