"""Search, class pages, HTML for browsers (errors, /sparql, /void), explain with prefixed names,
the editor's configuration and the vendored libraries, with Flask's test client on the pages
fixture (facts from ../shared/facts: Hainan 海南省, Sansha 三沙市 under Hainan per claim 33)."""

# ruff: noqa: F811  (fixtures imported from conftest_pages are redefined as test arguments)
from __future__ import annotations

import json
import re
import runpy
from html import unescape
from pathlib import Path

import pytest
from conftest_pages import (  # noqa: F401  (fixtures)
    ID,
    SUBDIP,
    links,
    pages_app,
    pages_build,
    pages_cache,
    pages_client,
)

from subdip.namespaces import PREFIXES
from subdip.web.explore import Entry, fold, score

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "server" / "subdip" / "web" / "static" / "vendor"
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


# -- search -----------------------------------------------------------------------------------


def test_fold_drops_tones_case_and_separators():
    assert fold("Hǎinán Shěng") == "hainan sheng"
    assert fold("  Sansha-Shi ") == "sansha shi"
    assert fold("海南省") == "海南省"


def test_a_closer_match_scores_higher():
    def entry(text: str, weight: int = 4) -> Entry:
        return Entry("x", text, fold(text), None, weight)

    words, phrase = ["海南"], "海南"
    exact, short, long_ = entry("海南"), entry("海南省"), entry("海南推动北京开放西沙群岛旅游")
    assert score(exact, words, phrase) > score(short, words, phrase) > score(long_, words, phrase)
    assert score(entry("海南省", weight=2), words, phrase) < score(short, words, phrase)
    assert score(entry("北京市"), words, phrase) == 0


@pytest.mark.parametrize(
    "words, first",
    [("Hainan", "hainan"), ("海南", "hainan"), ("hǎinán", "hainan"), ("三沙", "sansha")],
)
def test_search_finds_by_english_chinese_and_toneless_names(pages_client, words, first):
    response = pages_client.get("/search", query_string={"q": words, "format": "json"})
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert results and results[0]["iri"] == ID + first
    html = pages_client.get("/search", query_string={"q": words}).get_data(as_text=True)
    assert f'href="/id/{first}"' in html


def test_search_without_a_match_says_so(pages_client):
    html = pages_client.get("/search?q=zzzzzz").get_data(as_text=True)
    assert "0 results" in html and "Nothing matches" in html


def test_every_page_has_the_search_box(pages_client):
    for path in ("/", "/id/hainan", "/ontology", "/shapes", "/search", "/explain"):
        html = pages_client.get(path, headers=HTML).get_data(as_text=True)
        assert re.search(r'<form class="search" role="search" action="/search"', html), path


# -- class pages ------------------------------------------------------------------------------


def test_class_page_lists_asserted_and_inferred_instances(pages_client):
    html = pages_client.get("/class/subdip:ChineseProvince").get_data(as_text=True)
    assert "/id/hainan" in links(html) and "/id/sansha" not in links(html)
    broader = pages_client.get(
        "/class", query_string={"iri": SUBDIP + "ChineseProvincialLevelGovernment"}
    ).get_data(as_text=True)
    item = re.search(r'<li class="(\w+)"><a href="/id/hainan"', broader)
    assert item and item.group(1) == "inferred"  # Hainan's type there is inferred only


def test_resource_type_chips_link_to_the_class_page(pages_client):
    html = pages_client.get("/id/hainan").get_data(as_text=True)
    assert "/class?iri=https%3A//w3id.org/subdip/ontology%23ChineseProvince" in unescape(html)


@pytest.mark.parametrize(
    "path, status", [("/class/subdip:NoSuchClass", 404), ("/class/nope:Thing", 400)]
)
def test_class_page_errors(pages_client, path, status):
    assert pages_client.get(path).status_code == status


# -- HTML for browsers, plain text for machines ------------------------------------------------


def test_not_found_is_a_page_for_browsers_and_text_for_machines(pages_client):
    browser = pages_client.get("/nope", headers=HTML)
    assert browser.status_code == 404 and browser.mimetype == "text/html"
    assert "<h1>Not found</h1>" in browser.get_data(as_text=True)
    machine = pages_client.get("/nope")
    assert machine.status_code == 404 and machine.mimetype == "text/plain"
    assert machine.get_data(as_text=True).startswith("404 Not Found")


