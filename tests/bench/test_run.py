"""The benchmark's own logic: its lookups hit real resources, its comparison of inference sets
and its table tell the truth about what they are given."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pyoxigraph
import pytest


@pytest.fixture(scope="module")
def small_store(small_file: Path) -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    store.load(small_file.read_bytes(), format=pyoxigraph.RdfFormat.N_TRIPLES)
    return store


def test_lookup_queries_name_resources_that_exist(
    generate: ModuleType,
    endpoints_module: ModuleType,
    small_store: pyoxigraph.Store,
    tmp_path: Path,
) -> None:
    stats = generate.generate(10_000, tmp_path / "g.nt", seed=3)  # same as small_file
    queries = endpoints_module.lookup_queries(stats.counts, 40, seed=9)
    assert len(queries) == 40
    described = [q for q in queries if "?p ?o" in q or "rdfs:label" in q]
    assert described
    for query in described:  # a county's description, a prefecture's names: never empty
        assert list(small_store.query(query)), query
    for query in queries:  # the others parse and run (controls needs the inferred graph)
        list(small_store.query(query))


def test_compare_inferences_reports_differences_by_predicate(
    run_module: ModuleType, tmp_path: Path
) -> None:
    a = "<http://e/a> <http://e/p> <http://e/b> .\n<http://e/a> <http://e/q> <http://e/c> .\n"
    b = "<http://e/a>  <http://e/p>  <http://e/b> .\n"  # same triple, other spacing
    (tmp_path / "fast.nt").write_text(a, encoding="utf-8")
    (tmp_path / "owlrl.nt").write_text(b, encoding="utf-8")
    result = run_module.compare_inferences(tmp_path / "fast.nt", tmp_path / "owlrl.nt")
    assert (result["fast"], result["owlrl"], result["common"]) == (2, 1, 1)
    assert result["equal"] is False
    assert result["only_fast"] == {"<http://e/q>": 1}
    same = run_module.compare_inferences(tmp_path / "owlrl.nt", tmp_path / "owlrl.nt")
    assert same["equal"] is True


def test_capped_build_shows_how_far_it_got(run_module: ModuleType) -> None:
    record = {
        "build": {
            "capped": True,
            "wall_s": 600.0,
            "result": None,
            "events": [{"stage": "loading", "at": 0.5}, {"stage": "validating", "at": 40.5}],
        }
    }
    assert run_module._build_stage(record, "load") == "40.00"
    assert run_module._build_stage(record, "validate") == "> 560 (stopped at the cap)"
    assert run_module._build_stage(record, "reason") == "not reached"
