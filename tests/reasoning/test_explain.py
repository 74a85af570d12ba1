"""explain(): derivations down to sourced asserted triples, over a store like the build's."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF
from reasoning_helpers import dataset_store, hand_data

from subdip.explain import Explanation, StoreView, explain
from subdip.namespaces import GRAPH_INFERRED, ID, SUBDIP
from subdip.store import to_rdflib

S = SUBDIP
WONG = "https://w3id.org/subdip/id/pub/wong2018"


@pytest.fixture(scope="module")
def view(mini_ontology: Graph) -> StoreView:
    return StoreView(dataset_store(mini_ontology, hand_data()))


def rules_used(e: Explanation) -> set[str]:
    out = {e.rule} if e.rule else set()
    for p in e.premises:
        out |= rules_used(p)
    return out


def assert_well_founded(e: Explanation, asserted: Graph) -> None:
    """Every leaf is asserted (in the data or the ontology), every inner node names its rule."""
    if e.status == "asserted":
        assert not e.premises
        return
    assert e.status == "inferred" and e.rule and e.axioms and e.premises, e.triple
    for p in e.premises:
        assert_well_founded(p, asserted)


def test_indirect_control_of_a_city(view):
    e = explain(view, ID.ccp, S.controls, ID.sansha)
    assert e.status == "inferred" and e.rule == "prp-trp"
    links = [p.triple for p in e.premises]
    assert links == [
        (ID.ccp, S.controls, ID["state-council"]),
        (ID["state-council"], S.controls, ID.hainan),
        (ID.hainan, S.controls, ID.sansha),
    ]
    leaves = [leaf.triple for leaf in e.leaves()]
    assert leaves == [
        (ID.ccp, S.leads, ID["state-council"]),
        (ID["state-council"], S.hasSubordinate, ID.hainan),
        (ID.sansha, S.subordinateTo, ID.hainan),
    ]
    assert_well_founded(e, hand_data())
    assert {"prp-trp", "prp-spo1", "prp-inv2"} <= rules_used(e)


def test_asserted_premises_carry_their_claims_sources(view):
    e = explain(view, ID.ccp, S.controls, ID.sansha)
    leaf = next(x for x in e.leaves() if x.triple == (ID.sansha, S.subordinateTo, ID.hainan))
    assert [s.publication for s in leaf.sources] == [WONG]
    source = leaf.sources[0]
    assert source.claim.endswith("claim/33-sansha-subordinate-to-hainan")
    assert source.stated_in == "https://w3id.org/subdip/id/pub/articleA"
    assert source.citation == "Wong, 2018 (as cited by A)"


def test_indirect_control_of_a_provincial_firm(view):
    e = explain(view, ID.ccp, S.controls, ID["jiangxi-firm"])
    leaves = [leaf.triple for leaf in e.leaves()]
    assert (ID.jiangxi, S.owns, ID["jiangxi-firm"]) in leaves
    assert (ID["state-council"], S.hasSubordinate, ID.jiangxi) in leaves
    assert_well_founded(e, hand_data())


def test_subject_sources_are_the_fallback_with_a_composed_citation(view):
    e = explain(view, ID["jiangxi-firm"], RDF.type, S.Firm)
    assert e.status == "asserted"
    assert e.sources[0].publication == "https://w3id.org/subdip/id/pub/articleB"
    assert e.sources[0].claim is None
    assert e.sources[0].citation == "Charlotte Lenz (n.d.). China's Provinces as Global Actors."


def test_inverse_is_explained_from_the_asserted_direction(view):
    e = explain(view, ID.hainan, S.hasSubordinate, ID.sansha)
    assert e.rule == "prp-inv2"
    assert [p.triple for p in e.premises] == [(ID.sansha, S.subordinateTo, ID.hainan)]
    assert e.premises[0].status == "asserted"


def test_twinning_symmetry(view):
    e = explain(view, ID.beijing, S.twinnedWith, ID.prague)
    assert e.rule == "prp-symp"
    assert [p.triple for p in e.premises] == [(ID.prague, S.twinnedWith, ID.beijing)]


def test_class_membership_through_a_defined_class(view):
    e = explain(view, ID["jiangxi-firm"], RDF.type, S.ProvincialStateOwnedEnterprise)
    assert {"cls-int1", "cls-svf1", "prp-inv1", "cax-sco"} <= rules_used(e)
    leaves = {leaf.triple for leaf in e.leaves()}
    assert leaves == {
        (ID["jiangxi-firm"], RDF.type, S.Firm),
        (ID.jiangxi, S.owns, ID["jiangxi-firm"]),
        (ID.jiangxi, RDF.type, S.Province),
    }
    assert "(subdip:Firm and (subdip:ownedBy some subdip:ProvincialLevelGovernment))" in e.text()


def test_subnational_diplomatic_actor(view):
    e = explain(view, ID.beijing, RDF.type, S.SubnationalDiplomaticActor)
    leaves = {leaf.triple for leaf in e.leaves()}
    assert (ID.beijing, S.partyTo, ID["agreement/beijing-prague"]) in leaves
    assert (ID.beijing, RDF.type, S.LocalGovernment) in leaves


def test_property_chain(view):
    e = explain(view, ID["event/signing"], S.signedOnBehalfOf, ID.hainan)
    assert e.rule == "prp-spo2"
    assert [p.triple for p in e.premises] == [
        (ID["event/signing"], S.performedBy, ID["hainan-fao"]),
        (ID["hainan-fao"], S.organOf, ID.hainan),
    ]


def test_an_asserted_ontology_axiom(view):
    e = explain(
        view, S.owns, URIRef("http://www.w3.org/2000/01/rdf-schema#subPropertyOf"), S.controls
    )
    assert e.status == "asserted" and e.graph == "https://w3id.org/subdip/graph/ontology"


@pytest.mark.parametrize(
    "triple",
    [
        (ID.sansha, S.controls, ID.ccp),  # the wrong way round
        (ID.prague, RDF.type, S.SubnationalDiplomaticActor),  # no agreement of its own
        (ID.nowhere, S.controls, ID.sansha),
    ],
)
def test_a_triple_that_does_not_hold(view, triple):
    e = explain(view, *triple)
    assert e.status == "not-holding" and not e.holds
    assert "does not hold" in e.text()


def test_cycles_in_the_data_do_not_loop(mini_ontology):
    data = hand_data()
    data.add((ID.hainan, S.controls, ID.sansha))
    data.add((ID.sansha, S.controls, ID.hainan))  # a cycle: each controls the other
    view = StoreView(dataset_store(mini_ontology, data))
    e = explain(view, ID.sansha, S.controls, ID.sansha)
    assert e.status == "inferred" and e.rule == "prp-trp"
    assert_well_founded(e, data)
    assert explain(view, ID.hainan, S.controlledBy, ID.hainan).status == "inferred"


def test_json_rendering(view):
    e = explain(view, ID.ccp, S.controls, ID.sansha)
    tree = json.loads(e.as_json())
    assert tree["status"] == "inferred" and tree["rule"] == "prp-trp"
    assert tree["text"] == "id:ccp subdip:controls id:sansha"
    assert tree["axioms"] == [
        [f"<{S.controls}>", f"<{RDF.type}>", "<http://www.w3.org/2002/07/owl#TransitiveProperty>"]
    ]
    leaf = tree["premises"][2]["premises"][0]["premises"][0]
    assert leaf["status"] == "asserted" and leaf["sources"][0]["publication"] == WONG


def test_every_inferred_triple_is_explained(view):
    graph = ox.NamedNode(str(GRAPH_INFERRED))
    quads = view.store.quads_for_pattern(None, None, None, graph)
    triples = [(to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)) for q in quads]
    assert triples
    for t in triples:
        e = explain(view, *t)
        assert e.status == "inferred" and e.rule and not e.rule.startswith("unexplained"), t
        assert_well_founded(e, hand_data())
