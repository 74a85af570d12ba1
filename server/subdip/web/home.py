"""The home page: what the graph covers, and a SPARQL editor with a catalogue of queries.

The catalogue is the competency questions (``queries/cq/*.rq``) and the page's own examples
(``queries/examples/*.rq``), read once when the blueprint is registered. The editor is YASGUI
(vendored under ``static/vendor/``, refreshed by ``scripts/vendor-assets``; no CDN, so the page
works offline), configured by ``static/query.js`` from a JSON block the page carries: the
endpoint, the known prefixes, the catalogue and the ontology's terms for completion.
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
from subdip.namespaces import (
    GRAPH_ASSERTED,
    GRAPH_INFERRED,
    GRAPH_LINKS,
    GRAPH_ONTOLOGY,
    PREFIXES,
    SUBDIP,
)
from subdip.web import rendering
from subdip.web.rendering import Term
from subdip.web.resources import annotate, select

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

_NOT_TITLE = re.compile(r"^(expected|sources?|answers?)\b\s*[:(\-]", re.IGNORECASE)
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
    #: the rest of the leading comment (sources, notes), for the button's tooltip
    note: str = ""


def _leading_comment(text: str) -> list[str]:
    """The text of the ``#`` lines before the query starts (blank lines skipped)."""
    lines = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if not line.lstrip().startswith("#"):
            break
        text = line.lstrip().lstrip("#").strip()
        lines.append(re.sub(r"^title\s*:\s*", "", text, flags=re.IGNORECASE))
    return lines


def split_title(lines: list[str], group: str) -> tuple[str, str]:
    """The title and the note of a query's leading comment.

    A competency question's title runs over comment lines until its question mark (CQ 4's
    and CQ 5's questions take two lines); an example's title is its first line. Lines that
    start with "Expected:", "Sources:" or "Answer:" are never part of a title.
    """
    lines = [line for line in lines if line]
    title_lines: list[str] = []
    rest = list(lines)
    while rest:
        line = rest[0]
        if _NOT_TITLE.match(line):
            if title_lines:
                break
            rest.pop(0)
            continue
        title_lines.append(rest.pop(0))
        joined = " ".join(title_lines)
        if group != "cq" or not _TAG.match(joined) or joined.rstrip().endswith("?"):
            break
    return " ".join(title_lines), " ".join(rest)


def read_examples(folder: Path, group: str) -> list[Example]:
    """The ``.rq`` files of ``folder``, sorted by name; the title from the leading comment."""
    if not folder.is_dir():
        return []
    examples = []
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        title, note = split_title(_leading_comment(text), group)
        title = title or path.stem
        tagged = _TAG.match(title)
        if tagged:
            tag, title = tagged.group("tag"), tagged.group("rest")
        else:
            tag = "CQ" if group == "cq" else "Example"
        examples.append(Example(path.stem, title, text, group, tag, note))
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


def known_prefixes() -> dict[str, str]:
    """The prefixes a query at ``/sparql`` may use without declaring them (shown on the page)."""
    return dict(PREFIXES)


def vocabulary() -> dict[str, list[str]]:
    """The ontology's classes and properties (for the editor's completion), read once."""
    state = _pages_state()
    cached = state.get("vocabulary")
    if cached is not None:
        return cached

    rows = select(
        "SELECT DISTINCT ?term ?kind WHERE { GRAPH <" + str(GRAPH_ONTOLOGY) + "> {"
        " ?term a ?kind . FILTER(isIRI(?term) && ?kind IN ("
        "<http://www.w3.org/2002/07/owl#Class>, <http://www.w3.org/2002/07/owl#ObjectProperty>,"
        " <http://www.w3.org/2002/07/owl#DatatypeProperty>,"
        " <http://www.w3.org/2002/07/owl#AnnotationProperty>)) } } ORDER BY ?term LIMIT 5000"
    )
    result: dict[str, list[str]] = {"classes": [], "properties": []}
    for row in rows:
        slot = "classes" if row["kind"].value.endswith("#Class") else "properties"
        if row["term"].value not in result[slot]:
            result[slot].append(row["term"].value)
    state["vocabulary"] = result
    return result


@bp.route("/")
def index() -> Response:
    examples: list[Example] = _pages_state().get("examples", [])
    shared = request.args.get("query")
    query = shared or (examples[0].query if examples else _DEFAULT_QUERY)
    base = rendering.server_base(request)
    editor = {
        "endpoint": f"{base}/sparql",
        "query": query,
        "run": bool(shared),
        "prefixes": known_prefixes(),
        "catalogue": [
            {"id": f"{e.group}-{e.ident}", "tag": e.tag, "title": e.title, "query": e.query}
            for e in examples
        ],
        **vocabulary(),
    }
    html = render_template(
        "home.html",
        coverage=coverage(),
        examples=examples,
        query=query,
        prefixes=known_prefixes(),
        editor=editor,
    )
    return Response(html, content_type="text/html; charset=utf-8")


@bp.errorhandler(SubdipError)
def subdip_error(err: SubdipError) -> tuple[str, int]:
    status = int(getattr(err, "status", 500))
    if status >= 500:
        log.error("home page failed: %s", err)
    return render_template("error.html", status=status, message=err.message, hint=err.hint), status
