"""The shipped data against the sources: every claim of claims.md is represented and sourced as
the facts say, every resource is sourced, names and Wikidata links are only those the facts give,
and every subdip: term used is declared by the ontology."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, SKOS

from conftest import BibEntry, table_rows
from subdip.loading import LoadedGraph, data_files, link_files, load_graph
from subdip.namespaces import ID, SUBDIP, WD
from subdip.validation import validate

PUB = Namespace(str(ID) + "pub/")
ARTICLES = {PUB.articleA, PUB.articleB}
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")  # a plain Namespace: pytest probes the
# attributes of module globals, and rdflib's closed XSD namespace warns on unknown names
#: The date pattern (ontology/README.md): an ISO 8601 date at the source's precision.
ISO_DATE = re.compile(r"[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?")
NAME_PREDICATES = {RDFS.label, SKOS.prefLabel, SKOS.altLabel, SUBDIP.pinyin}


def sources_of(graph: Graph, node: URIRef) -> set[URIRef]:
    return set(graph.objects(node, DCTERMS.source))


@pytest.mark.parametrize("path", data_files() + link_files(), ids=lambda p: p.name)
def test_each_file_parses_and_describes_something(path: Path) -> None:
    graph = load_graph([path]).graph
    subjects = {s for s in graph.subjects() if isinstance(s, URIRef) and s.startswith(ID)}
    assert subjects, f"{path} describes no resource under {ID}"


def test_links_are_kept_out_of_the_asserted_data(asserted: LoadedGraph) -> None:
    for link in (SKOS.exactMatch, SKOS.closeMatch):
        assert not any(asserted.graph.triples((None, link, None))), (
            f"{link} belongs in data/links/, which is never reasoned over"
        )
    assert all("links" not in path.parts for path in asserted.files)


def test_every_claim_of_claims_md_is_represented(
    asserted: LoadedGraph, claim_numbers: set[int]
) -> None:
    present = {int(n) for n in asserted.graph.objects(None, SUBDIP.claimNumber)}
    assert claim_numbers == set(range(1, 57))
    assert sorted(claim_numbers - present) == [], "claims with no node carrying their number"
    assert sorted(present - claim_numbers) == [], "claim numbers that claims.md does not have"


def test_claim_numbers_are_integers(asserted: LoadedGraph) -> None:
    bad = [
        n
        for n in asserted.graph.objects(None, SUBDIP.claimNumber)
        if not (isinstance(n, Literal) and n.datatype == XSD.integer)
    ]
    assert bad == []


def test_every_numbered_node_cites_only_the_works_the_facts_give(
    asserted: LoadedGraph, bibliography: list[BibEntry]
) -> None:
    """bibliography.md lists, for each work, the claims resting on it: a node numbered N may only
    cite those works, and a cited work (not the article itself) is read in an article."""
    g = asserted.graph
    allowed: dict[int, set[URIRef]] = defaultdict(set)
    for entry in bibliography:
        for n in entry.claims:
            allowed[n].add(PUB[entry.slug])
    wrong = []
    for node, number in g.subject_objects(SUBDIP.claimNumber):
        cited = sources_of(g, node)
        if not cited:
            wrong.append(f"{node}: no dcterms:source")
        for pub in cited - allowed[int(number)]:
            wrong.append(f"{node} (claim {number}) cites {pub}, which the facts do not give")
        if cited - ARTICLES and not set(g.objects(node, SUBDIP.statedIn)) & ARTICLES:
            wrong.append(f"{node} cites a work without saying which article it was read in")
    assert wrong == []


def test_every_cited_work_backs_its_claims(
    asserted: LoadedGraph, bibliography: list[BibEntry]
) -> None:
    """Each work of the bibliography is the source of at least one node for each of its claims."""
    g = asserted.graph
    cited_by_number: dict[int, set[URIRef]] = defaultdict(set)
    for node, number in g.subject_objects(SUBDIP.claimNumber):
        cited_by_number[int(number)] |= sources_of(g, node)
    missing = [
        f"claim {n} never cites {entry.key}"
        for entry in bibliography
        if entry.is_publication and PUB[entry.slug] not in ARTICLES
        for n in sorted(entry.claims)
        if PUB[entry.slug] not in cited_by_number[n]
    ]
    assert missing == []


def test_article_a_references_every_work_it_cites(
    asserted: LoadedGraph, bibliography: list[BibEntry]
) -> None:
    g = asserted.graph
    cited_in_a = {
        PUB[e.slug]
        for e in bibliography
        if e.is_publication and PUB[e.slug] not in ARTICLES and max(e.claims) <= 42
    }
    assert cited_in_a <= set(g.objects(PUB.articleA, DCTERMS.references))
    for work in cited_in_a:
        assert (work, RDF.type, SUBDIP.Publication) in g
        assert PUB.articleA in sources_of(g, work)


def test_every_described_resource_has_a_source(asserted: LoadedGraph) -> None:
    """Publications that are roots of provenance (the articles, news reports, reference pages)
    are exempt; every other typed resource under id/ names the works that mention it."""
    g = asserted.graph
    unsourced = [
        s
        for s in set(g.subjects(RDF.type, None))
        if isinstance(s, URIRef)
        and s.startswith(ID)
        and (s, RDF.type, SUBDIP.Publication) not in g
        and not sources_of(g, s)
    ]
    assert unsourced == []


def test_every_source_is_a_described_publication(asserted: LoadedGraph) -> None:
    g = asserted.graph
    cited = set(g.objects(None, DCTERMS.source)) | set(g.objects(None, SUBDIP.statedIn))
    undescribed = {o for o in cited if (o, RDF.type, SUBDIP.Publication) not in g}
    assert undescribed == set()


@pytest.mark.parametrize("which", ["asserted", "links"])
def test_every_claim_reifies_one_asserted_triple_and_is_sourced(
    which: str, asserted: LoadedGraph, links: LoadedGraph
) -> None:
    g = (asserted if which == "asserted" else links).graph
    claims = set(g.subjects(RDF.type, SUBDIP.Claim))
    assert claims, f"no subdip:Claim in the {which} data"
    wrong = []
    for claim in claims:
        parts = [list(g.objects(claim, p)) for p in (RDF.subject, RDF.predicate, RDF.object)]
        if any(len(values) != 1 for values in parts):
            wrong.append(f"{claim}: needs exactly one rdf:subject, rdf:predicate and rdf:object")
            continue
        triple = tuple(values[0] for values in parts)
        if triple not in g:
            wrong.append(f"{claim} describes a triple the data does not assert: {triple}")
        pubs = sources_of(g, claim)
        if not pubs or any((p, RDF.type, SUBDIP.Publication) not in asserted.graph for p in pubs):
            wrong.append(f"{claim}: dcterms:source must name described publications")
    assert wrong == []


def _kinds(ontology: Graph, *tops: URIRef) -> set[URIRef]:
    """The classes under ``tops`` in the ontology's class tree (asserted subclass links)."""
    found = set(tops)
    for top in tops:
        found |= set(ontology.transitive_subjects(RDFS.subClassOf, top))
    return found


