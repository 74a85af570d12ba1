"""The home page in a real browser: Debian's headless Chromium, driven over the DevTools protocol.

The shipped data is built (``subdip build``) and served (``subdip serve``) on a free loopback
port; Chromium loads the page, a competency question is clicked, and its result table must show
the rows the data engineer derived from the sources (``queries/cq/02-*.expected.json``).
Screenshots go to tests/artefacts/ (git-ignored) for a person to look at.

Chromium is driven with the DevTools protocol over a websocket (the ``websockets`` package):
no downloaded browser, no driver binary. A missing Chromium fails the test with the command
that installs it.
"""

from __future__ import annotations

import base64
import itertools
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from process_groups import stop_process_group

from subdip import paths

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTEFACTS = Path(__file__).resolve().parents[1] / "artefacts"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
)
ID_BASE = "https://w3id.org/subdip/id/"


def chromium_binary() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail(
        "headless Chromium is needed for the browser test and is not installed: run "
        "'apt-get install chromium fonts-noto-cjk' (as root; scripts/test does it in CI)"
    )


def subdip_exe() -> str:
    exe = Path(sys.executable).with_name("subdip")
    return str(exe) if exe.exists() else "subdip"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


stop = stop_process_group


def wait_for(url: str, process: subprocess.Popen, what: str, seconds: float = 60) -> None:
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
        stop(process)


