"""The site in a real browser: Playwright driving Debian's Chromium against ``subdip serve``.

The shipped data is built (``subdip build``) and served on a free loopback port. Playwright
launches the system's Chromium (``executable_path``: no browser download). Every page a test
opens is watched: a script error, a console error or a request to any host but the server
fails the test. Screenshots at desktop (1280 px) and phone (390 px) width go to
``tests/artefacts/`` (committed, for people to look at); at phone width no page may scroll
sideways. Expected answers come from the sources (``queries/cq/*.expected.json``).
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from process_groups import stop_process_group

from subdip import paths
from subdip.namespaces import PREFIXES

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTEFACTS = Path(__file__).resolve().parents[1] / "artefacts"
ID_BASE = "https://w3id.org/subdip/id/"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def chromium_binary() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail(
        "headless Chromium is needed for the browser tests and is not installed: run "
        "'apt-get install chromium fonts-noto-cjk' (as root; scripts/test does it in CI)"
    )


def subdip_exe() -> str:
    exe = Path(sys.executable).with_name("subdip")
    return str(exe) if exe.exists() else "subdip"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not answer at {url} within {seconds:g} s")


@pytest.fixture(scope="module")
def shipped_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped ontology and data, built as a user would (``subdip build``)."""
    out = tmp_path_factory.mktemp("browser") / "build"
    done = subprocess.run(
        [subdip_exe(), "build", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"'subdip build' failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return out


@pytest.fixture(scope="module")
def served(shipped_build: Path) -> Iterator[str]:
    """``subdip serve`` on a free loopback port; yields its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [
            subdip_exe(),
            "serve",
            "--no-build",
            "--build-dir",
            str(shipped_build),
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url + "/sparql?query=ASK%7B%7D", process, "subdip serve")
        yield url
    finally:
        stop_process_group(process)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright (no downloaded browser)."""
    with sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=chromium_binary(),
            args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        )
        yield launched
        launched.close()


@dataclass
class Watched:
    """A page and what went wrong on it: script errors and requests to other hosts."""

    page: Page
    errors: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)


@pytest.fixture
def open_page(browser: Browser, served: str) -> Iterator:
    """``open_page(path, viewport=DESKTOP)``: a fresh context, watched until the test ends."""
    opened: list[Watched] = []
    contexts = []
    host = urllib.parse.urlsplit(served).netloc

    def make(
        path: str | None,
        viewport: dict[str, int] = DESKTOP,
        missing: str | None = None,
        **context_options,
    ) -> Watched:
        """``missing``: a path the test opens on purpose that answers 404 (not an error)."""
        context = browser.new_context(viewport=viewport, accept_downloads=True, **context_options)
        contexts.append(context)
        page = context.new_page()
        watched = Watched(page)

        def guard(route) -> None:
            url = route.request.url
            if url.startswith(("data:", "blob:")) or urllib.parse.urlsplit(url).netloc == host:
                route.continue_()
            else:
                watched.foreign.append(url)
                route.abort()

        context.route("**/*", guard)
        page.on("pageerror", lambda err: watched.errors.append(f"script error: {err}"))

        def console(msg) -> None:
            where = (msg.location or {}).get("url", "")
            if msg.type != "error":
                return
            if missing and where.endswith(missing) and "404" in msg.text:
                return  # the page under test is the 404 page
            watched.errors.append(f"console {msg.type}: {msg.text} ({where})")

        page.on("console", console)
        opened.append(watched)
        if path is not None:
            page.goto(served + path)
            page.wait_for_load_state("networkidle")
        return watched

    yield make
    try:
        for watched in opened:
            assert watched.errors == [], watched.errors
            assert watched.foreign == [], f"requests to other hosts: {watched.foreign}"
    finally:
        for context in contexts:
            context.close()


#: Screenshots stop this far down a page (the long ones are documentation; their top shows).
SHOT_MAX_HEIGHT = 4000