def test_relations_between_resources_are_reified(ontology: Graph, asserted: LoadedGraph) -> None:
    """A plain relation from an actor, territory or policy to another resource has a claim naming
    its source (qualified nodes, agreements and events carry their own source instead)."""
    g = asserted.graph
    plain_kinds = _kinds(ontology, SUBDIP.Actor, SUBDIP.Territory, SUBDIP.PolicyInstrument)
    reified = {
        (g.value(c, RDF.subject), g.value(c, RDF.predicate), g.value(c, RDF.object))
        for c in g.subjects(RDF.type, SUBDIP.Claim)
    }
    missing = [
        f"{s} {p} {o}"
        for s, p, o in g
        if p not in {RDF.type, DCTERMS.source, RDFS.seeAlso}
        and isinstance(o, URIRef)
        and o.startswith(ID)
        and set(g.objects(s, RDF.type)) & plain_kinds
        and (s, p, o) not in reified
    ]
    assert missing == []


def test_dates_follow_the_one_date_pattern(asserted: LoadedGraph) -> None:
    """Every date is a plain string "YYYY", "YYYY-MM" or "YYYY-MM-DD" (OWL 2 DL and RL accept
    xsd:string; they reject xsd:date, xsd:gYear and xsd:gYearMonth), a launch year "YYYY"."""
    g = asserted.graph

    def ok(value: object, pattern: re.Pattern[str]) -> bool:
        return (
            isinstance(value, Literal)
            and value.datatype in (None, XSD.string)
            and not value.language
            and pattern.fullmatch(str(value)) is not None
        )

    bad = [(s, o) for s, o in g.subject_objects(DCTERMS.date) if not ok(o, ISO_DATE)]
    year = re.compile(r"[0-9]{4}")
    bad += [(s, o) for s, o in g.subject_objects(SUBDIP.launchedIn) if not ok(o, year)]
    assert bad == []
    assert len(set(g.subject_objects(DCTERMS.date))) > 20, "the data has dated events"


