"""Ontology hygiene: every query in queries/hygiene/ returns no rows on the shipped ontology.

Each query is also run on a small graph that breaks its rule, so a query that silently matches
nothing (a typo in a prefix, a wrong path) fails here instead of passing for ever.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from ontology_testkit import PREFIXES

from subdip import paths

HYGIENE_DIR = paths.queries_dir() / "hygiene"
QUERIES = sorted(HYGIENE_DIR.glob("*.rq"))

_CLASS = (
    'a owl:Class ; rdfs:label "x"@en , "类"@zh ; skos:definition "x"@en ; '
    "rdfs:isDefinedBy <https://w3id.org/subdip/ontology>"
)
_PROPERTY = (
    'a owl:ObjectProperty ; rdfs:label "p"@en , "属性"@zh ; skos:definition "p"@en ; '
    "rdfs:isDefinedBy <https://w3id.org/subdip/ontology>"
)

#: For each query: a graph that breaks its rule, and a term the query must report for it.
VIOLATIONS: dict[str, tuple[str, str]] = {
    "definition-language": (f'subdip:A {_CLASS} ; skos:altLabel "untagged" .', "subdip:A"),
    "duplicate-label": (  # as 0.1.0 did with 批准: a class altLabel is a property label
        'subdip:A a owl:Class ; rdfs:label "a"@en ; skos:altLabel "批准"@zh . '
        'subdip:p a owl:ObjectProperty ; rdfs:label "p"@en , "批准"@zh .',
        "subdip:p",
    ),
    "foreign-subdip-namespace": (
        f"subdip:A {_CLASS} ; rdfs:subClassOf <https://w3id.org/subdip/ontologyB> .",
        "<https://w3id.org/subdip/ontologyB>",
    ),
    "inverse-mismatch": (
        f"subdip:p {_PROPERTY} ; owl:inverseOf subdip:q ; rdfs:domain subdip:A ; "
        f"rdfs:range subdip:B . subdip:q {_PROPERTY} ; rdfs:domain subdip:A ; "
        "rdfs:range subdip:A .",
        "subdip:p",
    ),
    "missing-definition": (
        'subdip:A a owl:Class ; rdfs:label "a"@en , "甲"@zh ; '
        "rdfs:isDefinedBy <https://w3id.org/subdip/ontology> .",
        "subdip:A",
    ),
    "missing-isdefinedby": (
        'subdip:A a owl:Class ; rdfs:label "a"@en , "甲"@zh ; skos:definition "a"@en .',
        "subdip:A",
    ),
    "missing-label-en": (
        'subdip:A a owl:Class ; rdfs:label "甲"@zh ; skos:definition "a"@en .',
        "subdip:A",
    ),
    "missing-label-zh": (
        'subdip:A a owl:Class ; rdfs:label "a"@en , "jia"@zh ; skos:definition "a"@en .',
        "subdip:A",
    ),
    "ontology-metadata": (
        '<https://w3id.org/subdip/ontology> a owl:Ontology ; owl:versionInfo "0.0.9" .',
        '"unexpected http://www.w3.org/2002/07/owl#versionInfo: 0.0.9"',
    ),
    "profile-datatype": (
        f"subdip:d {_PROPERTY} . subdip:d a owl:DatatypeProperty ; rdfs:range xsd:date .",
        "subdip:d",
    ),
    "profile-equivalent-class": (
        f"subdip:A {_CLASS} ; owl:equivalentClass [ a owl:Restriction ; "
        "owl:onProperty subdip:p ; owl:someValuesFrom subdip:B ] .",
        "subdip:A",
    ),
    "profile-forbidden-axiom": (
        f"subdip:p {_PROPERTY} . subdip:p a owl:ReflexiveProperty .",
        "subdip:p",
    ),
    "profile-subclass-expression": (
        f"subdip:A {_CLASS} . [ a owl:Class ; owl:intersectionOf ( subdip:A [ a owl:Restriction ; "
        "owl:onProperty subdip:p ; owl:allValuesFrom subdip:A ] ) ] rdfs:subClassOf subdip:A .",
        "owl:allValuesFrom",
    ),
    "profile-superclass-expression": (
        f"subdip:A {_CLASS} ; rdfs:subClassOf [ a owl:Restriction ; owl:onProperty subdip:p ; "
        "owl:someValuesFrom subdip:A ] .",
        "subdip:A",
    ),
    "property-without-domain-or-range": (
        f"subdip:p {_PROPERTY} ; rdfs:domain subdip:A , subdip:B .",
        "subdip:p",
    ),
    "symmetric-domain-range": (
        f"subdip:p {_PROPERTY} . subdip:p a owl:SymmetricProperty ; rdfs:domain subdip:A ; "
        "rdfs:range subdip:B .",
        "subdip:p",
    ),
    "undeclared-own-term": (
        f"subdip:A {_CLASS} ; rdfs:subClassOf subdip:Misspelt .",
        "subdip:Misspelt",
    ),
}

_SHORT = {
    "https://w3id.org/subdip/ontology#": "subdip:",
    "http://www.w3.org/2002/07/owl#": "owl:",
}


def _show(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> str:
    if isinstance(term, ox.NamedNode):
        for namespace, prefix in _SHORT.items():
            if term.value.startswith(namespace):
                return prefix + term.value[len(namespace) :]
    return str(term)


def run(query: Path, store: ox.Store) -> list[dict[str, str]]:
    """The query's rows as {variable: readable term}."""
    solutions = store.query(query.read_text(encoding="utf-8"))
    names = [variable.value for variable in solutions.variables]
    return [{name: _show(row[name]) for name in names} for row in solutions]


def test_hygiene_queries_are_present() -> None:
    assert len(QUERIES) >= 10, f"expected the hygiene suite in {HYGIENE_DIR}, found {QUERIES}"


@pytest.mark.parametrize("query", QUERIES, ids=lambda path: path.stem)
def test_ontology_passes_hygiene_query(query: Path, ontology_store: ox.Store) -> None:
    rows = run(query, ontology_store)
    offending = "\n".join(str(row) for row in rows)
    assert not rows, f"{query.name} found {len(rows)} problem(s):\n{offending}"


@pytest.mark.parametrize("query", QUERIES, ids=lambda path: path.stem)
def test_hygiene_query_catches_its_violation(query: Path) -> None:
    assert query.stem in VIOLATIONS, f"add a violating case for {query.name} to VIOLATIONS"
    text, expected = VIOLATIONS[query.stem]
    store = ox.Store()
    store.load(input=(PREFIXES + text).encode(), format=ox.RdfFormat.TURTLE)
    rows = run(query, store)
    reported = {value for row in rows for value in row.values()}
    assert expected in reported, f"{query.name} did not report {expected}; rows: {rows}"
