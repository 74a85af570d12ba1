"""Alignments (ontology/alignments/*.ttl): mappings only, never reasoned over, never owl:sameAs,
and only to Wikidata properties whose IDs were verified (shared/facts/extra.md, section b)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from subdip import loading, paths
from subdip.namespaces import SUBDIP

#: Wikidata properties verified in shared/facts/extra.md (b); no other ID may appear.
VERIFIED_WIKIDATA_PROPERTIES = {"P31", "P36", "P127", "P131", "P150", "P190", "P442", "P749"}
WIKIDATA_PREFIXES = ("http://www.wikidata.org/prop/direct/", "http://www.wikidata.org/entity/")

MAPPING_PREDICATES = {
    SKOS.exactMatch,
    SKOS.closeMatch,
    SKOS.broadMatch,
    SKOS.narrowMatch,
    SKOS.relatedMatch,
    RDFS.subClassOf,
    RDFS.subPropertyOf,
}
HEADER_PREDICATES = {RDF.type, DCTERMS.title, DCTERMS.license, RDFS.comment}
PROPERTY_KINDS = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
FILES = sorted(paths.alignments_dir().glob("*.ttl"))


@pytest.fixture(scope="session")
def alignments() -> dict[str, Graph]:
    assert FILES, f"no alignment files in {paths.alignments_dir()}"
    return {path.name: Graph().parse(path, format="turtle") for path in FILES}


def test_expected_targets_are_aligned() -> None:
    names = {path.stem for path in FILES}
    assert {"wikidata", "schema-org", "foaf-org"} <= names, names


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_alignment_uses_only_mapping_predicates(path: Path, alignments: dict[str, Graph]) -> None:
    graph = alignments[path.name]
    header = set(graph.subjects(RDF.type, OWL.Ontology))
    assert len(header) == 1, f"{path.name}: expected one owl:Ontology header, found {header}"
    wrong = [
        (s, p, o)
        for s, p, o in graph
        if p not in MAPPING_PREDICATES and not (s in header and p in HEADER_PREDICATES)
    ]
    assert not wrong, f"{path.name}: not a mapping triple (owl:sameAs is never allowed): {wrong}"


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_alignment_maps_declared_terms_of_the_right_kind(
    path: Path, alignments: dict[str, Graph], ontology: Graph
) -> None:
    classes = set(ontology.subjects(RDF.type, OWL.Class))
    properties = {p for kind in PROPERTY_KINDS for p in ontology.subjects(RDF.type, kind)}
    problems = []
    for s, p, o in alignments[path.name]:
        if p not in MAPPING_PREDICATES:
            continue
        if not str(s).startswith(str(SUBDIP)) or s not in classes | properties:
            problems.append(f"{s} is not a declared subdip term")
        elif p == RDFS.subClassOf and s not in classes:
            problems.append(f"{s} is not a class but has rdfs:subClassOf")
        elif p == RDFS.subPropertyOf and s not in properties:
            problems.append(f"{s} is not a property but has rdfs:subPropertyOf")
        if not isinstance(o, URIRef) or str(o).startswith(str(SUBDIP)):
            problems.append(f"{s} {p} {o}: the target must be an external IRI")
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


def test_wikidata_ids_are_verified_ones(alignments: dict[str, Graph]) -> None:
    used = {
        str(o).rsplit("/", 1)[1]
        for graph in alignments.values()
        for o in graph.objects()
        if str(o).startswith(WIKIDATA_PREFIXES)
    }
    assert used, "no Wikidata mapping found"
    assert used <= VERIFIED_WIKIDATA_PROPERTIES, used - VERIFIED_WIKIDATA_PROPERTIES


def test_twinning_is_aligned_to_p190(alignments: dict[str, Graph]) -> None:
    target = URIRef("http://www.wikidata.org/prop/direct/P190")
    assert (SUBDIP.twinnedWith, SKOS.closeMatch, target) in alignments["wikidata.ttl"]


def test_alignments_stay_out_of_the_reasoned_ontology() -> None:
    reasoned = loading.ontology_graph()
    leaked = [
        (s, p, o)
        for p in (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch)
        for s, o in reasoned.subject_objects(p)
    ]
    assert not leaked, f"mapping triples in the reasoned ontology: {leaked[:5]}"