def test_disagreeing_datings_of_the_beijing_termination_are_both_kept(
    asserted: LoadedGraph,
) -> None:
    """claims.md (claim 23) dates it 2020 from article A; extra.md dates it 10 Oct 2019."""
    g = asserted.graph
    datings = {
        (str(g.value(ev, DCTERMS.date)), frozenset(sources_of(g, ev)))
        for ev in g.subjects(SUBDIP.concernsAgreement, URIRef(ID + "agreement/beijing-prague"))
        if (ev, RDF.type, SUBDIP.Termination) in g
    }
    assert ("2020", frozenset({PUB.articleA})) in datings
    assert any(date == "2019-10-10" and PUB["rpi-2019-10-10"] in pubs for date, pubs in datings)


def test_taiwan_is_a_polity_not_a_state(asserted: LoadedGraph, inferred: Graph) -> None:
    taiwan = ID["taiwan"]
    assert (taiwan, RDF.type, SUBDIP.Polity) in asserted.graph
    assert (taiwan, RDF.type, SUBDIP.State) not in asserted.graph
    assert (taiwan, RDF.type, SUBDIP.State) not in inferred


def test_every_subdip_term_used_is_declared(
    ontology: Graph, asserted: LoadedGraph, links: LoadedGraph
) -> None:
    declared = {s for s in ontology.subjects() if isinstance(s, URIRef) and s.startswith(SUBDIP)}
    used = {
        term
        for graph in (asserted.graph, links.graph)
        for triple in graph
        for term in triple
        if isinstance(term, URIRef) and term.startswith(SUBDIP)
    }
    assert sorted(used - declared) == [], "request missing terms in docs/design.md"


def test_wikidata_links_use_only_the_listed_identifiers(
    extra_md: str, asserted: LoadedGraph, links: LoadedGraph
) -> None:
    listed = {
        WD[cell]
        for row in table_rows(extra_md, "## (b)")
        for cell in row[1:2]
        if re.fullmatch(r"Q\d+", cell)
    }
    assert len(listed) >= 20, "could not read the Q-numbers of extra.md (b)"
    found = [
        pair
        for link in (SKOS.exactMatch, SKOS.closeMatch)
        for pair in links.graph.subject_objects(link)
    ]
    assert found
    for ours, theirs in found:
        assert theirs in listed, f"{theirs} is not listed in extra.md"
        assert any(asserted.graph.triples((ours, RDF.type, None))), f"{ours} is not described"
    targets = [theirs for _, theirs in found]
    assert len(targets) == len(set(targets)), "one Wikidata item linked from two resources"


def _plain(text: str) -> str:
    """Pinyin compared without the optional parts' parentheses and spacing differences."""
    return " ".join(unicodedata.normalize("NFC", text).replace("(", " ").replace(")", " ").split())


def test_chinese_names_and_pinyin_are_those_of_the_sources(
    extra_md: str, asserted: LoadedGraph
) -> None:
    g = asserted.graph
    rows = table_rows(extra_md, "## (c)")
    assert len(rows) >= 10
    for unit, chinese, pinyin, *_ in rows:
        english = re.sub(r"\s*\(.*\)$", "", unit)
        matches = list(g.subjects(RDFS.label, Literal(english, lang="en")))
        assert len(matches) == 1, f"no single resource labelled {english!r}@en"
        resource = matches[0]
        labels = {str(o) for o in g.objects(resource, RDFS.label) if o.language == "zh"}
        assert labels == {chinese}, f"{resource}: Chinese label should be {chinese}"
        pinyins = {_plain(o) for o in g.objects(resource, SUBDIP.pinyin)}
        assert _plain(pinyin) in pinyins, f"{resource}: pinyin should be {pinyin}"


