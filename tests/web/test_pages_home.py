"""The home page: coverage counts, one-click examples from queries/, offline assets, links."""

# ruff: noqa: F811  (fixtures imported from conftest_pages are redefined as test arguments)
from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest
from conftest_pages import (  # noqa: F401  (fixtures)
    GRAPH,
    expected_dataset,
    links,
    make_pages_app,
    pages_app,
    pages_build,
    pages_cache,
    pages_client,
)
from rdflib import URIRef

from subdip import paths
from subdip.web.home import read_examples


def test_home_page_shows_the_counts_of_each_graph(pages_client):
    response = pages_client.get("/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    dataset = expected_dataset()
    total = 0
    for name in ("asserted", "inferred", "links", "ontology"):
        count = len(dataset.graph(URIRef(GRAPH + name)))
        total += count
        assert re.search(rf"{name} <small>[^<]*</small></dt><dd>{count:,}</dd>", html), name
    assert f"<dt>all quads</dt><dd>{total:,}</dd>" in html


def test_home_page_links_to_the_other_services(pages_client):
    hrefs = set(links(pages_client.get("/").get_data(as_text=True)))
    for path in ("/ontology", "/shapes", "/void", "/sparql", "/download/"):
        assert path in hrefs, path


def test_home_page_needs_no_outside_assets(pages_client):
    html = pages_client.get("/").get_data(as_text=True)
    assets = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert assets, "no script or stylesheet found"
    for asset in assets:
        if asset.startswith("data:"):
            continue  # inline (the empty favicon)
        assert asset.startswith("/"), f"{asset} is not served by subdip"
        response = pages_client.get(asset)
        assert response.status_code == 200, asset
        response.close()


def test_every_shipped_competency_question_is_a_button(pages_client):
    html = pages_client.get("/").get_data(as_text=True)
    files = sorted((paths.queries_dir() / "cq").glob("*.rq"))
    assert files, "queries/cq has no competency questions"
    for path in files:
        template = re.search(
            rf'<template id="example-cq-{re.escape(path.stem)}">(.*?)</template>', html, re.DOTALL
        )
        assert template, path.name
        assert unescape(template.group(1)) == path.read_text(encoding="utf-8")
        assert f'data-example="cq-{path.stem}"' in html


def write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def test_a_query_in_the_address_fills_the_editor(pages_client):
    html = pages_client.get("/?query=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D").get_data(as_text=True)
    editor = re.search(r'<textarea id="query"[^>]*>(.*?)</textarea>', html, re.DOTALL)
    assert editor and unescape(editor.group(1)) == "ASK { ?s ?p ?o }"


def test_titles_come_from_the_leading_comment(tmp_path):
    write(tmp_path / "cq", "02-b.rq", "# CQ 2. Which agreements ended?\n# Sources: A\nASK {}\n")
    write(tmp_path / "cq", "01-a.rq", "\n#   title: Who controls whom?\nSELECT * {}\n")
    write(tmp_path / "cq", "03-c.rq", "SELECT * {}\n")
    write(tmp_path / "cq", "notes.txt", "not a query\n")
    examples = read_examples(tmp_path / "cq", "cq")
    assert [(e.ident, e.tag, e.title) for e in examples] == [
        ("01-a", "CQ", "Who controls whom?"),
        ("02-b", "CQ 2", "Which agreements ended?"),
        ("03-c", "CQ", "03-c"),
    ]
    assert read_examples(tmp_path / "missing", "example") == []


def test_a_question_over_two_comment_lines_is_one_title(tmp_path):
    write(
        tmp_path / "cq",
        "04-d.rq",
        "# CQ 4. Which local governments used which strategy, per which\n# source?\n"
        "# Sources: claims 29, 30.\nSELECT * {}\n",
    )
    write(tmp_path / "ex", "x.rq", "# Names in Chinese\n# Labels are rdfs:label.\nSELECT * {}\n")
    (cq,) = read_examples(tmp_path / "cq", "cq")
    assert (cq.tag, cq.title) == (
        "CQ 4",
        "Which local governments used which strategy, per which source?",
    )
    assert cq.note == "Sources: claims 29, 30."
    (example,) = read_examples(tmp_path / "ex", "example")
    assert (example.title, example.note) == ("Names in Chinese", "Labels are rdfs:label.")


def test_shipped_question_titles_are_whole_questions():
    """CQ 4 and CQ 5 run over two comment lines; their buttons must show the whole question."""
    for example in read_examples(paths.queries_dir() / "cq", "cq"):
        assert example.title.endswith("?"), (example.ident, example.title)


def test_examples_folder_is_offered_after_the_questions(pages_build, pages_cache, tmp_path):
    write(tmp_path / "cq", "01-x.rq", "# CQ 1. Who is Hainan?\nSELECT * {}\n")
    write(tmp_path / "examples", "labels.rq", "# Labels in Chinese\nSELECT ?l {}\n")
    app = make_pages_app(pages_build, pages_cache, QUERIES_DIR=str(tmp_path))
    try:
        html = app.test_client().get("/").get_data(as_text=True)
    finally:
        app.extensions["subdip"]["backend"].close()
    first = html.index('data-example="cq-01-x"')
    second = html.index('data-example="example-labels"')
    assert first < second
    assert "Labels in Chinese" in html and "Who is Hainan?" in html


def test_the_query_the_page_sends_is_answered_as_the_script_expects(pages_client):
    """The editor posts form-encoded with this Accept header and reads SPARQL JSON."""
    query = (
        "SELECT ?r ?l WHERE { ?r <http://www.w3.org/2000/01/rdf-schema#label> ?l . "
        'FILTER(lang(?l) = "zh") } ORDER BY ?l'
    )
    response = pages_client.post(
        "/sparql",
        data={"query": query},
        headers={"Accept": "application/sparql-results+json, text/turtle;q=0.9"},
    )
    assert response.status_code == 200
    data = json.loads(response.data)
    labels = {b["l"]["value"] for b in data["results"]["bindings"]}
    assert {"海南省", "三沙市", "北京市"} <= labels


@pytest.mark.parametrize(
    "path",
    sorted((paths.queries_dir() / "examples").glob("*.rq"))
    + sorted((paths.queries_dir() / "cq").glob("*.rq")),
    ids=lambda p: p.name,
)
def test_every_offered_query_is_accepted_by_the_endpoint(pages_client, path):
    response = pages_client.post(
        "/sparql",
        data={"query": path.read_text(encoding="utf-8")},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "results" in json.loads(response.data) or "boolean" in json.loads(response.data)


@pytest.mark.parametrize("asset", ["query.js", "style.css"])
def test_static_assets_are_served(pages_client, asset):
    response = pages_client.get(f"/assets/{asset}")
    assert response.status_code == 200
    assert len(response.data) > 1000
    response.close()
