"""One benchmark stage per child process, so each stage's time and peak memory are its own.

``bench/run.py`` starts ``python bench/stages.py STAGE ARGS...`` and reads JSON lines from its
stdout: ``{"event": ...}`` lines while it works (so a stage stopped at the time cap still says
how far it got) and one ``{"result": ...}`` line at the end.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[1]
CQ_DIR = REPOSITORY / "queries" / "cq"


def emit(kind: str, **fields: Any) -> None:
    print(json.dumps({kind: fields}), flush=True)


def cpu() -> float:
    """CPU seconds of this process so far (the machine may be shared: wall time is not all)."""
    return time.process_time()


def parse_rdflib(path: str) -> None:
    from rdflib import Graph

    started, cpu0 = time.perf_counter(), cpu()
    graph = Graph()
    graph.parse(path, format="nt")
    emit("result", seconds=time.perf_counter() - started, cpu=cpu() - cpu0, triples=len(graph))


def load_oxigraph(path: str) -> None:
    """The in-memory baseline: a bare ``pyoxigraph`` bulk load of the file."""
    import pyoxigraph as ox

    started, cpu0 = time.perf_counter(), cpu()
    store = ox.Store()
    store.bulk_load(path=path, format=ox.RdfFormat.N_TRIPLES)
    emit("result", seconds=time.perf_counter() - started, cpu=cpu() - cpu0, triples=len(store))


def load_oxigraph_disk(path: str, out: str) -> None:
    """The on-disk baseline: a bare bulk load of the file into an Oxigraph store on disk
    (RocksDB), flushed; the kind of thing a build produces (``store/``, what ``serve`` reads).
    ``cpu`` counts the loader's own threads too (RocksDB compacts in background threads)."""
    import shutil

    import pyoxigraph as ox

    target = Path(out)
    if target.exists():
        shutil.rmtree(target)
    started, cpu0 = time.perf_counter(), cpu()
    store = ox.Store(str(target))
    store.bulk_load(path=path, format=ox.RdfFormat.N_TRIPLES)
    store.flush()
    seconds, used = time.perf_counter() - started, cpu() - cpu0
    triples = len(store)
    del store
    shutil.rmtree(target, ignore_errors=True)
    emit("result", seconds=seconds, cpu=used, triples=triples)


def validate(path: str) -> None:
    from rdflib import Graph

    from subdip.loading import ontology_graph
    from subdip.validation import validate as run_validation

    started = time.perf_counter()
    graph = Graph()
    graph.parse(path, format="nt")
    parsed = time.perf_counter()
    emit("event", stage="validating", at=parsed - started)
    result = run_validation(graph, ontology=ontology_graph())
    emit(
        "result",
        parse_seconds=parsed - started,
        seconds=time.perf_counter() - parsed,
        conforms=result.conforms,
        results=len(result.results),
    )


def build(path: str, out: str) -> None:
    """subdip's own build (load, validate, reason with the fast engine, write the artefact)."""
    from subdip.build import build as run_build

    started, cpu0 = time.perf_counter(), cpu()

    def progress(stage: str) -> None:
        emit("event", stage=stage, at=time.perf_counter() - started)

    result = run_build(
        data_paths=[Path(path)], out=Path(out), force=True, engine="fast", progress=progress
    )
    emit(
        "result",
        seconds=time.perf_counter() - started,
        cpu=cpu() - cpu0,
        timings=result.report.get("timings", {}),
        counts=result.report.get("counts", {}),
        engine=result.engine,
    )