def shoot(watched: Watched, name: str) -> None:
    """A full-page screenshot (at most SHOT_MAX_HEIGHT px) into tests/artefacts/."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page = watched.page
    width = page.viewport_size["width"] if page.viewport_size else DESKTOP["width"]
    height = min(page.evaluate("document.documentElement.scrollHeight"), SHOT_MAX_HEIGHT)
    page.screenshot(
        path=str(ARTEFACTS / f"{name}.png"),
        full_page=True,
        clip={"x": 0, "y": 0, "width": width, "height": height},
    )


def fits_phone(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide at {PHONE['width']} px"


def expected(stem_glob: str) -> tuple[Path, dict]:
    files = sorted((paths.queries_dir() / "cq").glob(stem_glob))
    assert files, f"queries/cq/{stem_glob} is missing"
    query = files[0]
    return query, json.loads(query.with_suffix(".expected.json").read_text(encoding="utf-8"))


def page_path(compact_iri: str) -> str:
    assert compact_iri.startswith("id:"), compact_iri
    return "/id/" + compact_iri[3:]


def wait_for_results(page: Page) -> None:
    page.wait_for_selector(
        ".yasr_results table.dataTable tbody tr, .yasr .errorResult", timeout=30_000
    )


def result_table(page: Page) -> dict:
    return page.evaluate(
        """() => {
        const t = document.querySelector('.yasr_results table.dataTable');
        const head = [...t.tHead.rows[0].cells].map(c => c.textContent.trim());
        const rows = [...t.tBodies[0].rows].map(r => [...r.cells].map(c => ({
            text: c.textContent.trim(),
            href: (c.querySelector('a') || {}).pathname || null,
        })));
        return {head, rows};
    }"""
    )


# -- 1. the SPARQL editor ---------------------------------------------------------------------


def test_a_competency_question_runs_from_the_catalogue(open_page):
    query, answer = expected("02-*.rq")
    watched = open_page("/")
    page = watched.page
    assert page.title().endswith("subdip")
    cq_files = list((paths.queries_dir() / "cq").glob("*.rq"))
    assert page.locator("button.example").count() >= len(cq_files) > 0
    assert page.locator(".yasqe .CodeMirror").count() == 1  # the real editor, not the textarea
    page.click(f'button[data-example="cq-{query.stem}"]')
    wait_for_results(page)
    page.wait_for_function("document.querySelectorAll('.yasr_results a[data-labelled]').length > 0")
    table = result_table(page)
    head = table["head"][1:]  # the first column is the row number
    rows = [dict(zip(head, row[1:], strict=True)) for row in table["rows"]]
    assert len(rows) == len(answer["rows"])
    seen = sorted((r["agreement"]["href"], r["endedBy"]["href"]) for r in rows)
    wanted = sorted((page_path(r["agreement"]), page_path(r["endedBy"])) for r in answer["rows"])
    assert seen == wanted
    # resources are shown by their labels once the page has fetched them
    assert any("Beijing" in r["endedBy"]["text"] for r in rows)
    assert any("Prague" in r["agreement"]["text"] for r in rows)
    # the address now carries the query: opening it again runs it
    assert "query=" in page.url and "prague" in urllib.parse.unquote(page.url).lower()
    shoot(watched, "home-cq2-desktop")


def test_every_catalogue_button_shows_its_whole_title(open_page):
    page = open_page("/").page
    for button in page.locator("button.example").all():
        text = button.inner_text()
        title = button.get_attribute("title") or ""
        if text.startswith("CQ"):
            assert text.rstrip().endswith("?"), text
            assert title.startswith(text.split(None, 2)[0]), title


def test_the_page_lists_the_prefixes_and_the_editor_knows_them(open_page):
    page = open_page("/").page
    page.click("details#prefixes summary")
    shown = dict(
        page.evaluate(
            "[...document.querySelectorAll('#prefixes tbody tr')].map(r =>"
            " [r.cells[0].textContent.trim().replace(/:$/, ''), r.cells[1].textContent.trim()])"
        )
    )
    assert shown == PREFIXES
    configured = page.evaluate("window.subdipYasgui.config.yasr.prefixes")
    assert configured == PREFIXES


def test_ctrl_enter_runs_the_query_and_a_share_link_runs_it_again(open_page, served):
    page = open_page("/").page
    page.click(".yasqe .CodeMirror")
    page.evaluate(
        "window.subdipYasgui.getTab().getYasqe().setValue("
        "'PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\\n"
        "SELECT ?name WHERE { <https://w3id.org/subdip/id/hainan> rdfs:label ?name }"
        " ORDER BY ?name')"
    )
    page.click(".yasqe .CodeMirror")
    page.keyboard.press("Control+Enter")
    wait_for_results(page)
    names = {row[1]["text"] for row in result_table(page)["rows"]}
    assert {"Hainan", "海南省"} <= {n.strip('"').split('"@')[0] for n in names}
    link = page.url
    assert "#query=" in link
    # a fresh browser opening the link sees the same answer, and so does ?query=
    for address in (link, served + "/?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})):
        other = open_page(None).page
        other.goto(address)
        other.wait_for_selector(".yasr_results", timeout=30_000)
        other.wait_for_function(
            "document.querySelector('.yasr_results').textContent.trim().length > 0"
        )
        text = other.locator(".yasr_results").inner_text()
        assert ("Hainan" in text) if "#query=" in address else ("true" in text.lower()), text


def test_result_tables_sort_and_page(open_page):
    query = "SELECT ?s ?p WHERE { ?s ?p ?o } ORDER BY ?s ?p LIMIT 120"
    page = open_page("/?" + urllib.parse.urlencode({"query": query})).page
    wait_for_results(page)
    info = page.locator(".yasr .dt-info").inner_text()
    assert "120" in info and re.search(r"1 to 50\b", info), info
    assert page.locator(".yasr_results tbody tr").count() == 50
    first = page.locator(".yasr_results tbody tr").first.inner_text()
    subject_header = page.locator('.yasr_results thead th[data-dt-column="1"]')
    subject_header.click()  # ascending (as the query ordered), then descending
    subject_header.click()
    page.wait_for_function(
        "first => document.querySelector('.yasr_results tbody tr').innerText !== first", arg=first
    )
    page.locator(".yasr .dt-paging-button.next").click()
    assert re.search(r"51 to 100\b", page.locator(".yasr .dt-info").inner_text())


def test_downloads_csv_with_a_byte_order_mark_tsv_and_json(open_page, served):
    query = (
        "SELECT ?name WHERE { <https://w3id.org/subdip/id/hainan> "
        "<http://www.w3.org/2000/01/rdf-schema#label> ?name } ORDER BY ?name"
    )
    page = open_page("/?" + urllib.parse.urlencode({"query": query})).page
    wait_for_results(page)
    page.wait_for_selector("#downloads:not([hidden])")
    bodies = {}
    for fmt in ("csv", "tsv", "json"):
        with page.expect_download() as info:
            page.click(f'#downloads a[data-format="{fmt}"]')
        bodies[fmt] = Path(info.value.path()).read_bytes()
    assert bodies["csv"].startswith(b"\xef\xbb\xbf"), bodies["csv"][:20]
    rows = list(csv.reader(io.StringIO(bodies["csv"].decode("utf-8-sig"))))
    assert rows[0] == ["name"] and {"Hainan", "海南省"} <= {r[0] for r in rows[1:]}
    # YASR's own download icon over the table gives the same CSV, with the mark
    with page.expect_download() as info:
        page.click(".yasr .yasr_downloadIcon")
    table_csv = Path(info.value.path()).read_bytes()
    assert table_csv.startswith(b"\xef\xbb\xbf") and "海南省" in table_csv.decode("utf-8-sig")
    assert not bodies["tsv"].startswith(b"\xef\xbb\xbf")
    assert "海南省" in bodies["tsv"].decode("utf-8")
    names = {b["name"]["value"] for b in json.loads(bodies["json"])["results"]["bindings"]}
    assert {"Hainan", "海南省"} <= names
    # the endpoint's own CSV is byte for byte what SPARQL 1.1 says: no byte-order mark
    request = urllib.request.Request(
        served + "/sparql?" + urllib.parse.urlencode({"query": query}),
        headers={"Accept": "text/csv"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert not response.read().startswith(b"\xef\xbb\xbf")


def test_construct_results_use_prefixes_and_draw_as_a_graph(open_page):
    query = (
        "CONSTRUCT { ?a <https://w3id.org/subdip/ontology#subordinateTo> ?b } WHERE "
        "{ ?a <https://w3id.org/subdip/ontology#subordinateTo> ?b }"
    )
    watched = open_page("/?" + urllib.parse.urlencode({"query": query}))
    page = watched.page
    wait_for_results(page)
    predicates = page.locator(".yasr_results tbody tr td:nth-child(3)").all_inner_texts()
    assert predicates and all(p.strip() == "subdip:subordinateTo" for p in predicates), predicates
    page.click(".yasr .select_graph")
    page.wait_for_selector(".graph-view canvas")
    assert page.evaluate("document.querySelectorAll('.graph-view canvas').length") > 0
    shoot(watched, "construct-graph-desktop")


# -- 3. HTML where a browser asks -------------------------------------------------------------


@pytest.mark.parametrize("path, heading", [("/sparql", "SPARQL service"), ("/void", "VoID")])
def test_service_descriptions_are_pages_with_the_machine_formats_a_link_away(
    open_page, path, heading
):
    watched = open_page(path)
    page = watched.page
    assert heading in page.locator("h1").inner_text()
    assert page.locator("header.site").count() == 1
    turtle = page.locator('.formats a[type="text/turtle"]').get_attribute("href")
    response = page.request.get(urllib.parse.urljoin(page.url, turtle))
    assert response.ok and response.headers["content-type"].startswith("text/turtle")
    assert "@prefix" in response.text() or "PREFIX" in response.text()
    shoot(watched, f"{path.strip('/')}-desktop")


def test_browsers_get_a_styled_not_found_page(open_page, served):
    watched = open_page(None, missing="/nope")
    response = watched.page.goto(served + "/nope")
    assert response is not None and response.status == 404
    assert response.headers["content-type"].startswith("text/html")
    assert watched.page.locator("h1").inner_text() == "Not found"
    assert watched.page.locator("header.site form.search").count() == 1
    shoot(watched, "not-found-desktop")
    # a machine asking the same address keeps the plain text
    try:
        urllib.request.urlopen(served + "/nope", timeout=10)
    except urllib.error.HTTPError as err:
        assert err.code == 404 and err.headers["Content-Type"].startswith("text/plain")
    else:
        pytest.fail("/nope answered 200")


# -- 4. finding things ------------------------------------------------------------------------


@pytest.mark.parametrize("words", ["海南", "Hǎinán", "hainan"])
def test_the_search_box_finds_hainan_by_any_of_its_names(open_page, words):
    page = open_page("/").page
    page.fill("header.site input[name=q]", words)
    page.press("header.site input[name=q]", "Enter")
    page.wait_for_selector("#result-count")
    first = page.locator("ol.hits li .name a").first
    assert first.get_attribute("href") == "/id/hainan"


def test_class_pages_list_instances_and_are_linked_from_type_chips_and_ontology(open_page):
    watched = open_page("/id/hainan")
    page = watched.page
    page.locator(".types .type a", has_text="Chinese province").first.click()
    page.wait_for_selector("h1")
    assert "Chinese province" in page.locator("h1").inner_text()
    instances = page.locator("ul.instances a").evaluate_all("els => els.map(e => e.pathname)")
    assert "/id/hainan" in instances
    shoot(watched, "class-province-desktop")
    onto = open_page("/ontology").page
    labels = onto.locator(".ontology-index details").first.locator("li a").all_inner_texts()
    assert len(labels) > 20 and labels == sorted(labels, key=str.casefold)
    onto.locator("#ChineseProvince .instances-link a").click()
    onto.wait_for_selector("ul.instances")
    assert "/id/hainan" in onto.locator("ul.instances a").evaluate_all(
        "els => els.map(e => e.pathname)"
    )


# -- 5. pictures ------------------------------------------------------------------------------


def test_resource_page_draws_its_neighbourhood_and_explains_inferences(open_page):
    watched = open_page("/id/hainan")
    page = watched.page
    heading = page.locator("h1").inner_text()
    assert "Hainan" in heading and "海南省" in heading
    assert page.locator("h1 [lang=zh]").inner_text() == "海南省"
    page.wait_for_function(
        "window.subdipNeighbourhood && window.subdipNeighbourhood.nodes().length > 1"
    )
    styles = page.evaluate(
        """() => {
        const cy = window.subdipNeighbourhood;
        return {
          inferred: cy.edges('.inferred').map(e => e.style('line-style')),
          asserted: cy.edges('.asserted').map(e => e.style('line-style')),
          nodes: cy.nodes().map(n => n.data('href')),
        };
    }"""
    )
    assert styles["inferred"] and set(styles["inferred"]) == {"dashed"}
    assert styles["asserted"] and set(styles["asserted"]) == {"solid"}
    assert "/id/sansha" in styles["nodes"]
    shoot(watched, "resource-hainan-desktop")
    # a node is a link: tapping Sansha opens its page
    page.evaluate(
        "window.subdipNeighbourhood.nodes()"
        ".filter(n => n.data('href') === '/id/sansha').emit('tap')"
    )
    page.wait_for_url("**/id/sansha")
    # the first "why?" of an inferred statement leads to its derivation
    page.goto(page.url.replace("/id/sansha", "/id/hainan"))
    page.locator("tr.inferred a.explain").first.click()
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text() == "Why does this hold?"
    assert page.locator("li.step.asserted").count() > 0


def test_timeline_shows_each_date_of_the_prague_termination_with_its_source(open_page):
    _, answer = expected("02-*.rq")
    watched = open_page("/timeline")
    page = watched.page
    page.wait_for_selector(".vis-timeline .vis-item")
    rows = page.evaluate(
        """() => [...document.querySelectorAll('table.dated tbody tr')].map(r => ({
        date: r.cells[0].textContent.trim(),
        about: (r.cells[1].querySelector('small a') || {}).pathname || null,
        sources: [...r.cells[3].querySelectorAll('a')].map(a => a.pathname),
        disputed: r.classList.contains('disputed'),
    }))"""
    )
    # the picture holds every item of the table (it draws those in its window)
    assert page.evaluate("window.subdipTimeline.itemsData.length") == len(rows) > 0
    # each date the sources give for an ending of a Prague agreement is on the timeline,
    # on an event about that agreement, with that source
    dated = [r for r in answer["rows"] if r.get("date")]
    assert len({r["date"] for r in dated if "beijing-prague" in r["agreement"]}) > 1
    for want in dated:
        assert any(
            r["about"] == page_path(want["agreement"])
            and r["date"].startswith(str(want["date"]))
            and page_path(want["source"]) in r["sources"]
            for r in rows
        ), want
    assert any(r["disputed"] for r in rows)
    shoot(watched, "timeline-desktop")


# -- 7. explain --------------------------------------------------------------------------------


def test_explain_form_accepts_prefixed_names(open_page):
    watched = open_page("/explain")
    page = watched.page
    page.fill("input[name=s]", "id:ccp")
    page.fill("input[name=p]", "subdip:controls")
    page.fill("input[name=o]", "id:sansha")
    page.click("form.triple-form button")
    page.wait_for_selector("ol.derivation")
    assert page.locator("h1").inner_text() == "Why does this hold?"
    assert page.locator("ol.derivation > li.step.inferred").count() == 1
    assert page.locator("li.step.asserted").count() >= 2
    shoot(watched, "explain-desktop")


# -- 6. phone ------------------------------------------------------------------------------------

PHONE_PAGES = {
    "home": "/",
    "resource-hainan": "/id/hainan",
    "search": "/search?q=Hainan",
    "class-province": "/class/subdip:ChineseProvince",
    "timeline": "/timeline",
    "sparql": "/sparql",
    "void": "/void",
    "ontology": "/ontology",
    "shapes": "/shapes",
    "downloads": "/download/",
    "explain": "/explain?s=id:ccp&p=subdip:controls&o=id:sansha",
    "not-found": "/nope",
}


DESKTOP_ONLY_HERE = {"home", "search", "ontology", "shapes", "downloads"}


@pytest.mark.parametrize("name", sorted(PHONE_PAGES))
def test_every_page_fits_a_phone(open_page, name):
    path = PHONE_PAGES[name]
    watched = open_page(path, viewport=PHONE, missing="/nope", is_mobile=True, has_touch=True)
    fits_phone(watched.page)
    if name == "home":  # the catalogue is folded on a phone; a question gives a wide table
        assert watched.page.locator("details.catalogue").get_attribute("open") is None
        watched.page.click("details.catalogue summary")
        watched.page.click('button.example[data-group="cq"]')
        wait_for_results(watched.page)
        fits_phone(watched.page)
    shoot(watched, f"{name}-phone")
    if name in DESKTOP_ONLY_HERE:  # the others are shot at desktop width by their own test
        shoot(open_page(path), f"{name}-desktop")


def test_examples_have_answers_on_the_shipped_data(served: str):
    """queries/examples/*.rq are offered as demonstrations: each must answer something."""
    files = sorted((paths.queries_dir() / "examples").glob("*.rq"))
    assert files, "queries/examples has no example queries"
    for path in files:
        body = urllib.parse.urlencode({"query": path.read_text(encoding="utf-8")}).encode()
        request = urllib.request.Request(
            served + "/sparql", data=body, headers={"Accept": "application/sparql-results+json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            rows = json.load(response)["results"]["bindings"]
        assert rows, f"{path.name} has no answer on the shipped data"