def test_language_tags_fit_their_text(asserted: LoadedGraph) -> None:
    cjk = re.compile(r"[\u4e00-\u9fff]")
    claims = set(asserted.graph.subjects(RDF.type, SUBDIP.Claim))
    bad = []
    for s, p, o in asserted.graph:
        if not isinstance(o, Literal) or o.language is None:
            continue
        tag = o.language.lower()
        chinese = tag == "zh" or (tag.startswith("zh-") and "latn" not in tag)
        if chinese and not cjk.search(o):
            bad.append((s, p, o))
        # a claim's English label may quote the Chinese name the claim is about
        if p in NAME_PREDICATES and not chinese and cjk.search(o) and s not in claims:
            bad.append((s, p, o))
        if p == SUBDIP.pinyin and o.language.lower() != "zh-latn-pinyin":
            bad.append((s, p, o))
    assert bad == []


def test_shipped_data_and_links_conform_to_the_shapes(ontology: Graph) -> None:
    loaded = load_graph(data_files() + link_files())
    result = validate(loaded.graph, ontology=ontology, locate=loaded.locate)
    assert result.conforms, result.text()


def test_wikidata_links_point_to_the_item_listed_for_that_name(
    extra_md: str, asserted: LoadedGraph, links: LoadedGraph
) -> None:
    """Where extra.md's entity name is one of our English names, our resource links to exactly
    the Q-number listed with it (guards against swapped identifiers)."""
    g = asserted.graph
    rows = [
        (re.sub(r"\s*\(.*\)$", "", row[0]), row[1])
        for row in table_rows(extra_md, "## (b)")
        if re.fullmatch(r"Q\d+", row[1])
    ]
    ambiguous = {name for name, _ in rows if [n for n, _ in rows].count(name) > 1}  # Taiwan
    checked = 0
    for name, qid in rows:
        if name in ambiguous:
            continue
        named = {
            s for p in (RDFS.label, SKOS.altLabel) for s in g.subjects(p, Literal(name, lang="en"))
        }
        if len(named) != 1:
            continue
        (resource,) = named
        linked = set(links.graph.objects(resource, SKOS.exactMatch))
        linked |= set(links.graph.objects(resource, SKOS.closeMatch))
        assert linked == {WD[qid]}, resource
        checked += 1
    assert checked >= 20, "too few names of extra.md (b) matched our resources"


def test_governments_are_only_close_matches_of_wikidata_places(
    extra_md: str, asserted: LoadedGraph, links: LoadedGraph, inferred: Graph
) -> None:
    """A government is the body, Wikidata's item for a country, province or city the place: such
    a link is skos:closeMatch, and its claim says why. An exact match is left for items that are
    the body itself (extra.md describes the State Council's item as the "executive body")."""
    governments = set(inferred.subjects(RDF.type, SUBDIP.Government))
    governments |= set(asserted.graph.subjects(RDF.type, SUBDIP.Government))
    bodies = {
        WD[row[1]]
        for row in table_rows(extra_md, "## (b)")
        if re.fullmatch(r"Q\d+", row[1]) and "body" in row[2]
    }
    assert bodies, "extra.md (b) names an item that is a governing body"
    exact = set(links.graph.subject_objects(SKOS.exactMatch))
    assert all(item in bodies for ours, item in exact if ours in governments), exact
    close = set(links.graph.subject_objects(SKOS.closeMatch))
    assert len(close) >= 20
    for ours, item in close:
        assert ours in governments, ours
        claims = [
            c
            for c in links.graph.subjects(SUBDIP.claimSubject, ours)
            if (c, SUBDIP.claimPredicate, SKOS.closeMatch) in links.graph
            and (c, SUBDIP.claimObject, item) in links.graph
        ]
        assert claims and all(links.graph.value(c, RDFS.comment) for c in claims), ours
