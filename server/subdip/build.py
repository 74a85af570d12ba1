"""load -> validate -> reason -> a build artefact, written atomically and cached by input hash.

The artefact (``dataset.nq``, ``store/``, ``report.json``; see ``subdip.store``) is written into
a temporary folder beside the target and swapped in only once complete, so a failed or
interrupted build leaves the previous artefact as it was. A build whose inputs (ontology, data,
links, shapes, subdip version, engine) hash to the value in the existing ``report.json`` is
not redone.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph

from subdip import __version__, paths
from subdip.errors import NotConformingError
from subdip.namespaces import GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_LINKS, GRAPH_ONTOLOGY
from subdip.store import DATASET_FILE, REPORT_FILE, STORE_DIR, artefact_ready, quads, read_report

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
STAGES = ("loading", "validating", "reasoning", "writing the artefact")


@dataclass
class Inputs:
    """The files a build reads, by role."""

    ontology: list[Path]
    data: list[Path]
    links: list[Path]
    shapes: list[Path]

    def all(self) -> list[Path]:
        return sorted({*self.ontology, *self.data, *self.links, *self.shapes})


@dataclass
class BuildResult:
    """What a build produced (or found already up to date)."""

    out: Path
    up_to_date: bool
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def engine(self) -> str:
        return str(self.report.get("engine", ""))

    def summary(self) -> str:
        counts = self.report.get("counts", {})
        shown = ", ".join(f"{name} {n}" for name, n in counts.items())
        if self.up_to_date:
            return f"up to date: {self.out} ({shown})"
        total = sum(self.report.get("timings", {}).values())
        return f"built {self.out} in {total:.1f} s with {self.engine} ({shown})"


def collect_inputs(data_paths: Iterable[Path] | None = None) -> Inputs:
    """The ontology, data, link and shapes files of a build.

    With ``data_paths`` the data comes from those files or folders; links are then the
    ``links/`` sub-folders of the given folders (none otherwise).
    """
    from subdip import loading

    if data_paths is None:
        data = loading.data_files()
        links = loading.link_files()
    else:
        given = [Path(p) for p in data_paths]
        link_dirs = [p / "links" for p in given if (p / "links").is_dir()]
        data = loading.expand(given, exclude=link_dirs)
        links = sorted(f for d in link_dirs for f in d.glob("*.ttl"))
    shapes = loading.expand([paths.shapes_dir()]) if paths.shapes_dir().is_dir() else []
    return Inputs(ontology=[paths.ontology_file()], data=data, links=links, shapes=shapes)


def input_hash(inputs: Inputs, engine: str) -> str:
    """sha256 over each input file's name and bytes (sorted), the subdip version and engine."""
    digest = hashlib.sha256()
    root = paths.resource_root()
    for path in inputs.all():
        try:
            name = str(path.resolve().relative_to(root))
        except ValueError:
            name = str(path.resolve())
        digest.update(name.encode("utf-8") + b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    digest.update(f"subdip {__version__}; engine {engine}".encode())
    return digest.hexdigest()


def _write_artefact(
    target: Path, graphs: dict[str, tuple[Any, Graph]], report: dict[str, Any]
) -> None:
    """Write the store, dataset.nq and report.json into ``target`` (an empty folder)."""
    store = ox.Store(str(target / STORE_DIR))
    for _, (name, graph) in graphs.items():
        store.bulk_extend(quads(graph, name))
    store.flush()
    store.dump(str(target / DATASET_FILE), ox.RdfFormat.N_QUADS)
    del store
    (target / REPORT_FILE).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


def _swap_in(new: Path, out: Path) -> None:
    """Replace ``out`` by ``new``; the old artefact is removed only after ``new`` is in place."""
    old: Path | None = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        os.rename(out, old / out.name)
    try:
        os.rename(new, out)
    except OSError:
        if old is not None:  # put the previous artefact back before reporting the failure
            os.rename(old / out.name, out)
            shutil.rmtree(old, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def build(
    *,
    data_paths: Iterable[Path] | None = None,
    out: Path | None = None,
    force: bool = False,
    engine: str = "auto",
    progress: Progress | None = None,
) -> BuildResult:
    """Build the dataset artefact into ``out`` (default ``paths.default_build_dir()``).

    Raises ``LoadError`` (unreadable input), ``NotConformingError`` (the data violates the
    shapes; ``err.report`` is the ``ValidationResult``) or ``BuildError`` (inconsistent data,
    unwritable target); in each case the previous artefact is left untouched.
    """
    from subdip import loading, validation
    from subdip.reasoning import check_engine, infer_detail

    check_engine(engine)  # reject an unknown engine before any work
    out = Path(out) if out is not None else paths.default_build_dir()
    step = progress or (lambda _stage: None)
    timings: dict[str, float] = {}

    inputs = collect_inputs(data_paths)
    digest = input_hash(inputs, engine)
    previous = read_report(out)
    if not force and previous and previous.get("input_hash") == digest and artefact_ready(out):
        return BuildResult(out=out, up_to_date=True, report=previous)

    started = time.perf_counter()
    step(STAGES[0])
    ontology = loading.load_graph(inputs.ontology).graph
    data = loading.load_graph(inputs.data)
    links = loading.load_graph(inputs.links).graph if inputs.links else Graph()
    timings["load"] = time.perf_counter() - started

    started = time.perf_counter()
    step(STAGES[1])
    checked = data.graph + links if len(links) else data.graph
    result = validation.validate(checked, ontology=ontology, locate=data.locate)
    timings["validate"] = time.perf_counter() - started
    if not result.conforms:
        raise NotConformingError(
            f"the data does not conform to the shapes ({result.summary()}); nothing was built",
            report=result,
            hint="fix the violations listed above, then build again",
        )

    started = time.perf_counter()
    step(STAGES[2])
    inference = infer_detail(ontology, data.graph, engine=engine)
    timings["reason"] = time.perf_counter() - started

    started = time.perf_counter()
    step(STAGES[3])
    graphs = {
        "ontology": (GRAPH_ONTOLOGY, ontology),
        "asserted": (GRAPH_ASSERTED, data.graph),
        "inferred": (GRAPH_INFERRED, inference.graph),
        "links": (GRAPH_LINKS, links),
    }
    report: dict[str, Any] = {
        "input_hash": digest,
        "subdip_version": __version__,
        "engine": inference.engine,
        "engine_requested": engine,
        "counts": {name: len(graph) for name, (_, graph) in graphs.items()},
        "graphs": {name: str(iri) for name, (iri, _) in graphs.items()},
        "inference": {"derived": inference.derived, "dropped": inference.dropped},
        "inputs": [str(p) for p in inputs.all()],
        "timings": timings,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        _write_artefact(tmp, graphs, report)
        timings["write"] = time.perf_counter() - started
        report["timings"] = {k: round(v, 3) for k, v in timings.items()}
        (tmp / REPORT_FILE).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        _swap_in(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    if progress is not None and hasattr(progress, "done"):
        progress.done()
    log.info("built %s: %s", out, report["counts"])
    return BuildResult(out=out, up_to_date=False, report=report)