def artefact(path: str, out: str) -> None:
    """The build's artefact without SHACL validation, for sizes where validation is beyond
    the cap, so the store can still be queried and served. Uses the build's own writer."""
    import shutil

    from rdflib import Graph

    from subdip import build as building
    from subdip.loading import ontology_graph

    started = time.perf_counter()
    target = Path(out)
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    timings: dict[str, float] = {}
    # the data in an in-memory Oxigraph store, as the build holds it; the rdflib graph only
    # supplies schema triples stated in the data, and the generated data states none
    import pyoxigraph as ox

    from subdip.namespaces import GRAPH_ASSERTED

    memory = ox.Store()
    building._load_into(memory, [Path(path)], ox.NamedNode(str(GRAPH_ASSERTED)))
    parts = building._write_artefact(
        target,
        memory=memory,
        ontology=ontology_graph(),
        data=Graph(),
        links=Graph(),
        engine="fast",
        timings=timings,
    )
    # an input hash as a build would write, so that `subdip serve` caches its VoID statistics
    # for this artefact as it does for a real build (first start gathers, restarts reuse)
    digest = hashlib.sha256(f"bench-artefact {Path(path).stat()}".encode()).hexdigest()
    report = {
        "input_hash": digest,
        "engine": "fast",
        "counts": parts["counts"],
        "timings": timings,
        "validation": "skipped by bench/stages.py artefact (benchmark only)",
    }
    (target / "report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    emit("result", seconds=time.perf_counter() - started, timings=timings, counts=parts["counts"])


def reason(engine: str, path: str, out: str) -> None:
    """subdip.reasoning.infer with one engine on an rdflib graph; inferences to ``out``."""
    from rdflib import Graph

    from subdip.loading import ontology_graph
    from subdip.reasoning import infer_detail

    graph = Graph()
    graph.parse(path, format="nt")
    ontology = ontology_graph()
    emit("event", stage="reasoning")
    started, cpu0 = time.perf_counter(), cpu()
    inference = infer_detail(ontology, graph, engine=engine)
    seconds, used = time.perf_counter() - started, cpu() - cpu0
    inference.graph.serialize(out, format="nt", encoding="utf-8")
    emit(
        "result",
        seconds=seconds,
        cpu=used,
        inferred=len(inference.graph),
        derived=inference.derived,
    )


def _queries() -> list[tuple[str, str]]:
    files = sorted(CQ_DIR.glob("*.rq"))
    if not files:
        raise SystemExit(f"no competency questions in {CQ_DIR}")
    return [(f.stem, f.read_text(encoding="utf-8")) for f in files]


def _timed(run: Callable[[], int], repeats: int) -> tuple[float, int]:
    """Median seconds of ``repeats`` runs (one run when it takes over 2 s) and the row count."""
    times, rows = [], 0
    for _ in range(repeats):
        started = time.perf_counter()
        rows = run()
        times.append(time.perf_counter() - started)
        if times[-1] > 2.0:
            break
    times.sort()
    return times[len(times) // 2], rows


#: Seconds one competency question may take on pyoxigraph before the stage moves on.
CQ_QUERY_CAP = 60.0


def cq_oxigraph(build_dir: str) -> None:
    """Each question in a thread (pyoxigraph releases the GIL while it evaluates), so that
    one runaway question is reported as capped and the others are still measured."""
    import os
    import threading

    from subdip.store import open_store

    store = open_store(Path(build_dir))
    capped = False
    for name, text in _queries():

        def run(text: str = text) -> int:
            result = store.query(text, use_default_graph_as_union=True)
            return sum(1 for _ in result) if hasattr(result, "__iter__") else 1

        outcome: list[tuple[float, int]] = []
        worker = threading.Thread(
            target=lambda run=run, out=outcome: out.append(_timed(run, 3)), daemon=True
        )
        worker.start()
        worker.join(CQ_QUERY_CAP)
        if not outcome:
            capped = True
            emit("event", query=name, seconds=CQ_QUERY_CAP, rows=None, capped=True)
            continue
        seconds, rows = outcome[0]
        emit("event", query=name, seconds=seconds, rows=rows)
    emit("result", done=True)
    if capped:  # a capped query is still running in its thread: leave without waiting
        sys.stdout.flush()
        os._exit(0)


def cq_rdflib(build_dir: str) -> None:
    from rdflib import Dataset

    started = time.perf_counter()
    dataset = Dataset(default_union=True)
    dataset.parse(str(Path(build_dir) / "dataset.nq"), format="nquads")
    emit("event", stage="parsed", seconds=time.perf_counter() - started)
    for name, text in _queries():

        def run(text: str = text) -> int:
            result = dataset.query(text)
            return len(result) if result.type == "SELECT" else 1

        seconds, rows = _timed(run, 1)
        emit("event", query=name, seconds=seconds, rows=rows)
    emit("result", done=True)


STAGES: dict[str, Callable[..., None]] = {
    "parse-rdflib": parse_rdflib,
    "load-oxigraph": load_oxigraph,
    "load-oxigraph-disk": load_oxigraph_disk,
    "validate": validate,
    "build": build,
    "artefact": artefact,
    "reason": reason,
    "cq-oxigraph": cq_oxigraph,
    "cq-rdflib": cq_rdflib,
}


if __name__ == "__main__":
    STAGES[sys.argv[1]](*sys.argv[2:])
