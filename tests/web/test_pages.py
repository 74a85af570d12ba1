"""Linked-data resource pages: content negotiation, labels, inferred triples, sources, 404s.

Expected values come from the fixture (conftest_pages.PAGES_TRIG, facts from ../shared/facts),
parsed independently with rdflib.
"""

# ruff: noqa: F811  (fixtures imported from conftest_pages are redefined as test arguments)
from __future__ import annotations

import json
from html import unescape
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from conftest_pages import (  # noqa: F401  (fixtures)
    ID,
    SUBDIP,
    expected_dataset,
    links,
    make_pages_app,
    pages_app,
    pages_build,
    pages_cache,
    pages_client,
    parse_rdf,
    table_rows,
)
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS

HAINAN = URIRef(ID + "hainan")
SANSHA = URIRef(ID + "sansha")

RDF_TYPES = {
    "turtle": ("text/turtle", "ttl"),
    "json-ld": ("application/ld+json", "jsonld"),
    "nt": ("application/n-triples", "nt"),
    "xml": ("application/rdf+xml", "rdf"),
}


def expected_description(iri: URIRef) -> Graph:
    """Every triple, in any named graph, with ``iri`` as subject or object."""
    graph = Graph()
    for s, p, o, _ in expected_dataset().quads((None, None, None, None)):
        if iri in (s, o):
            graph.add((s, p, o))
    return graph


def parsed(response, rdflib_format: str) -> Graph:
    return parse_rdf(response.data, rdflib_format)


# -- HTML ------------------------------------------------------------------------------------


