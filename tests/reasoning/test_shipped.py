"""The designed inferences on the shipped ontology and data, built once like `subdip build`.

Expected facts come from ../shared/facts/claims.md: the CCP controls local governments (claim 13);
Sansha's city government is in Hainan province (claim 33); Jiangxi's leading provincial SOEs
(claims 36, 51); Beijing's sister-city partnership with Prague (claim 23).
"""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF

from subdip.build import GRAPH_NAMES, build
from subdip.explain import Explanation, StoreView, explain
from subdip.loading import data_files, load_graph, ontology_graph
from subdip.namespaces import GRAPH_INFERRED, ID, SUBDIP
from subdip.reasoning import VOCABULARY_NAMESPACES, infer
from subdip.store import graph_from_store, open_store, to_rdflib

S = SUBDIP
ARTICLE_A = "https://w3id.org/subdip/id/pub/articleA"
ARTICLE_B = "https://w3id.org/subdip/id/pub/articleB"


@pytest.fixture(scope="session")
def shipped_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("shipped") / "build"
    build(out=out)  # engine "auto": owlrl on data this small
    return out


@pytest.fixture(scope="session")
def shipped_view(shipped_build: Path) -> StoreView:
    return StoreView(open_store(shipped_build))


@pytest.fixture(scope="session")
def shipped_inferred(shipped_build: Path) -> Graph:
    return graph_from_store(open_store(shipped_build), [GRAPH_INFERRED])


def leaves(e: Explanation) -> set[tuple]:
    return {leaf.triple for leaf in e.leaves()}


def test_the_shipped_build_uses_owlrl_and_counts_every_graph(shipped_build):
    report = json.loads((shipped_build / "report.json").read_text(encoding="utf-8"))
    assert report["engine"] == "owlrl"
    asserted = load_graph(data_files()).graph
    assert report["counts"]["asserted"] == len(asserted)
    assert report["counts"]["ontology"] == len(ontology_graph())
    assert report["counts"]["inferred"] > 0 and report["counts"]["links"] > 0


@pytest.mark.parametrize(
    "triple",
    [
        (ID.ccp, S.controls, ID.sansha),  # indirect central control of a city
        (ID.ccp, S.controls, ID["jiangxi-leading-soes"]),  # ... of a provincial firm
        (ID.sansha, S.controlledBy, ID.ccp),  # inverse
        (ID.hainan, S.hasSubordinate, ID.sansha),  # inverse of the asserted subordinateTo
        (ID["jiangxi-leading-soes"], S.ownedBy, ID.jiangxi),  # inverse of ownership
        (ID.prague, S.twinnedWith, ID.beijing),  # twinning is symmetric
        (ID["jiangxi-leading-soes"], RDF.type, S.ProvincialStateOwnedEnterprise),
        (ID.beijing, RDF.type, S.SubnationalDiplomaticActor),
    ],
)
def test_designed_inferences_hold(shipped_inferred, triple):
    assert triple in shipped_inferred


def test_indirect_control_of_sansha_is_explained_through_hainan(shipped_view):
    e = explain(shipped_view, ID.ccp, S.controls, ID.sansha)
    assert e.rule == "prp-trp"
    assert [p.triple for p in e.premises] == [
        (ID.ccp, S.controls, ID.hainan),
        (ID.hainan, S.controls, ID.sansha),
    ]
    assert leaves(e) == {
        (ID.ccp, S.controls, ID.hainan),
        (ID.sansha, S.subordinateTo, ID.hainan),
    }
    for leaf in e.leaves():
        assert leaf.status == "asserted" and leaf.sources, leaf.triple
    claim33 = next(x for x in e.leaves() if x.triple[1] == S.subordinateTo)
    assert any(
        s.claim and s.claim.endswith("33-sansha-subordinate-to-hainan")
        and s.publication == ARTICLE_A
        for s in claim33.sources
    )  # fmt: skip


