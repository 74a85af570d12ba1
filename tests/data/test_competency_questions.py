"""The competency questions (queries/cq/NN-slug.rq) return the rows their expected-answer files
(NN-slug.expected.json) list, written from the sources. They run over the union of the ontology,
asserted, inferred and links graphs, as the server runs them; questions flagged
needs_inference=false must also be answered without the inferred graph, and those flagged true
must not be (so the flag stays honest)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib.plugins.sparql import prepareQuery

from subdip.namespaces import ID, SUBDIP
from subdip.paths import queries_dir

CQ_DIR = queries_dir() / "cq"
QUERIES = sorted(CQ_DIR.glob("*.rq"))
PREFIXES = {"id:": str(ID), "subdip:": str(SUBDIP)}

Row = tuple[Any, ...]


def expected_of(query: Path) -> dict[str, Any]:
    path = query.with_name(query.stem + ".expected.json")
    assert path.is_file(), f"{query.name} has no expected answer file {path.name}"
    return json.loads(path.read_text(encoding="utf-8"))


def expand(value: str | None) -> str | None:
    """'id:pub/wong2018' -> the full IRI; plain strings are literal lexical forms."""
    if value is None:
        return None
    for prefix, namespace in PREFIXES.items():
        if value.startswith(prefix):
            return namespace + value[len(prefix) :]
    return value


def plain(term: ox.NamedNode | ox.Literal | ox.BlankNode | None) -> str | None:
    return None if term is None else term.value


def run(store: ox.Store, query: Path, variables: list[str]) -> set[Row]:
    solutions = store.query(query.read_text(encoding="utf-8"), use_default_graph_as_union=True)
    return {tuple(plain(solution[v]) for v in variables) for solution in solutions}


def wanted(expected: dict[str, Any]) -> tuple[list[str], set[Row]]:
    variables = sorted({key for row in expected["rows"] for key in row})
    rows = {tuple(expand(row.get(v)) for v in variables) for row in expected["rows"]}
    return variables, rows


def test_there_are_twenty_questions() -> None:
    assert [q.name[:2] for q in QUERIES] == [f"{n:02d}" for n in range(1, 21)]


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.stem)
def test_question_is_standard_sparql_with_a_well_formed_answer(query: Path) -> None:
    prepareQuery(query.read_text(encoding="utf-8"))  # a second, independent SPARQL 1.1 parser
    expected = expected_of(query)
    assert isinstance(expected["needs_inference"], bool)
    assert expected["rows"], "an expected answer lists at least one row"
    assert expected["claims"], "an expected answer names the claims it comes from"
    header = [line for line in query.read_text(encoding="utf-8").splitlines() if line][:12]
    comment = " ".join(line for line in header if line.startswith("#"))
    cited = {int(n) for n in re.findall(r"\b\d+\b", comment)}
    assert set(expected["claims"]) <= cited, (
        f"{query.name}: cite claims {sorted(set(expected['claims']) - cited)} in the header comment"
    )


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.stem)
def test_question_returns_the_expected_rows(query: Path, reasoned_store: ox.Store) -> None:
    expected = expected_of(query)
    variables, rows = wanted(expected)
    got = run(reasoned_store, query, variables)
    missing = rows - got
    assert not missing, f"{query.name}: rows missing from the answer: {sorted(missing, key=str)}"
    if expected.get("complete"):
        extra = got - rows
        assert not extra, f"{query.name}: rows no source supports: {sorted(extra, key=str)}"


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.stem)
def test_inference_flag_is_honest(query: Path, asserted_store: ox.Store) -> None:
    expected = expected_of(query)
    variables, rows = wanted(expected)
    got = run(asserted_store, query, variables)
    if expected["needs_inference"]:
        assert not rows <= got, f"{query.name} is answered without inference: set the flag false"
    else:
        assert rows <= got, f"{query.name} needs inference: rows missing {rows - got}"