def test_html_page_has_english_and_chinese_labels(pages_client):
    response = pages_client.get("/id/hainan", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "Accept" in response.headers["Vary"]
    html = response.get_data(as_text=True)
    assert "<h1>Hainan" in html
    assert '<span lang="zh" class="zh">海南省</span>' in html


def test_html_is_the_default_for_browsers(pages_client):
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = pages_client.get("/id/hainan", headers={"Accept": accept})
    assert response.mimetype == "text/html"


def test_linked_resources_show_their_labels_and_link_to_their_pages(pages_client):
    html = pages_client.get("/id/hainan").get_data(as_text=True)
    rows = table_rows(html)
    incoming = [r for r in rows if "/id/sansha" in r["links"]]
    assert incoming, "Sansha (subordinate to Hainan) is missing from Hainan's page"
    assert any("Sansha" in r["text"] and "三沙市" in r["text"] for r in incoming)
    # an outgoing link to Wikidata keeps its IRI, marked as a link-graph triple
    wikidata = [r for r in rows if "http://www.wikidata.org/entity/Q42200" in r["links"]]
    assert wikidata and "link" in wikidata[0]["text"]


def test_inferred_triples_are_marked_and_linked_to_their_explanation(pages_client):
    html = pages_client.get("/id/hainan").get_data(as_text=True)
    rows = table_rows(html)
    inferred = [r for r in rows if r["class"] == "inferred"]
    # hasSubordinate Sansha is inferred (inverse of Sansha subordinateTo Hainan)
    row = next(r for r in inferred if "/id/sansha" in r["links"])
    assert "inferred" in row["text"]
    explain = next(unescape(href) for href in row["links"] if href.startswith("/explain?"))
    params = {k: v[0] for k, v in parse_qs(urlsplit(explain).query).items()}
    assert params == {"s": str(HAINAN), "p": SUBDIP + "hasSubordinate", "o": str(SANSHA)}
    # the inferred type is marked too
    assert "provincial-level government" in html
    type_links = [unescape(h) for h in links(html) if "ProvincialLevelGovernment" in unescape(h)]
    assert any(h.startswith("/explain?") for h in type_links)


def test_asserted_triples_are_not_marked_inferred_and_show_their_sources(pages_client):
    html = pages_client.get("/id/sansha").get_data(as_text=True)
    rows = table_rows(html)
    row = next(r for r in rows if "/id/hainan" in r["links"] and "subordinate to" in r["text"])
    assert row["class"] == "asserted"
    assert "inferred" not in row["text"]
    # claim 33: A citing Wong 2018
    assert "More than Peripheral" in row["text"]
    assert "/id/pub/wong2018" in row["links"]
    assert "Why Local Governments are Key" in row["text"]  # statedIn article A
    assert "claim 33" in row["text"]
    assert "/id/claim/33-sansha-subordinate-to-hainan" in row["links"]


def test_explanation_page_derives_the_inferred_triple_from_its_sourced_premise(pages_client):
    html = pages_client.get("/id/hainan").get_data(as_text=True)
    row = next(
        r for r in table_rows(html) if r["class"] == "inferred" and "/id/sansha" in r["links"]
    )
    href = next(unescape(h) for h in row["links"] if h.startswith("/explain?"))
    page = pages_client.get(href)
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "prp-inv" in text  # the OWL 2 RL inverse-property rule
    assert "More than Peripheral" in text  # the premise's source
    data = json.loads(pages_client.get(href + "&format=json").data)
    assert data["status"] == "inferred"
    leaves = data["premises"]
    assert leaves and leaves[0]["status"] == "asserted"
    assert leaves[0]["triple"] == [f"<{SANSHA}>", f"<{SUBDIP}subordinateTo>", f"<{HAINAN}>"]
    publications = {s["publication"] for s in leaves[0]["sources"]}
    assert ID + "pub/wong2018" in publications


def test_explain_rejects_malformed_terms(pages_client):
    response = pages_client.get("/explain?s=not%20an%20iri&p=x&o=y")
    assert response.status_code == 400
    assert "parameter 's'" in unescape(response.get_data(as_text=True))
    assert pages_client.get("/explain?s=https://w3id.org/subdip/id/hainan").status_code == 400


def test_explain_without_an_artefact_is_501(pages_build, pages_cache, tmp_path):
    from subdip.web.resources import backend

    app = make_pages_app(pages_build, pages_cache)
    try:
        with app.app_context():
            store = backend()
            # a backend without a local store (as a remote one), and no artefact folder
            app.extensions["subdip"]["backend"] = _NoStore(store)
        app.config["BUILD_DIR"] = str(tmp_path)
        query = urlencode({"s": str(HAINAN), "p": SUBDIP + "hasSubordinate", "o": str(SANSHA)})
        response = app.test_client().get("/explain?" + query)
        assert response.status_code == 501
        assert "build artefact" in response.get_data(as_text=True)
    finally:
        store.close()


class _NoStore:
    """Delegates queries but has no ``store`` attribute, like a remote backend."""

    def __init__(self, inner) -> None:
        self._inner = inner

    def __getattr__(self, name):
        if name == "store":
            raise AttributeError(name)
        return getattr(self._inner, name)


def test_explain_says_when_a_triple_does_not_hold(pages_client):
    query = urlencode(
        {"s": str(SANSHA), "p": SUBDIP + "hasSubordinate", "o": str(HAINAN), "format": "json"}
    )
    data = json.loads(pages_client.get("/explain?" + query).data)
    assert data["status"] == "not-holding"


def test_long_value_lists_are_cut_with_a_query_link(pages_client, monkeypatch):
    from subdip.web import resources

    monkeypatch.setattr(resources, "GROUP_LIMIT", 1)
    html = pages_client.get("/id/hainan").get_data(as_text=True)
    more = [r for r in table_rows(html) if r["class"] == "more"]
    assert any("and 1 more" in r["text"] for r in more)  # Hainan has two labels (en, zh)
    query_links = [unescape(h) for r in more for h in r["links"]]
    assert any("/?query=SELECT" in h for h in query_links)
    # the RDF is not cut
    graph = parsed(pages_client.get("/id/hainan.ttl"), "turtle")
    assert len(list(graph.objects(HAINAN, RDFS.label))) == 2


# -- RDF -------------------------------------------------------------------------------------


@pytest.mark.parametrize("rdflib_format", sorted(RDF_TYPES))
def test_rdf_by_accept_header(pages_client, rdflib_format):
    media_type, _ = RDF_TYPES[rdflib_format]
    response = pages_client.get("/id/hainan", headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert "Accept" in response.headers["Vary"]
    assert isomorphic(parsed(response, rdflib_format), expected_description(HAINAN))


@pytest.mark.parametrize("rdflib_format", sorted(RDF_TYPES))
def test_rdf_by_extension_and_by_format_parameter(pages_client, rdflib_format):
    media_type, extension = RDF_TYPES[rdflib_format]
    by_extension = pages_client.get(f"/id/sansha.{extension}")
    by_parameter = pages_client.get(
        f"/id/sansha?format={extension}", headers={"Accept": "text/html"}
    )
    for response in (by_extension, by_parameter):
        assert response.status_code == 200 and response.mimetype == media_type
        assert isomorphic(parsed(response, rdflib_format), expected_description(SANSHA))


def test_quads_keep_the_named_graphs(pages_client):
    response = pages_client.get("/id/hainan.nq")
    assert response.mimetype == "application/n-quads"
    lines = response.get_data(as_text=True).splitlines()
    inferred = [line for line in lines if "graph/inferred" in line]
    assert any("hasSubordinate" in line for line in inferred)
    assert all("graph/inferred" not in line for line in lines if "海南省" in line)


def test_accept_q_values_choose_the_preferred_format(pages_client):
    accept = "text/turtle;q=0.5, application/ld+json;q=0.9, text/html;q=0.1"
    response = pages_client.get("/id/hainan", headers={"Accept": accept})
    assert response.mimetype == "application/ld+json"


def test_plain_json_means_json_ld(pages_client):
    response = pages_client.get("/id/hainan", headers={"Accept": "application/json"})
    assert response.mimetype == "application/ld+json"
    assert isomorphic(parsed(response, "json-ld"), expected_description(HAINAN))


def test_unacceptable_type_is_406(pages_client):
    response = pages_client.get("/id/hainan", headers={"Accept": "image/png"})
    assert response.status_code == 406


def test_labels_literals_keep_their_language_in_rdf(pages_client):
    graph = parsed(pages_client.get("/id/hainan.ttl"), "turtle")
    assert (HAINAN, RDFS.label, Literal("海南省", lang="zh")) in graph
    assert (HAINAN, RDF.type, URIRef(SUBDIP + "ChineseProvince")) in graph


# -- 404 and configuration -------------------------------------------------------------------


def test_unknown_resource_is_a_404_page(pages_client):
    response = pages_client.get("/id/atlantis")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Accept" in response.headers["Vary"]
    assert "https://w3id.org/subdip/id/atlantis" in response.get_data(as_text=True)


@pytest.mark.parametrize("rdflib_format", sorted(RDF_TYPES))
def test_unknown_resource_is_a_404_in_rdf_too(pages_client, rdflib_format):
    media_type, _ = RDF_TYPES[rdflib_format]
    response = pages_client.get("/id/atlantis", headers={"Accept": media_type})
    assert response.status_code == 404
    assert response.mimetype == media_type
    assert len(parsed(response, rdflib_format)) == 0


@pytest.mark.parametrize(
    "path",
    ["/id/a%20b", "/id/a%3Eb.ttl", "/id/a%00b", "/id/%22x%22", "/id/x%7By%7D.nt", "/id/%E4%B8%8A"],
)
def test_paths_no_iri_can_have_are_404_not_errors(pages_client, path):
    response = pages_client.get(path)
    assert response.status_code == 404


def test_server_base_makes_links_absolute(pages_build, pages_cache):
    app = make_pages_app(pages_build, pages_cache, SERVER_BASE="https://w3id.org/subdip/")
    try:
        html = app.test_client().get("/id/hainan").get_data(as_text=True)
    finally:
        app.extensions["subdip"]["backend"].close()
    assert 'href="https://w3id.org/subdip/id/sansha"' in html
    assert 'href="/id/sansha"' not in html


def test_iri_base_decides_which_iris_are_served(pages_build, pages_cache):
    app = make_pages_app(pages_build, pages_cache, IRI_BASE="https://w3id.org/subdip/id/pub/")
    try:
        client = app.test_client()
        assert client.get("/id/wong2018").status_code == 200
        assert client.get("/id/hainan").status_code == 404
    finally:
        app.extensions["subdip"]["backend"].close()
