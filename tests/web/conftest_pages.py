"""Fixtures for the linked-data page, ontology and download tests (imported by those modules).

A small artefact is built once per session from ``PAGES_TRIG`` below: facts from
../shared/facts (claims.md #33: Sansha, under Hainan province, built on Scarborough Shoal, per
article A citing Wong 2018; extra.md: the Chinese names and Wikidata items of Hainan, Sansha,
Beijing and Prague), a few ontology axioms mirroring ontology/subdip.ttl, and the triples an
OWL 2 RL reasoner derives from them (so explanations can be checked). Apps and clients are
fresh per test; generated files (pyLODE page, downloads) go to one session cache folder.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset

from subdip.web import create_app

ID = "https://w3id.org/subdip/id/"
SUBDIP = "https://w3id.org/subdip/ontology#"
GRAPH = "https://w3id.org/subdip/graph/"

PAGES_TRIG = """
@prefix subdip: <https://w3id.org/subdip/ontology#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix wd: <http://www.wikidata.org/entity/> .
@prefix g: <https://w3id.org/subdip/graph/> .

g:ontology {
  subdip:ChineseProvince a owl:Class ; rdfs:label "province"@en , "省"@zh ;
      rdfs:subClassOf subdip:ChineseProvincialLevelGovernment .
  subdip:ChineseProvincialLevelGovernment a owl:Class ;
      rdfs:label "provincial-level government"@en .
  subdip:PrefectureLevelCity a owl:Class ; rdfs:label "prefecture-level city"@en .
  subdip:subordinateTo a owl:ObjectProperty , owl:TransitiveProperty ;
      rdfs:label "subordinate to"@en ; owl:inverseOf subdip:hasSubordinate .
  subdip:hasSubordinate a owl:ObjectProperty , owl:TransitiveProperty ;
      rdfs:label "has subordinate"@en .
}

g:asserted {
  <https://w3id.org/subdip/id/hainan> a subdip:ChineseProvince ;
      rdfs:label "Hainan"@en , "海南省"@zh ;
      dcterms:source <https://w3id.org/subdip/id/pub/articleA> .
  <https://w3id.org/subdip/id/sansha> a subdip:PrefectureLevelCity ;
      rdfs:label "Sansha"@en , "三沙市"@zh ;
      subdip:subordinateTo <https://w3id.org/subdip/id/hainan> ;
      dcterms:source <https://w3id.org/subdip/id/pub/articleA> .
  <https://w3id.org/subdip/id/claim/33-sansha-subordinate-to-hainan> a subdip:Claim ;
      rdf:subject <https://w3id.org/subdip/id/sansha> ;
      rdf:predicate subdip:subordinateTo ;
      rdf:object <https://w3id.org/subdip/id/hainan> ;
      dcterms:source <https://w3id.org/subdip/id/pub/wong2018> ;
      subdip:statedIn <https://w3id.org/subdip/id/pub/articleA> ;
      subdip:claimNumber 33 .
  <https://w3id.org/subdip/id/beijing> rdfs:label "Beijing"@en , "北京市"@zh .
  <https://w3id.org/subdip/id/prague> rdfs:label "Prague"@en .
  <https://w3id.org/subdip/id/pub/wong2018>
      dcterms:title "More than Peripheral: How Provinces Influence China's Foreign Policy"@en .
  <https://w3id.org/subdip/id/pub/articleA>
      dcterms:title "Why Local Governments are Key to Understand China's Foreign Policy"@en .
}

g:inferred {
  <https://w3id.org/subdip/id/hainan> subdip:hasSubordinate <https://w3id.org/subdip/id/sansha> ;
      a subdip:ChineseProvincialLevelGovernment .
}

g:links {
  <https://w3id.org/subdip/id/hainan> skos:exactMatch wd:Q42200 .
  <https://w3id.org/subdip/id/beijing> skos:exactMatch wd:Q956 .
  <https://w3id.org/subdip/id/prague> skos:exactMatch wd:Q1085 .
}
"""


def expected_dataset() -> Dataset:
    """The fixture parsed independently of the code under test (rdflib, not pyoxigraph)."""
    dataset = Dataset()
    dataset.parse(data=PAGES_TRIG, format="trig")
    return dataset


@pytest.fixture(scope="session")
def pages_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete artefact folder (store/, dataset.nq, report.json) of ``PAGES_TRIG``."""
    build_dir = tmp_path_factory.mktemp("pages-build")
    store = ox.Store(str(build_dir / "store"))
    store.load(PAGES_TRIG.encode(), format=ox.RdfFormat.TRIG)
    store.flush()
    store.dump(str(build_dir / "dataset.nq"), ox.RdfFormat.N_QUADS)
    del store
    (build_dir / "report.json").write_text('{"input_hash": "pages-fixture"}\n', encoding="utf-8")
    return build_dir


@pytest.fixture(scope="session")
def pages_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pages-cache")


def make_pages_app(build: Path, cache: Path, **config):
    app = create_app(
        {
            "BUILD_DIR": build,
            "CACHE_DIR": cache,
            "QUERY_TIMEOUT": 10,
            "EXECUTOR_PROCESSES": 1,
            **config,
        }
    )
    app.testing = True
    return app


@pytest.fixture
def pages_app(pages_build: Path, pages_cache: Path) -> Iterator:
    app = make_pages_app(pages_build, pages_cache)
    yield app
    app.extensions["subdip"]["backend"].close()


@pytest.fixture
def pages_client(pages_app):
    return pages_app.test_client()


# -- reading pages -------------------------------------------------------------------------


class Rows(HTMLParser):
    """Table rows of a page: each as its class, its text and the links in it."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict] = []
        self._row: dict | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "tr":
            self._row = {"class": attributes.get("class") or "", "text": "", "links": []}
        elif tag == "a" and self._row is not None:
            self._row["links"].append(attributes.get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr" and self._row is not None:
            self._row["text"] = re.sub(r"\s+", " ", self._row["text"]).strip()
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._row is not None:
            self._row["text"] += data


def table_rows(html: str) -> list[dict]:
    parser = Rows()
    parser.feed(html)
    return parser.rows


def links(html: str) -> list[str]:
    """Every href and src in a page."""
    return re.findall(r'(?:href|src)="([^"]*)"', html)


def with_context(data: bytes) -> bytes:
    """A compact JSON-LD document with its context IRI replaced by the context itself (what a
    JSON-LD processor's document loader does after fetching ``/context.jsonld``, which
    ``test_http_layer`` checks the server publishes)."""
    import json

    from subdip.web.jsonld import context_document
    from subdip.web.rendering import CONTEXT_PREFIXES

    document = json.loads(data)
    if isinstance(document, dict) and isinstance(document.get("@context"), str):
        document["@context"] = context_document(CONTEXT_PREFIXES)["@context"]
    return json.dumps(document).encode()


def parse_rdf(data: bytes, rdflib_format: str):
    """``data`` as an rdflib Graph (JSON-LD with its published context resolved)."""
    from rdflib import Graph

    if rdflib_format == "json-ld":
        data = with_context(data)
    return Graph().parse(data=data, format=rdflib_format)
