"""The generator: deterministic, at the requested size, with the administrative hierarchy's
shape, our provenance pattern, and honest synthetic names."""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path
from types import ModuleType

import pyoxigraph
import pytest

SUBDIP = "https://w3id.org/subdip/ontology#"
ID = "https://w3id.org/subdip/id/"
SYNTH = f"{ID}synth/"
PREFIXES = f"""
PREFIX subdip: <{SUBDIP}>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _count(store: pyoxigraph.Store, where: str) -> int:
    rows = list(store.query(f"{PREFIXES} SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}"))
    return int(rows[0]["n"].value)


def test_same_seed_gives_the_same_bytes(generate: ModuleType, tmp_path: Path) -> None:
    first, second, other = tmp_path / "a.nt", tmp_path / "b.nt", tmp_path / "c.nt"
    generate.generate(10_000, first, seed=5)
    generate.generate(10_000, second, seed=5)
    generate.generate(10_000, other, seed=6)
    assert _digest(first) == _digest(second)
    assert _digest(first) != _digest(other)


@pytest.mark.parametrize("target", [10_000, 23_456])
def test_writes_the_target_number_of_triples(
    generate: ModuleType, tmp_path: Path, target: int
) -> None:
    out = tmp_path / "g.nt"
    stats = generate.generate(target, out, seed=1)
    lines = out.read_text(encoding="utf-8").count("\n")
    assert stats.triples == lines
    # the last drawn resource may overshoot the target by its own few dozen triples
    assert target <= lines < target + 100


def test_output_parses_as_turtle_and_as_n_triples(small_file: Path) -> None:
    data = small_file.read_bytes()
    as_nt = pyoxigraph.Store()
    as_nt.load(data, format=pyoxigraph.RdfFormat.N_TRIPLES)
    as_ttl = pyoxigraph.Store()
    as_ttl.load(data, format=pyoxigraph.RdfFormat.TURTLE)
    assert len(as_nt) == len(as_ttl) > 9_000


@pytest.mark.parametrize(
    ("text", "expected"),
    [("10k", 10_000), ("1m", 1_000_000), ("2.5M", 2_500_000), ("25000", 25_000), ("12.5k", 12_500)],
)
def test_parse_size(generate: ModuleType, text: str, expected: int) -> None:
    assert generate.parse_size(text) == expected


@pytest.mark.parametrize("text", ["ten", "10x", "9k"])
def test_parse_size_rejects_nonsense(generate: ModuleType, text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        generate.parse_size(text)


@pytest.mark.parametrize(
    ("cls", "expected"),
    [
        # the real provincial-level shape: 23 provinces, 5 autonomous regions,
        # 4 municipalities, 2 special administrative regions (issue 7)
        ("Province", 23),
        ("AutonomousRegion", 5),
        ("DirectlyGovernedMunicipality", 4),
        ("SpecialAdministrativeRegion", 2),
        ("PrefectureLevelCity", 333),
        ("CountyLevelGovernment", 2800),
    ],
)
def test_full_hierarchy_has_the_national_shape(
    full_hierarchy_store: pyoxigraph.Store, cls: str, expected: int
) -> None:
    assert _count(full_hierarchy_store, f"?g a subdip:{cls}") == expected


def test_provincial_level_is_complete_even_at_small_sizes(small_file: Path) -> None:
    store = pyoxigraph.Store()
    store.load(small_file.read_bytes(), format=pyoxigraph.RdfFormat.N_TRIPLES)
    provincial = " ".join(
        f"subdip:{c}"
        for c in (
            "Province",
            "AutonomousRegion",
            "DirectlyGovernedMunicipality",
            "SpecialAdministrativeRegion",
        )
    )
    assert _count(store, f"VALUES ?c {{ {provincial} }} ?g a ?c") == 34
    assert _count(store, "?g a subdip:PrefectureLevelCity") >= 28


def _pairs(store: pyoxigraph.Store, where: str) -> list[tuple[str, str]]:
    rows = store.query(f"{PREFIXES} SELECT ?a ?b WHERE {{ {where} }}")
    return [(row["a"].value, row["b"].value) for row in rows]


def test_every_county_reaches_the_state_in_three_steps(
    full_hierarchy_store: pyoxigraph.Store,
) -> None:
    up = dict(_pairs(full_hierarchy_store, "?a subdip:subordinateTo ?b"))
    states = {a for a, _ in _pairs(full_hierarchy_store, "?a a subdip:State BIND(1 AS ?b)")}
    kinds = dict(_pairs(full_hierarchy_store, "?a a ?b . ?a subdip:subordinateTo []"))
    counties = [a for a, b in kinds.items() if b == f"{SUBDIP}CountyLevelGovernment"]
    assert counties
    for county in counties:
        chain = [county]
        while chain[-1] in up and len(chain) < 6:
            chain.append(up[chain[-1]])
        assert chain[-1] in states, f"{county} does not reach the state: {chain}"
        assert len(chain) in (3, 4), chain  # via a municipality, or a prefecture and a province
        # counties hang from prefectures or municipalities, never from provinces directly
        assert kinds[chain[1]] in (
            f"{SUBDIP}PrefectureLevelCity",
            f"{SUBDIP}DirectlyGovernedMunicipality",
        ), chain


def test_every_claim_reifies_an_asserted_triple(full_hierarchy_store: pyoxigraph.Store) -> None:
    claims = _count(full_hierarchy_store, "?c a subdip:Claim")
    assert claims > 1_000
    dangling = _count(
        full_hierarchy_store,
        """?c a subdip:Claim ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .
           FILTER NOT EXISTS { ?s ?p ?o }""",
    )
    assert dangling == 0
    unsourced = _count(
        full_hierarchy_store,
        """?c a subdip:Claim .
           FILTER NOT EXISTS { ?c dcterms:source ?pub . ?pub a subdip:Publication }""",
    )
    assert unsourced == 0


def test_every_typed_resource_has_a_source(full_hierarchy_store: pyoxigraph.Store) -> None:
    unsourced = _count(
        full_hierarchy_store,
        """?r a ?c . FILTER(?c != subdip:Publication)
           FILTER NOT EXISTS { ?r dcterms:source ?pub }""",
    )
    assert unsourced == 0


def test_names_and_iris_are_plainly_synthetic(full_hierarchy_store: pyoxigraph.Store) -> None:
    # every resource described here (subject of a triple) is an actor under id/synth/ or
    # another kind of resource under id/<kind>/synth-..., except the contract's concept
    # schemes, which the shapes name (synthetic concepts sit in them)
    foreign = _count(
        full_hierarchy_store,
        f"""?s ?p ?o . FILTER(!STRSTARTS(STR(?s), "{SYNTH}")
                             && !REGEX(STR(?s), "^{ID}[a-z-]+/synth-")
                             && !STRSTARTS(STR(?s), "{ID}scheme/"))""",
    )
    assert foreign == 0
    unlabelled = _count(
        full_hierarchy_store,
        """?s rdfs:label ?l . FILTER(!STRSTARTS(STR(?l), "Synthetic") && !STRSTARTS(STR(?l), "合成")
           && !CONTAINS(STR(?l), "synthetic agreement"))""",
    )
    assert unlabelled == 0


def test_agreements_have_dated_signings_and_terminations_follow_them(
    full_hierarchy_store: pyoxigraph.Store,
) -> None:
    agreements = {
        a for a, _ in _pairs(full_hierarchy_store, "?a a subdip:SisterCityAgreement BIND(1 AS ?b)")
    }
    signed = dict(
        _pairs(
            full_hierarchy_store,
            "?e a subdip:Signing ; subdip:concernsAgreement ?a ; dcterms:date ?b",
        )
    )
    assert agreements and agreements <= set(signed)
    ended = _pairs(
        full_hierarchy_store,
        "?e a subdip:Termination ; subdip:concernsAgreement ?a ; dcterms:date ?b",
    )
    assert ended
    for agreement, end in ended:
        # ISO dates compare correctly as strings
        assert end > signed[agreement], agreement


def test_every_ontology_term_used_is_declared(small_file: Path) -> None:
    from subdip.loading import ontology_graph

    declared = {str(s) for s in ontology_graph().subjects() if str(s).startswith(SUBDIP)}
    used = set()
    for line in small_file.read_text(encoding="utf-8").splitlines():
        for term in line.split(" ")[:3]:
            if term.startswith(f"<{SUBDIP}"):
                used.add(term[1:-1])
    assert used
    assert used <= declared, sorted(used - declared)


@pytest.mark.slow
def test_generated_data_conforms_to_the_shapes(small_file: Path) -> None:
    from rdflib import Graph

    from subdip.validation import validate

    graph = Graph()
    graph.parse(small_file, format="nt")
    result = validate(graph)
    assert result.conforms, result.text()
