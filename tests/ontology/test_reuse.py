"""Three non-Chinese cases written with subdip core alone (tests/ontology/reuse/): each is valid
under the generic shapes (shapes/core/), reasoned without a clash, gets the inferences the core
promises, and nothing from the China module is inferred, even with the whole ontology loaded.
The first is the example ontology/README.md shows."""

from __future__ import annotations

from pathlib import Path

import pytest
from ontology_testkit import close
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF

from subdip import paths
from subdip.loading import ontology_graph
from subdip.namespaces import SUBDIP
from subdip.validation import shapes_graph, validate

REUSE = Path(__file__).with_name("reuse")
EXAMPLES = sorted(REUSE.glob("*.ttl"))
EXAMPLE_ORG = "https://example.org/"
EX = Namespace(EXAMPLE_ORG + "canada-office/")
US = Namespace(EXAMPLE_ORG + "us-state-agreement/")
EU = Namespace(EXAMPLE_ORG + "eu-region/")

#: What the core must infer in each example (from its axioms, not from the example's own types).
EXPECTED = {
    "canada-office-abroad.ttl": [
        (EX.province, RDF.type, SUBDIP.SubnationalDiplomaticActor),
        (EX["partner-region"], RDF.type, SUBDIP.SubnationalDiplomaticActor),
        (EX.canada, SUBDIP.controls, EX["office-abroad"]),
        (EX.province, SUBDIP.housesOrgan, EX["international-relations"]),
        (EX["cooperation-signing"], RDF.type, SUBDIP.Event),
    ],
    "us-state-chinese-province.ttl": [
        (US["port-authority"], RDF.type, SUBDIP.ProvincialStateOwnedEnterprise),
        (US["port-authority"], RDF.type, SUBDIP.StateOwnedEnterprise),
        (US["us-federal-government"], SUBDIP.controls, US["port-authority"]),
        (US.province, RDF.type, SUBDIP.SubnationalDiplomaticActor),
        (US.state, SUBDIP.partyTo, US["sister-states"]),
    ],
    "eu-region-partnership.ttl": [
        (EU.region, RDF.type, SUBDIP.SubnationalDiplomaticActor),
        (EU["partner-city"], SUBDIP.twinnedWith, EU.capital),
        (EU["partner-city"], RDF.type, SUBDIP.SubnationalDiplomaticActor),
        (EU["member-state"], SUBDIP.contains, EU.region),
        (EU["development-policy"], SUBDIP.implementedBy, EU.region),
    ],
}


@pytest.fixture(scope="module")
def core() -> Graph:
    return Graph().parse(paths.ontology_module("core"), format="turtle")


@pytest.fixture(scope="module")
def core_shapes() -> Graph:
    return shapes_graph([paths.shapes_dir() / "core"])


@pytest.fixture(scope="module")
def china_terms() -> set[URIRef]:
    china = Graph().parse(paths.ontology_module("china"), format="turtle")
    return {c for c in china.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)}


def test_there_are_three_examples() -> None:
    assert [p.name for p in EXAMPLES] == sorted(EXPECTED)


def test_the_examples_validate_together(core: Graph, core_shapes: Graph) -> None:
    """Each example has its own IRIs, so a project may load all three at once."""
    together = Graph()
    for path in EXAMPLES:
        together.parse(path, format="turtle")
    assert validate(together, ontology=core, shapes=core_shapes).conforms


def test_the_core_shapes_speak_of_no_country_and_no_dataset() -> None:
    for path in (paths.shapes_dir() / "core").glob("*.ttl"):
        text = path.read_text(encoding="utf-8")
        for word in ("Chinese", "China", "articleA", "pinyin", "LocalPeoplesCongress"):
            assert word not in text, f"{path.name} mentions {word}"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_uses_only_the_core(path: Path, core: Graph) -> None:
    example = Graph().parse(path, format="turtle")
    declared = set(core.subjects())
    used = {t for triple in example for t in triple if str(t).startswith(str(SUBDIP))}
    assert used <= declared, sorted(used - declared)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_conforms_to_the_generic_shapes(
    path: Path, core: Graph, core_shapes: Graph
) -> None:
    example = Graph().parse(path, format="turtle")
    result = validate(example, ontology=core, shapes=core_shapes)
    assert result.conforms, result.text()
    # a near miss: the same example without its sources does not conform
    unsourced = Graph()
    unsourced += example
    unsourced.remove((None, DCTERMS.source, None))
    assert not validate(unsourced, ontology=core, shapes=core_shapes).conforms


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_reasons_with_the_core_without_clash(path: Path, core: Graph) -> None:
    closure = close(core, Graph().parse(path, format="turtle"))
    assert closure.errors == ()
    for triple in EXPECTED[path.name]:
        assert triple in closure.graph, triple


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_no_china_specific_class_is_inferred_with_the_whole_ontology(
    path: Path, china_terms: set[URIRef]
) -> None:
    closure = close(ontology_graph(), Graph().parse(path, format="turtle"))
    assert closure.errors == ()
    inferred = {
        (s, o)
        for s, o in closure.graph.subject_objects(RDF.type)
        if str(s).startswith(EXAMPLE_ORG) and o in china_terms
    }
    assert inferred == set()


def test_the_readme_shows_the_first_example() -> None:
    readme = (paths.ontology_dir() / "README.md").read_text(encoding="utf-8")
    text = (REUSE / "canada-office-abroad.ttl").read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    assert body.strip() in readme
