"""Where a server's CPU goes, by shared object: ``perf record`` over its processes while the
load runs, then ``perf report --sort dso``. Linux only; needs ``perf`` (Debian:
``linux-perf``) and permission to trace (root, or ``kernel.perf_event_paranoid`` <= 1).

Why by shared object: Python 3.11 frames are invisible to perf, but the split between the
engine (pyoxigraph and RocksDB), the Python interpreter, the C library (mostly the allocator,
called by both), the kernel and the HTTP server is exactly what tells a Python request path's
own cost from the engine's.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
from pathlib import Path

#: Shared-object name fragments -> part, first match wins.
PARTS = (
    ("pyoxigraph", "engine"),
    ("libstdc++", "engine"),
    ("librocksdb", "engine"),
    ("libpython", "Python interpreter"),
    ("_granian", "HTTP server"),
    ("libc.so", "C library (allocator)"),
    ("[kernel", "kernel"),
    ("[vdso]", "kernel"),
)


def available() -> bool:
    return shutil.which("perf") is not None


class Recording:
    """``perf record`` of ``pids`` from construction until :meth:`stop`."""

    def __init__(self, pids: list[int], out: Path, frequency: int = 999) -> None:
        self.out = out
        self.proc = subprocess.Popen(
            [
                "perf",
                "record",
                "-F",
                str(frequency),
                "-o",
                str(out),
                "-p",
                ",".join(map(str, pids)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self) -> dict[str, float]:
        """Stop recording; the share of samples per part (fractions summing to 1)."""
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=60)
        report = subprocess.run(
            ["perf", "report", "-i", str(self.out), "--sort", "dso", "--stdio", "-g", "none"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        self.out.unlink(missing_ok=True)
        return shares(report)


def shares(report: str) -> dict[str, float]:
    """Parse ``perf report --sort dso --stdio`` lines (``  36.71%  libpython3.11.so.1.0``)."""
    out: dict[str, float] = {}
    for line in report.splitlines():
        words = line.split()
        if len(words) < 2 or line.lstrip().startswith("#") or not words[0].endswith("%"):
            continue
        dso = " ".join(words[1:])
        part = next((name for key, name in PARTS if key in dso), "other")
        out[part] = out.get(part, 0.0) + float(words[0].rstrip("%")) / 100
    return out
