"""The home page: what the graph covers, and a query editor with one-click examples.

The examples are the competency questions (``queries/cq/*.rq``) and the page's own examples
(``queries/examples/*.rq``), read once when the blueprint is registered. The editor is a plain
textarea and a small script (``static/query.js``) that posts to ``/sparql``: no CDN, no
framework, so the page works offline.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request
from flask.blueprints import BlueprintSetupState

from subdip import paths
from subdip.errors import SubdipError
from subdip.namespaces import GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_LINKS, GRAPH_ONTOLOGY, SUBDIP
from subdip.web import rendering
from subdip.web.rendering import Term
from subdip.web.resources import annotate

log = logging.getLogger(__name__)

bp = Blueprint(
    "home",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
)
bp.context_processor(rendering.template_globals)

#: Where the pages keep what they compute once per app.
EXTENSION = "subdip_pages"

GRAPHS: tuple[tuple[str, str, str], ...] = (
    ("asserted", str(GRAPH_ASSERTED), "statements from the sources"),
    ("inferred", str(GRAPH_INFERRED), "derived by OWL 2 RL reasoning"),
    ("links", str(GRAPH_LINKS), "mappings to Wikidata"),
    ("ontology", str(GRAPH_ONTOLOGY), "the ontology (TBox)"),
)

_TITLE = re.compile(r"^\s*#+\s*(?:title\s*:\s*)?(?P<title>\S.*?)\s*$", re.IGNORECASE)
_TAG = re.compile(r"^(?P<tag>CQ\s*\d+)\s*[.:]\s*(?P<rest>.+)$", re.IGNORECASE)
_DEFAULT_QUERY = """PREFIX subdip: <https://w3id.org/subdip/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>

SELECT ?government ?name WHERE {
  ?government a subdip:ChineseProvincialLevelGovernment ;
              rdfs:label ?name .
}
ORDER BY ?name
LIMIT 50
"""


@dataclass(frozen=True)
class Example:
    """A one-click query: ``ident`` (file stem), a title from its first comment line.

    ``tag`` is a short label for the button: "CQ 2" when the title starts so, else "Example".
    """

    ident: str
    title: str
    query: str
    group: str  # "cq" or "example"
    tag: str = ""


def read_examples(folder: Path, group: str) -> list[Example]:
    """The ``.rq`` files of ``folder``, sorted by name; the title is the first ``#`` line."""
    if not folder.is_dir():
        return []
    examples = []
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        title = path.stem
        for line in text.splitlines():
            if not line.strip():
                continue
            match = _TITLE.match(line)
            if match is None:
                break
            candidate = match.group("title")
            if not candidate.lower().startswith(("expected", "source", "answer")):
                title = candidate
                break
        tagged = _TAG.match(title)
        if tagged:
            tag, title = tagged.group("tag"), tagged.group("rest")
        else:
            tag = "CQ" if group == "cq" else "Example"
        examples.append(Example(path.stem, title, text, group, tag))
    return examples


def _setup(state: BlueprintSetupState) -> None:
    """Read the example queries once, when the app registers the blueprint."""
    queries = Path(state.app.config.get("QUERIES_DIR") or paths.queries_dir())
    examples = read_examples(queries / "cq", "cq") + read_examples(queries / "examples", "example")
    state.app.extensions.setdefault(EXTENSION, {})["examples"] = examples


bp.record_once(_setup)


def _pages_state() -> dict[str, Any]:
    return current_app.extensions.setdefault(EXTENSION, {})


def coverage() -> dict[str, Any]:
    """Counts per graph and the most populated subdip classes.

    They are the numbers VoID publishes (``service_description.cached_stats``: gathered once per
    build with a few GROUP BY queries and cached to a file), so the page and VoID agree and
    the counting is not done twice.
    """
    state = _pages_state()
    cached = state.get("coverage")
    if cached is not None:
        return cached
    from subdip.web.service_description import cached_stats

    stats = cached_stats()
    graphs = [
        {"name": name, "iri": iri, "what": what, "count": stats.graph_triples.get(iri, 0)}
        for name, iri, what in GRAPHS
    ]
    ours = sorted(
        ((n, c) for c, n in stats.classes.items() if c.startswith(str(SUBDIP))),
        key=lambda item: (-item[0], item[1]),
    )[:16]
    classes = [Term("uri", c) for _, c in ours]
    annotate(classes)
    result = {
        "graphs": graphs,
        "total": stats.triples,
        "classes": [(term, n) for term, (n, _) in zip(classes, ours, strict=True)],
    }
    state["coverage"] = result
    return result


@bp.route("/")
def index() -> Response:
    examples: list[Example] = _pages_state().get("examples", [])
    query = request.args.get("query") or (examples[0].query if examples else _DEFAULT_QUERY)
    html = render_template(
        "home.html",
        coverage=coverage(),
        examples=examples,
        query=query,
    )
    return Response(html, content_type="text/html; charset=utf-8")


@bp.errorhandler(SubdipError)
def subdip_error(err: SubdipError) -> tuple[str, int]:
    status = int(getattr(err, "status", 500))
    if status >= 500:
        log.error("home page failed: %s", err)
    return render_template("error.html", status=status, message=err.message, hint=err.hint), status