def test_indirect_control_of_jiangxis_firms_is_explained_through_ownership(shipped_view):
    e = explain(shipped_view, ID.ccp, S.controls, ID["jiangxi-leading-soes"])
    assert leaves(e) == {
        (ID.ccp, S.controls, ID.jiangxi),
        (ID.jiangxi, S.owns, ID["jiangxi-leading-soes"]),
    }
    owns = next(x for x in e.leaves() if x.triple[1] == S.owns)
    assert {s.publication for s in owns.sources} >= {ARTICLE_A, ARTICLE_B}  # claims 36, 51


def test_inverse_twinning_and_class_explanations(shipped_view):
    e = explain(shipped_view, ID.prague, S.twinnedWith, ID.beijing)
    assert e.rule == "prp-symp" and leaves(e) == {(ID.beijing, S.twinnedWith, ID.prague)}
    assert e.premises[0].sources
    e = explain(
        shipped_view, ID["jiangxi-leading-soes"], RDF.type, S.ProvincialStateOwnedEnterprise
    )
    assert "cls-int1" in e.text() and "cls-svf1" in e.text()
    assert (ID.jiangxi, S.owns, ID["jiangxi-leading-soes"]) in leaves(e)
    e = explain(shipped_view, ID.beijing, RDF.type, S.SubnationalDiplomaticActor)
    assert e.status == "inferred" and all(leaf.status == "asserted" for leaf in e.leaves())


def test_asserted_and_absent_triples(shipped_view):
    e = explain(shipped_view, ID.sansha, S.subordinateTo, ID.hainan)
    assert e.status == "asserted" and len(e.sources) >= 2  # claim 33 and the reference pages
    e = explain(shipped_view, ID.sansha, S.controls, ID.ccp)
    assert e.status == "not-holding"


def test_no_noise_in_the_inferred_graph(shipped_build, shipped_inferred):
    store = open_store(shipped_build)
    asserted = graph_from_store(store, [URIRef("https://w3id.org/subdip/graph/asserted")])
    tbox = set(ontology_graph().subjects())
    for s, p, o in shipped_inferred:
        assert not isinstance(s, Literal)
        assert not str(s).startswith(VOCABULARY_NAMESPACES)
        assert not (p == OWL.sameAs and s == o)
        assert (s, p, o) not in asserted
        if p == RDF.type:
            assert not str(o).startswith(VOCABULARY_NAMESPACES), o
        assert s not in tbox


def test_fast_engine_equals_the_shipped_owlrl_build(shipped_inferred):
    fast = infer(ontology_graph(), load_graph(data_files()).graph, engine="fast")
    assert set(fast) == set(shipped_inferred)


def test_every_shipped_inference_has_a_derivation(shipped_view, shipped_build):
    store = open_store(shipped_build)
    quads = store.quads_for_pattern(None, None, None, ox.NamedNode(str(GRAPH_INFERRED)))
    unexplained = []
    for q in quads:
        t = (to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object))
        e = explain(shipped_view, *t)
        if e.status != "inferred" or not e.premises:
            unexplained.append(t)
    assert unexplained == []


def test_a_fast_build_of_the_shipped_data_writes_the_same_dataset(shipped_build, tmp_path):
    """The fast build parses with Oxigraph and reasons with its own rules; owlrl's build uses
    rdflib throughout: all four graphs must come out the same (isomorphic: blank nodes)."""
    fast_out = tmp_path / "fast"
    build(out=fast_out, engine="fast")
    reference, fast = open_store(shipped_build), open_store(fast_out)
    for graph in GRAPH_NAMES.values():
        a, b = graph_from_store(reference, [graph]), graph_from_store(fast, [graph])
        assert len(a) > 0 and isomorphic(a, b), graph


def test_a_wikidata_link_is_explained_as_stated_with_its_sources(shipped_view):
    wikidata_beijing = URIRef("http://www.wikidata.org/entity/Q956")  # extra.md: Beijing Q956
    close_match = URIRef("http://www.w3.org/2004/02/skos/core#closeMatch")  # a body, a place
    e = explain(shipped_view, ID.beijing, close_match, wikidata_beijing)
    assert e.status == "asserted" and e.graph == "https://w3id.org/subdip/graph/links"
    assert e.sources and all(s.claim for s in e.sources)