class DevTools:
    """A minimal Chrome DevTools Protocol client: one page, commands answered in order."""

    def __init__(self, websocket_url: str) -> None:
        from websockets.sync.client import connect

        self.socket = connect(websocket_url, max_size=None, open_timeout=10)
        self.ids = itertools.count(1)
        #: script exceptions and error log entries the page produced (events seen so far)
        self.errors: list[str] = []

    def send(self, method: str, timeout: float = 30, **params: Any) -> dict:
        ident = next(self.ids)
        self.socket.send(json.dumps({"id": ident, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no answer to {method} within {timeout:g} s")
            message = json.loads(self.socket.recv(timeout=left))
            self._note(message)
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method} failed: {message['error']}")
                return message.get("result", {})

    def _note(self, message: dict) -> None:
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            self.errors.append(details.get("exception", {}).get("description") or str(details))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            self.errors.append(f"{entry.get('text')} ({entry.get('url', '')})")

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_until(self, expression: str, seconds: float = 30) -> Any:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.1)
        raise TimeoutError(f"{expression!r} stayed false for {seconds:g} s")

    def open(self, url: str) -> None:
        self.send("Page.navigate", url=url)
        self.wait_until("document.readyState === 'complete'")

    def screenshot(self, path: Path) -> None:
        """The whole page (up to 4,000 px high) as PNG."""
        self.send("Emulation.clearDeviceMetricsOverride")
        height = self.evaluate("document.documentElement.scrollHeight")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=1280,
            height=min(int(height), 4000),
            deviceScaleFactor=1,
            mobile=False,
        )
        shot = self.send("Page.captureScreenshot", format="png")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        self.socket.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevTools]:
    """Headless Chromium with remote debugging on a port it picks; one page to drive."""
    binary = chromium_binary()
    profile = tmp_path_factory.mktemp("chromium-profile")
    process = subprocess.Popen(
        [
            binary,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            "--window-size=1280,1000",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        active = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (active.is_file() and active.read_text().strip()):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Chromium ({binary}) did not start its DevTools endpoint")
            time.sleep(0.1)
        port = active.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as r:
            targets = json.load(r)
        page = next(t for t in targets if t.get("type") == "page")
        tools = DevTools(page["webSocketDebuggerUrl"])
        tools.send("Page.enable")
        tools.send("Runtime.enable")
        tools.send("Log.enable")
        yield tools
        tools.close()
    finally:
        stop(process)


def expected_cq2() -> tuple[str, dict]:
    """CQ 2 (Prague's ended sister-city agreements): its example id and expected answer."""
    files = sorted((paths.queries_dir() / "cq").glob("02-*.rq"))
    assert files, "queries/cq/02-*.rq (the Prague competency question) is missing"
    query = files[0]
    expected = json.loads(query.with_suffix(".expected.json").read_text(encoding="utf-8"))
    return f"cq-{query.stem}", expected


def page_path(compact_iri: str) -> str:
    assert compact_iri.startswith("id:"), compact_iri
    return "/id/" + compact_iri[3:]


def test_home_page_runs_a_competency_question(served: str, browser: DevTools):
    example, expected = expected_cq2()
    browser.open(served + "/")
    assert browser.evaluate("document.title").endswith("subdip")
    buttons = browser.evaluate("document.querySelectorAll('button.example').length")
    cq_files = list((paths.queries_dir() / "cq").glob("*.rq"))
    assert buttons >= len(cq_files) > 0

    browser.evaluate(f"document.querySelector('button[data-example=\"{example}\"]').click()")
    state = browser.wait_until(
        "['done', 'error'].includes(document.getElementById('results').dataset.state)"
        " && document.getElementById('results').dataset.state"
    )
    status = browser.evaluate("document.getElementById('status').textContent")
    assert state == "done", status
    table = browser.evaluate(
        """(() => {
        const t = document.querySelector('#results table');
        const head = [...t.tHead.rows[0].cells].map(c => c.textContent.replace('?', ''));
        const rows = [...t.tBodies[0].rows].map(r => [...r.cells].map(c => ({
            text: c.textContent,
            href: (c.querySelector('a') || {}).pathname || null,
        })));
        return {head, rows};
    })()"""
    )
    rows = [dict(zip(table["head"], row, strict=True)) for row in table["rows"]]
    assert len(rows) == len(expected["rows"]), status
    seen = sorted((r["agreement"]["href"], r["endedBy"]["href"]) for r in rows)
    wanted = sorted((page_path(r["agreement"]), page_path(r["endedBy"])) for r in expected["rows"])
    assert seen == wanted
    # IRIs are shown by their labels once the page has fetched them
    ended_by = {r["endedBy"]["text"] for r in rows}
    assert any("Beijing" in text for text in ended_by), ended_by
    assert any("Prague" in r["agreement"]["text"] for r in rows)
    browser.screenshot(ARTEFACTS / "home-cq2.png")
    assert browser.errors == [], browser.errors


def test_page_examples_have_answers_on_the_shipped_data(served: str):
    """queries/examples/*.rq are offered as demonstrations: each must answer something."""
    files = sorted((paths.queries_dir() / "examples").glob("*.rq"))
    assert files, "queries/examples has no example queries"
    for path in files:
        body = urllib.parse.urlencode({"query": path.read_text(encoding="utf-8")}).encode()
        request = urllib.request.Request(
            served + "/sparql",
            data=body,
            headers={"Accept": "application/sparql-results+json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            rows = json.load(response)["results"]["bindings"]
        assert rows, f"{path.name} has no answer on the shipped data"


def test_resource_page_renders_in_the_browser(served: str, browser: DevTools):
    browser.open(served + "/id/hainan")
    heading = browser.evaluate("document.querySelector('h1').textContent")
    assert "Hainan" in heading and "海南省" in heading
    zh = browser.evaluate("document.querySelector('h1 [lang=zh]').textContent")
    assert zh == "海南省"
    inferred = browser.evaluate("document.querySelectorAll('tr.inferred a.explain').length")
    assert inferred > 0
    browser.screenshot(ARTEFACTS / "resource-hainan.png")
    # follow the first "why?" link to the derivation of an inferred statement
    browser.evaluate("document.querySelector('tr.inferred a.explain').click()")
    browser.wait_until(
        "location.pathname === '/explain' && document.readyState === 'complete'"
        " && document.querySelector('h1') !== null"
    )
    assert browser.evaluate("document.querySelector('h1').textContent") == "Why does this hold?"
    assert browser.evaluate("document.querySelectorAll('li.step.asserted').length") > 0
    browser.screenshot(ARTEFACTS / "explain.png")
    assert browser.errors == [], browser.errors
