"""Downloads: the whole dataset and each named graph, in each format, with the right content.

Expected triples per graph come from the fixture TriG parsed with rdflib.
"""

# ruff: noqa: F811  (fixtures imported from conftest_pages are redefined as test arguments)
from __future__ import annotations

import pytest
from conftest_pages import (  # noqa: F401  (fixtures)
    GRAPH,
    expected_dataset,
    links,
    pages_app,
    pages_build,
    pages_cache,
    pages_client,
    parse_rdf,
)
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic

GRAPHS = ("asserted", "inferred", "links", "ontology")
TRIPLE_FORMATS = {
    "ttl": ("text/turtle", "turtle"),
    "nt": ("application/n-triples", "nt"),
    "rdf": ("application/rdf+xml", "xml"),
    "jsonld": ("application/ld+json", "json-ld"),
}


def expected_graph(name: str) -> Graph:
    graph = Graph()
    for s, p, o in expected_dataset().graph(URIRef(GRAPH + name)):
        graph.add((s, p, o))
    assert len(graph) > 0, f"the fixture has no {name} triples"
    return graph


@pytest.mark.parametrize("graph_name", GRAPHS)
@pytest.mark.parametrize("extension", sorted(TRIPLE_FORMATS))
def test_each_graph_in_each_format(pages_client, graph_name, extension):
    media_type, rdflib_format = TRIPLE_FORMATS[extension]
    response = pages_client.get(f"/download/{graph_name}.{extension}")
    assert response.status_code == 200
    assert response.mimetype == media_type
    served = parse_rdf(response.data, rdflib_format)
    expected = expected_graph(graph_name)
    assert len(served) == len(expected)
    assert isomorphic(served, expected)
    response.close()


@pytest.mark.parametrize(("extension", "rdflib_format"), [("nq", "nquads"), ("trig", "trig")])
def test_whole_dataset_keeps_the_graph_names(pages_client, extension, rdflib_format):
    response = pages_client.get(f"/download/dataset.{extension}")
    assert response.status_code == 200
    served = Dataset()
    served.parse(data=response.data, format=rdflib_format)
    response.close()
    for name in GRAPHS:
        graph = Graph()
        graph += served.graph(URIRef(GRAPH + name))
        assert isomorphic(graph, expected_graph(name)), name
    total = sum(len(expected_graph(name)) for name in GRAPHS)
    assert len(list(served.quads((None, None, None, None)))) == total


def test_downloads_are_cached_and_conditional(pages_client):
    first = pages_client.get("/download/asserted.ttl")
    etag = first.headers.get("ETag")
    assert etag
    first.close()
    again = pages_client.get("/download/asserted.ttl", headers={"If-None-Match": etag})
    assert again.status_code == 304
    again.close()


def test_index_lists_every_file_with_counts(pages_client):
    response = pages_client.get("/download/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    hrefs = set(links(html))
    for name in GRAPHS:
        for extension in TRIPLE_FORMATS:
            assert f"/download/{name}.{extension}" in hrefs
        assert f"{len(expected_graph(name)):,}" in html
    assert "/download/dataset.nq" in hrefs and "/download/dataset.trig" in hrefs


@pytest.mark.parametrize("name", ["nothing.ttl", "asserted.nq", "dataset.ttl", "asserted"])
def test_unknown_download_is_404(pages_client, name):
    assert pages_client.get(f"/download/{name}").status_code == 404


def test_downloads_need_the_artefact(pages_client, pages_app, tmp_path):
    pages_app.config["BUILD_DIR"] = str(tmp_path)  # a folder with no dataset.nq
    response = pages_client.get("/download/asserted.ttl")
    assert response.status_code == 404
    assert "subdip build" in response.get_data(as_text=True)


def test_cache_falls_back_to_temp_when_the_build_is_read_only(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from subdip.web import rendering

    app = SimpleNamespace(config={"BUILD_DIR": str(tmp_path / "build")})
    assert rendering.cache_dir(app) == tmp_path / "build" / "web-cache"
    monkeypatch.setattr(rendering.os, "access", lambda path, mode: False)
    fallback = rendering.cache_dir(app)
    assert fallback.is_dir() and not fallback.is_relative_to(tmp_path)
    assert fallback.name.startswith("subdip-web-cache-")
    other = rendering.cache_dir(SimpleNamespace(config={"BUILD_DIR": str(tmp_path / "b2")}))
    assert other != fallback  # one folder per build
    for folder in (fallback, other):  # they live in the system temp dir: leave nothing behind
        folder.rmdir()
