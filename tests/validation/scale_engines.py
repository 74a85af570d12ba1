"""Validation time of both engines on generated data (not a test: performance stays out of pytest).

    .venv/bin/python bench/generate.py --size 100k --seed 1 --out /tmp/synth-100k.nt
    .venv/bin/python tests/validation/scale_engines.py /tmp/synth-100k.nt --engines fast,pyshacl

Prints, per file and engine, the rdflib parse (not part of validation), the whole ``validate()``
call, and the conformance and result count. The fast engine's run is split into its stages:
copying the graph into pyoxigraph, the compiled core checks, and the global SPARQL rules.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from subdip import shacl_fast
from subdip.loading import ontology_graph
from subdip.validation import (
    _split_shapes,
    _store,
    inoculate,
    shapes_graph,
    validate,
    validate_store,
)


def _stages(graph: Graph, ontology: Graph, shapes: Graph) -> str:
    """The fast engine's stages, timed one by one (the same calls ``validate`` makes)."""
    started = time.perf_counter()
    store = _store(graph, inoculate(Graph(), ontology))
    copied = time.perf_counter()
    core, rules = _split_shapes(shapes)
    checks = shacl_fast.compile_checks(core, shacl_fast.subclass_closure(store))
    hits = sum(1 for _ in shacl_fast.run_checks(checks, store))
    checked = time.perf_counter()
    for rule in rules:
        sum(1 for _ in store.query(rule.query))
    ruled = time.perf_counter()
    return (
        f"to-store {copied - started:.1f}s, {len(checks)} core checks {checked - copied:.1f}s "
        f"({hits} hits), {len(rules)} rules {ruled - checked:.1f}s"
    )


def _store_mode(path: Path, ontology: Graph, shapes: Graph) -> str:
    """``validate_store`` on the file bulk-loaded by Oxigraph (the path a large build takes)."""
    started = time.perf_counter()
    store = ox.Store()
    graph = ox.NamedNode("urn:x-bench:data")
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
    loaded = time.perf_counter()
    result = validate_store(store, graph, ontology=ontology, shapes=shapes)
    done = time.perf_counter()
    return (
        f"store mode: bulk load {loaded - started:.1f}s, validate_store {done - loaded:.1f}s, "
        f"conforms={result.conforms}, {len(result.results)} result(s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument(
        "--engines", default="store,fast,pyshacl", help="store: validate_store on Oxigraph's load"
    )
    args = parser.parse_args()
    ontology, shapes = ontology_graph(), shapes_graph()
    for path in args.files:
        if "store" in args.engines.split(","):
            print(f"{path.name}: {_store_mode(path, ontology, shapes)}", flush=True)
        started = time.perf_counter()
        graph = Graph().parse(path, format="nt")
        parsed = time.perf_counter() - started
        print(f"{path.name}: {len(graph)} triples, rdflib parse {parsed:.1f}s", flush=True)
        for engine in [e for e in args.engines.split(",") if e != "store"]:
            started = time.perf_counter()
            result = validate(graph, ontology=ontology, shapes=shapes, engine=engine)
            took = time.perf_counter() - started
            print(
                f"  {engine}: validate {took:.1f}s, conforms={result.conforms}, "
                f"{len(result.results)} result(s)",
                flush=True,
            )
            if engine == "fast":
                print(f"    stages: {_stages(graph, ontology, shapes)}", flush=True)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  peak memory of this process so far: {peak:.0f} MB", flush=True)


if __name__ == "__main__":
    main()
