"""Alignments (ontology/alignments/*.ttl): mappings only, never reasoned over, never owl:sameAs,
and only to Wikidata properties whose IDs were verified (shared/facts/extra.md, section b)."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from urllib.parse import urlsplit

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


#: The namespace(s) each alignment file may map to.
TARGET_NAMESPACES = {
    "wikidata.ttl": ("http://www.wikidata.org/prop/direct/",),
    "schema-org.ttl": ("https://schema.org/",),
    "foaf-org.ttl": ("http://xmlns.com/foaf/0.1/", "http://www.w3.org/ns/org#"),
    "fibo.ttl": (
        "https://spec.edmcouncil.org/fibo/ontology/BE/GovernmentEntities/GovernmentEntities/",
    ),
}
_LOCAL_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_VOCAB = Path(__file__).with_name("vocab")


def test_every_alignment_file_has_its_namespaces() -> None:
    assert sorted(TARGET_NAMESPACES) == [path.name for path in FILES]


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_external_iris_are_well_formed_and_in_the_right_namespace(
    path: Path, alignments: dict[str, Graph]
) -> None:
    allowed = TARGET_NAMESPACES[path.name]
    targets = [o for s, p, o in alignments[path.name] if p in MAPPING_PREDICATES]
    assert targets
    for target in targets:
        parts = urlsplit(str(target))
        assert parts.scheme in ("http", "https") and parts.netloc, target
        assert " " not in str(target) and not parts.query, target
        namespace = next((ns for ns in allowed if str(target).startswith(ns)), None)
        assert namespace is not None, f"{target} is not in {allowed}"
        assert _LOCAL_NAME.fullmatch(str(target)[len(namespace) :]), target


def test_org_and_foaf_targets_exist_in_those_vocabularies(alignments: dict[str, Graph]) -> None:
    """ORG and FOAF are at hand (tests/ontology/vocab/): a mapped term must be declared there."""
    declared = set(Graph().parse(_VOCAB / "org.ttl").subjects())
    declared |= set(Graph().parse(_VOCAB / "foaf.rdf", format="xml").subjects())
    targets = {o for s, p, o in alignments["foaf-org.ttl"] if p in MAPPING_PREDICATES}
    assert targets and targets <= declared, targets - declared


def test_government_bodies_are_never_equivalent_to_places(alignments: dict[str, Graph]) -> None:
    """A subdip state is a governing body: schema:Country (a place) is only related to it."""
    schema = alignments["schema-org.ttl"]
    country = URIRef("https://schema.org/Country")
    assert set(schema.predicates(SUBDIP.State, country)) == {SKOS.relatedMatch}
    places = {
        URIRef("https://schema.org/containedInPlace"),
        URIRef("https://schema.org/containsPlace"),
    }
    for s, p, o in schema:
        if o in places:
            assert p == SKOS.relatedMatch, (s, p, o)


def test_organs_and_affiliation_sit_under_org(
    ontology: Graph, alignments: dict[str, Graph]
) -> None:
    org = "http://www.w3.org/ns/org#"
    assert (SUBDIP.housesOrgan, RDFS.subPropertyOf, URIRef(org + "hasUnit")) in ontology
    assert (SUBDIP.organOf, RDFS.subPropertyOf, URIRef(org + "unitOf")) in ontology
    assert (SUBDIP.affiliatedWith, RDFS.subPropertyOf, URIRef(org + "memberOf")) in alignments[
        "foaf-org.ttl"
    ]


# -- the mapping set as SSSOM ----------------------------------------------------------------

SSSOM = paths.alignments_dir() / "subdip.sssom.tsv"
SSSOM_COLUMNS = [
    "subject_id",
    "subject_label",
    "predicate_id",
    "object_id",
    "mapping_justification",
    "comment",
]


def _sssom() -> tuple[dict[str, str], list[dict[str, str]]]:
    lines = SSSOM.read_text(encoding="utf-8").splitlines()
    meta = [line[2:] for line in lines if line.startswith("# ")]
    curies = dict(re.findall(r'^  ([\w-]+): "([^"]+)"$', "\n".join(meta), re.MULTILINE))
    table = list(
        csv.DictReader([line for line in lines if not line.startswith("#")], delimiter="\t")
    )
    return curies, table


def _expand(curie: str, curies: dict[str, str]) -> URIRef:
    prefix, _, local = curie.partition(":")
    assert prefix in curies, f"{curie}: prefix not in the curie_map"
    return URIRef(curies[prefix] + local)


def test_sssom_has_the_required_metadata_and_columns() -> None:
    text = SSSOM.read_text(encoding="utf-8")
    for key in ("mapping_set_id", "license", "curie_map", "mapping_set_version"):
        assert f"# {key}:" in text, key
    header = next(line for line in text.splitlines() if not line.startswith("#"))
    assert header.split("\t") == SSSOM_COLUMNS


def test_sssom_rows_are_the_alignment_triples_each_justified(
    alignments: dict[str, Graph], ontology: Graph
) -> None:
    curies, rows = _sssom()
    triples = {
        (s, p, o) for graph in alignments.values() for s, p, o in graph if p in MAPPING_PREDICATES
    }
    from_sssom = set()
    for row in rows:
        triple = tuple(_expand(row[c], curies) for c in ("subject_id", "predicate_id", "object_id"))
        from_sssom.add(triple)
        assert row["mapping_justification"] == "semapv:ManualMappingCuration", row
        assert len(row["comment"]) > 30, f"{row['subject_id']}: say why in the comment"
        labels = {str(label) for label in ontology.objects(triple[0], RDFS.label)}
        assert row["subject_label"] in labels, row
    assert len(rows) == len(from_sssom), "a mapping appears twice"
    assert from_sssom == triples, from_sssom ^ triples
