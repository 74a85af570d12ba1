"""infer(): the designed inferences, the noise filter, and the fast engine against owlrl."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from reasoning_helpers import generate, hand_data

from subdip import reasoning
from subdip.errors import BuildError, UsageError
from subdip.namespaces import ID, SUBDIP
from subdip.reasoning import VOCABULARY_NAMESPACES, infer, infer_detail
from subdip.rules import SCHEMA_PREDICATES

ENGINES = ("owlrl", "fast")
S = SUBDIP
SHIPPED_ONTOLOGY = Path(__file__).parents[2] / "ontology" / "subdip.ttl"


@pytest.fixture(scope="session")
def inferred_by(mini_ontology: Graph) -> dict[str, Graph]:
    """The inferences from the hand-made data, by engine (computed once: owlrl is slow)."""
    return {engine: infer(mini_ontology, hand_data(), engine=engine) for engine in ENGINES}


@pytest.fixture(scope="session")
def hand_inferred(inferred_by: dict[str, Graph]) -> Graph:
    return inferred_by["owlrl"]


@pytest.mark.parametrize(
    ("triple", "why"),
    [
        ((ID.ccp, S.controls, ID.sansha), "CCP leads the centre, which has Hainan, has Sansha"),
        ((ID.ccp, S.controls, ID["jiangxi-firm"]), "the centre has Jiangxi, which owns the firm"),
        ((ID.hainan, S.controls, ID["hainan-fao"]), "housing an organ is control"),
        ((ID.sansha, S.controlledBy, ID.ccp), "inverse of indirect control"),
        ((ID["jiangxi-firm"], S.ownedBy, ID.jiangxi), "inverse of ownership"),
        ((ID.hainan, S.hasSubordinate, ID.sansha), "inverse of subordinateTo"),
        ((ID.beijing, S.twinnedWith, ID.prague), "twinning is symmetric"),
        ((ID["jiangxi-firm"], RDF.type, S.ProvincialStateOwnedEnterprise), "owned by a province"),
        ((ID.beijing, RDF.type, S.SubnationalDiplomaticActor), "government party to an agreement"),
        ((ID["agreement/beijing-prague"], RDF.type, S.InternationalAgreement), "range of partyTo"),
        ((ID.sansha, RDF.type, S.SubnationalGovernment), "subclass chain"),
        ((ID["event/signing"], S.signedOnBehalfOf, ID.hainan), "property chain"),
        ((ID["hainan-fao"], RDF.type, S.CentrallyLedOrganisation), "hasValue on controlledBy"),
    ],
)
@pytest.mark.parametrize("engine", ENGINES)
def test_designed_inference(inferred_by, triple, why, engine):
    assert triple in inferred_by[engine], why


def test_nothing_is_inferred_that_the_axioms_do_not_imply(hand_inferred):
    assert (ID.sansha, S.controls, ID.ccp) not in hand_inferred
    assert (ID.prague, RDF.type, S.SubnationalDiplomaticActor) not in hand_inferred  # no agreement
    assert (ID.sansha, RDF.type, S.ProvincialStateOwnedEnterprise) not in hand_inferred


def test_filter_drops_noise(hand_inferred, mini_ontology):
    asserted = hand_data()
    assert len(hand_inferred) > 0
    for s, p, o in hand_inferred:
        assert (s, p, o) not in asserted and (s, p, o) not in mini_ontology
        assert not isinstance(s, Literal)
        assert not (p == OWL.sameAs and s == o)
        assert not str(s).startswith(VOCABULARY_NAMESPACES), (s, p, o)
        assert p not in SCHEMA_PREDICATES
        if p == RDF.type:
            assert not isinstance(o, BNode)
            assert o not in (OWL.Thing, RDFS.Resource, OWL.NamedIndividual, OWL.Class)
        assert s not in set(mini_ontology.subjects()), "TBox closure kept"


def test_owlrl_output_had_the_noise_that_was_filtered(mini_ontology):
    detail = infer_detail(mini_ontology, hand_data(), engine="owlrl")
    assert detail.dropped.get("reflexive owl:sameAs", 0) > 0
    assert detail.dropped.get("axiomatic: subject is an RDF/RDFS/OWL/XSD term", 0) > 0
    assert detail.derived == len(detail.graph) + sum(detail.dropped.values())


@pytest.mark.parametrize("engine", ["owlrl", "fast"])
def test_inputs_are_not_mutated(mini_ontology, engine):
    data = hand_data()
    before_data, before_onto = set(data), set(mini_ontology)
    infer(mini_ontology, data, engine=engine)
    assert set(data) == before_data
    assert set(mini_ontology) == before_onto


def test_fast_equals_owlrl_on_hand_data(inferred_by):
    assert set(inferred_by["fast"]) == set(inferred_by["owlrl"])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fast_equals_owlrl_on_generated_graphs(mini_ontology, seed):
    data = generate(seed)
    fast = set(infer(mini_ontology, data, engine="fast"))
    reference = set(infer(mini_ontology, data, engine="owlrl"))
    assert fast == reference, {"missing": reference - fast, "extra": fast - reference}


def test_fast_equals_owlrl_with_the_shipped_ontology():
    ontology = Graph().parse(SHIPPED_ONTOLOGY)
    data = generate(4, provinces=3, cities=2)
    fast = set(infer(ontology, data, engine="fast"))
    reference = set(infer(ontology, data, engine="owlrl"))
    assert fast == reference, {"missing": reference - fast, "extra": fast - reference}


def test_auto_uses_owlrl_below_the_threshold_and_fast_above(mini_ontology, monkeypatch):
    data = hand_data()
    assert infer_detail(mini_ontology, data).engine == "owlrl"
    monkeypatch.setattr(reasoning, "AUTO_THRESHOLD", len(data) - 1)
    assert infer_detail(mini_ontology, data).engine == "fast"


def test_auto_falls_back_to_owlrl_on_axioms_the_fast_engine_lacks(mini_ontology, monkeypatch):
    ontology = Graph()
    ontology += mini_ontology
    ontology.add((S.hasCapital, RDF.type, OWL.FunctionalProperty))
    monkeypatch.setattr(reasoning, "AUTO_THRESHOLD", 0)
    assert infer_detail(ontology, hand_data()).engine == "owlrl"


def test_unknown_engine_is_a_usage_error(mini_ontology):
    with pytest.raises(UsageError, match="unknown reasoning engine"):
        infer(mini_ontology, hand_data(), engine="hermit")


@pytest.mark.parametrize("engine", ["owlrl", "fast"])
def test_disjoint_classes_make_the_build_fail(mini_ontology, engine):
    data = hand_data()
    data.add((ID.jiangxi, S.owns, ID.hainan))  # the range of owns makes Hainan a Firm
    data.add((ID.hainan, RDF.type, S.State))  # a State is a Polity, disjoint with Firm
    with pytest.raises(BuildError, match="inconsistent"):
        infer(mini_ontology, data, engine=engine)


def test_schema_triples_in_the_data_are_used(mini_ontology):
    data = hand_data()
    data.add((S.Municipality, RDFS.subClassOf, S.LocalGovernment))
    data.add((ID.tianjin, RDF.type, S.Municipality))
    for engine in ("owlrl", "fast"):
        inferred = infer(mini_ontology, data, engine=engine)
        assert (ID.tianjin, RDF.type, S.LocalGovernment) in inferred


def test_literal_values_follow_sub_properties(mini_ontology):
    data = hand_data()
    data.add((ID.hainan, S.pinyin, Literal("Hainan Sheng", lang="zh-Latn-pinyin")))
    skos_alt = URIRef("http://www.w3.org/2004/02/skos/core#altLabel")
    for engine in ("owlrl", "fast"):
        inferred = infer(mini_ontology, data, engine=engine)
        assert (ID.hainan, skos_alt, Literal("Hainan Sheng", lang="zh-Latn-pinyin")) in inferred
