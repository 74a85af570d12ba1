"""Bulk-load N-Triples files into one graph of a new on-disk Oxigraph store, in a process of
its own that runs beside the build (``StoreLoad``).

Why a plain ``python -c`` interpreter, not ``multiprocessing``: a spawned process re-imports
the parent's ``__main__``, so a script that calls ``build()`` without a main guard would start
its build again in the child (and fail); a forked one cannot use Oxigraph's loading threads
once the parent has used them (it waits for threads that were not copied). The child imports
this module (with ``subdip.paths`` and ``subdip.errors``) and pyoxigraph, not the build's own
dependencies such as rdflib.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from subdip import paths
from subdip.errors import BuildError

#: How much lower the loader's CPU priority is than the build's. RocksDB loads with several
#: threads, which otherwise take most of the 2 cores from the validation and the reasoner (each
#: one thread, and on the critical path); the store is needed only after reasoning. At 1 M,
#: six pairs of builds: the lower priority gave the shorter build in 5 of 6.
NICENESS = 10

#: What the child's stderr holds before its error message, when the load failed as expected
_FAILED = "cannot write the store: "


def load(store: Path, graph: str, files: list[Path]) -> None:
    """Bulk-load ``files`` (N-Triples) into ``graph`` of a new store at ``store``, flushed."""
    import pyoxigraph as ox

    target = ox.Store(str(store))
    for file in files:
        target.bulk_load(
            path=str(file),
            format=ox.RdfFormat.N_TRIPLES,
            lenient=True,
            to_graph=ox.NamedNode(graph),
        )
    target.flush()


def main(argv: list[str] | None = None) -> int:
    """The child: ``STORE GRAPH FILE...``; 0 once loaded, 1 with the reason on stderr."""
    store, graph, *files = sys.argv[1:] if argv is None else argv
    os.nice(NICENESS)  # inherited by the threads RocksDB starts
    try:
        load(Path(store), graph, [Path(f) for f in files])
    except (OSError, ValueError, SyntaxError) as err:
        print(f"{_FAILED}{err}", file=sys.stderr)
        return 1
    return 0


class StoreLoad:
    """The child process loading a store, started at once; ``wait`` for it to end."""

    def __init__(self, store: Path, graph: str, files: list[Path]) -> None:
        self.started = time.perf_counter()
        #: how long the load took (known once ``wait`` returned)
        self.seconds = 0.0
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the process)
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys; from subdip.store_load import main; sys.exit(main())",
                str(store),
                graph,
                *map(str, files),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
            env=paths.child_environment(),
        )

    def wait(self) -> None:
        """Return once the store is loaded; a failed load is a ``BuildError`` with its reason."""
        code = self._process.wait()
        self.seconds = time.perf_counter() - self.started
        self._stderr.seek(0)
        said = self._stderr.read().decode("utf-8", "replace").strip()
        self._stderr.close()
        if code == 0:
            return
        reasons = [line for line in said.splitlines() if line.startswith(_FAILED)]
        if reasons:  # the last line the child wrote on purpose (warnings may come before it)
            raise BuildError(reasons[-1], hint="check the free disk space and the data files")
        raise BuildError(
            f"the store load process ended with exit code {code}: {said[-2000:] or 'no message'}",
            hint="a negative code is a signal (-9: out of memory?); otherwise please report it",
        )

    def stop(self) -> None:
        """End the child if it still runs (the build stopped for another reason)."""
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        if not self._stderr.closed:
            self._stderr.close()