def test_method_not_allowed_keeps_its_allow_header_in_html(pages_client):
    response = pages_client.delete("/void", headers=HTML)
    assert response.status_code == 405 and response.mimetype == "text/html"
    assert "GET" in response.headers["Allow"]
    assert "Method not allowed" in response.get_data(as_text=True)


def test_not_acceptable_is_a_page_for_browsers(pages_client):
    response = pages_client.get(
        "/sparql", query_string={"query": "ASK {}"}, headers={"Accept": "text/html, image/png"}
    )
    assert response.status_code == 406 and response.mimetype == "text/html"
    assert "Not acceptable" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/sparql", "/void"])
def test_descriptions_are_pages_with_machine_formats_a_link_away(pages_client, path):
    page = pages_client.get(path, headers=HTML)
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    for ext, media in (("ttl", "text/turtle"), ("jsonld", "application/ld+json")):
        assert f'href="{path}.{ext}"' in html
        document = pages_client.get(f"{path}.{ext}")
        assert document.status_code == 200 and document.mimetype == media
    # machines asking the address itself still get RDF (Turtle by default)
    assert pages_client.get(path).mimetype == "text/turtle"
    assert pages_client.get(path, headers={"Accept": "*/*"}).mimetype == "text/turtle"


# -- explain ----------------------------------------------------------------------------------


def test_explain_reads_prefixed_names_as_the_command_line_does(pages_client):
    response = pages_client.get(
        "/explain",
        query_string={"s": "id:hainan", "p": "subdip:hasSubordinate", "o": "id:sansha"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    assert response.get_json()["status"] == "inferred"
    full = pages_client.get(
        "/explain",
        query_string={
            "s": ID + "hainan",
            "p": f"<{SUBDIP}hasSubordinate>",
            "o": ID + "sansha",
            "format": "json",
        },
    )
    assert full.get_json() == response.get_json()


def test_explain_names_an_unknown_prefix(pages_client):
    response = pages_client.get("/explain?s=id:hainan&p=nope:x&o=id:sansha", headers=HTML)
    assert response.status_code == 400
    assert "unknown prefix &#39;nope&#39;" in response.get_data(as_text=True)


def test_explain_without_a_triple_is_the_form(pages_client):
    html = pages_client.get("/explain").get_data(as_text=True)
    assert all(f'name="{n}"' in html for n in "spo") and "Why does this hold?" not in html


# -- the editor's configuration ---------------------------------------------------------------


def test_editor_gets_the_endpoint_prefixes_and_catalogue(pages_client):
    html = pages_client.get("/").get_data(as_text=True)
    block = re.search(r'<script id="editor-config" type="application/json">(.*?)</script>', html)
    config = json.loads(block.group(1))
    assert config["endpoint"] == "/sparql"
    assert config["prefixes"] == PREFIXES
    assert [c["id"] for c in config["catalogue"]] == re.findall(r'data-example="([^"]+)"', html)
    assert SUBDIP + "ChineseProvince" in config["classes"]
    assert SUBDIP + "subordinateTo" in config["properties"]
    shown = re.findall(r"<tr><td><code>([\w-]+):</code></td><td><code>([^<]+)</code>", html)
    assert dict(shown) == PREFIXES


# -- vendored libraries -----------------------------------------------------------------------


def test_vendored_libraries_keep_licence_and_version():
    pins = runpy.run_path(str(ROOT / "scripts" / "vendor-assets"))["LIBRARIES"]
    assert set(pins) == {p.name for p in VENDOR.iterdir() if p.is_dir()}
    for folder, (package, version, files) in pins.items():
        here = VENDOR / folder
        record = (here / "VERSION").read_text(encoding="utf-8")
        assert f"package: {package}\n" in record and f"version: {version}\n" in record
        assert list(here.glob("LICENSE*")), folder
        for name in files:
            assert (here / Path(name).name).stat().st_size > 1000, name


@pytest.mark.parametrize(
    "asset",
    [
        "vendor/yasgui/yasgui.min.js",
        "vendor/yasgui/yasgui.min.css",
        "vendor/cytoscape/cytoscape.min.js",
        "vendor/vis-timeline/vis-timeline-graph2d.min.js",
        "query.js",
        "graph.js",
        "timeline.js",
    ],
)
def test_page_scripts_are_served_by_the_app(pages_client, asset):
    response = pages_client.get(f"/assets/{asset}")
    assert response.status_code == 200 and len(response.data) > 1000
    response.close()
