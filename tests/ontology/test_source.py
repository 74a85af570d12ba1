"""The ontology file itself: it parses, binds the agreed prefix, and never uses `sd:`."""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

from subdip import paths
from subdip.namespaces import ONTOLOGY_IRI, SUBDIP

# `sd:` belongs to SPARQL Service Description; a Turtle prefix or CURIE with it is a mistake here.
_SD_PREFIX = re.compile(r"@prefix\s+sd:|PREFIX\s+sd:", re.IGNORECASE)
_SD_CURIE = re.compile(r"(?<![\w:/#.-])sd:[A-Za-z_]")


def _turtle_files() -> list[Path]:
    files = [*paths.ontology_files(), *sorted(paths.alignments_dir().glob("*.ttl"))]
    return [path for path in files if path.is_file()]


def test_ontology_declares_itself_and_its_modules(ontology: Graph) -> None:
    ontologies = set(ontology.subjects(RDF.type, OWL.Ontology))
    core, china = URIRef(ONTOLOGY_IRI + "/core"), URIRef(ONTOLOGY_IRI + "/china")
    assert ontologies == {URIRef(ONTOLOGY_IRI), core, china}, ontologies
    assert set(ontology.objects(URIRef(ONTOLOGY_IRI), OWL.imports)) == {core, china}
    assert set(ontology.objects(china, OWL.imports)) == {core}
    assert not set(ontology.objects(core, OWL.imports)), "the core imports nothing"


def test_prefix_subdip_is_bound_to_the_namespace(ontology: Graph) -> None:
    bound = dict(ontology.namespace_manager.namespaces())
    assert str(bound.get("subdip")) == str(SUBDIP), bound.get("subdip")


def test_no_file_uses_the_sd_prefix() -> None:
    files = _turtle_files()
    assert paths.ontology_file() in files
    offending = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            code = line.split("#", 1)[0] if line.lstrip().startswith("#") else line
            if _SD_PREFIX.search(code) or _SD_CURIE.search(code):
                offending.append(f"{path.name}:{number}: {line.strip()}")
    assert not offending, "sd: is SPARQL Service Description's prefix:\n" + "\n".join(offending)


_SD_BOUND_TO_SUBDIP = re.compile(
    r"(@prefix|PREFIX)\s+sd:\s*<https?://w3id\.org/subdip", re.IGNORECASE
)


def test_sd_is_never_bound_to_a_subdip_namespace() -> None:
    """Elsewhere `sd:` may name SPARQL Service Description, but never a subdip namespace."""
    root = paths.resource_root()
    files = [
        path
        for folder in ("ontology", "shapes", "data", "queries")
        for pattern in ("*.ttl", "*.rq")
        for path in sorted((root / folder).rglob(pattern))
    ]
    assert files, f"no Turtle or SPARQL files under {root}"
    offending = [
        str(path.relative_to(root))
        for path in files
        if _SD_BOUND_TO_SUBDIP.search(path.read_text(encoding="utf-8"))
    ]
    assert not offending, offending


def test_the_sd_check_would_catch_a_prefix() -> None:
    assert _SD_BOUND_TO_SUBDIP.search("PREFIX sd: <https://w3id.org/subdip/ontology#>")
    assert _SD_PREFIX.search("@prefix sd: <https://w3id.org/subdip/ontology#> .")
    assert _SD_CURIE.search("id:hainan a sd:Province .")
    assert not _SD_CURIE.search('subdip:x rdfs:label "ids:x" ; owl:sameAs <http://a.sd:b> .')
