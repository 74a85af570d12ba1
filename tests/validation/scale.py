"""Measure validation time against data size (not a test; performance belongs out of pytest).

    .venv/bin/python tests/validation/scale.py 440 880 1750    # ~25k, 50k, 100k triples

Prints, per size, the time to load the in-memory store, to run the global SPARQL rules, and the
whole validation. Time should grow linearly with the triples.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import synthetic_graph

from subdip.loading import ontology_graph
from subdip.validation import _split_shapes, _store, shapes_graph, validate


def main(sizes: list[int]) -> None:
    ontology, shapes = ontology_graph(), shapes_graph()
    _core, rules = _split_shapes(shapes)
    for units in sizes:
        graph = synthetic_graph(units)
        start = time.perf_counter()
        store = _store(graph, ontology)
        loaded = time.perf_counter()
        for rule in rules:
            list(store.query(rule.query))
        ruled = time.perf_counter()
        result = validate(graph, ontology=ontology, shapes=shapes)
        done = time.perf_counter()
        print(
            f"triples={len(graph)} store={loaded - start:.2f}s rules={ruled - loaded:.2f}s "
            f"validate={done - ruled:.2f}s conforms={result.conforms}",
            flush=True,
        )


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [100, 200, 400])
