"""Ways into the graph besides SPARQL: search by name, the instances of a class, a timeline.

- ``/search?q=`` ranks resources whose labels, alternative labels or pinyin match the words
  (English, Chinese characters, pinyin with or without tone marks); ``?format=json`` for scripts.
- ``/class?iri=`` (or ``/class/subdip:Province``) lists a class's instances, asserted and
  inferred, with its place in the hierarchy.
- ``/timeline`` shows the dated agreements, events, policies and periods, each date with the
  source it rests on; where sources give different dates for the same thing, all are shown.

Everything is read through the backend with the pages' own queries; the search index (the
labels, a few per resource) is read once per process and kept.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import quote

from flask import Blueprint, Response, current_app, render_template, request

from subdip.errors import SubdipError
from subdip.namespaces import GRAPH_ASSERTED, GRAPH_INFERRED, PREFIXES, SUBDIP
from subdip.web import rendering
from subdip.web.rendering import ResourceNotFound, Term
from subdip.web.resources import annotate, select

log = logging.getLogger(__name__)

bp = Blueprint("explore", __name__, template_folder="templates")
bp.context_processor(rendering.template_globals)

EXTENSION = "subdip_pages"
SKOS = PREFIXES["skos"]
RDFS = PREFIXES["rdfs"]
#: Properties searched, with the weight of a match on each (names first, then other names).
SEARCHED: dict[str, int] = {
    f"{SKOS}prefLabel": 4,
    f"{RDFS}label": 4,
    "http://xmlns.com/foaf/0.1/name": 4,
    "http://purl.org/dc/terms/title": 3,
    f"{SKOS}altLabel": 2,
    f"{SUBDIP}pinyin": 2,
}
MAX_RESULTS = 50
CLASS_PAGE_SIZE = 200


class BadRequest(SubdipError):
    status = 400


# -- search ----------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case without tone marks or accents, spaces and hyphens squeezed.

    ``"Hǎinán Shěng"`` and ``"hainan-sheng"`` both fold to ``"hainan sheng"``; Chinese
    characters are kept as they are.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\s\-_'’·]+", " ", plain.lower()).strip()


@dataclass
class Entry:
    iri: str
    text: str
    folded: str
    language: str | None
    weight: int


@dataclass
class Hit:
    term: Term
    score: int
    matched: str
    matched_language: str | None
    types: list[Term] = field(default_factory=list)


_INDEX_LOCK = threading.Lock()


def search_index() -> list[Entry]:
    """Every searched label of the dataset (read once per process and app)."""
    state = current_app.extensions.setdefault(EXTENSION, {})
    cached = state.get("search_index")
    if cached is not None:
        return cached
    with _INDEX_LOCK:
        cached = state.get("search_index")
        if cached is not None:
            return cached
        properties = ", ".join(f"<{p}>" for p in SEARCHED)
        rows = select(
            "SELECT DISTINCT ?r ?p ?l WHERE { ?r ?p ?l . "
            f"FILTER(isIRI(?r) && isLiteral(?l) && ?p IN ({properties})) }}"
        )
        entries = [
            Entry(
                row["r"].value,
                row["l"].value,
                fold(row["l"].value),
                row["l"].language,
                SEARCHED[row["p"].value],
            )
            for row in rows
        ]
        state["search_index"] = entries
        return entries


def score(entry: Entry, words: list[str], phrase: str) -> int:
    """How well one label matches (0: not at all).

    By kind of match: the whole label, its start, the start of each word, anywhere; within a
    kind, the larger the share of the label the query covers, the better ("海南" ranks
    "海南省" above "海南推动北京开放…"); then by the weight of the property (names before
    other names).
    """
    folded = entry.folded
    squeezed = phrase.replace(" ", "")
    if folded == phrase:
        base = 100
    elif folded.startswith(phrase):
        base = 60
    elif all(re.search(r"(^|\s)" + re.escape(w), folded) for w in words):
        base = 40
    elif all(w in folded for w in words):
        base = 20
    elif squeezed and squeezed in folded.replace(" ", ""):
        base = 15  # "hainansheng" for "Hǎinán Shěng"
    else:
        return 0
    coverage = min(1.0, len(phrase) / max(1, len(folded)))
    return int((base + 30 * coverage) * entry.weight * 10)


def search(text: str, limit: int = MAX_RESULTS) -> list[Hit]:
    """Resources ranked by their best-matching label; ties by label."""
    phrase = fold(text)
    if not phrase:
        return []
    words = phrase.split()
    best: dict[str, tuple[int, Entry]] = {}
    for entry in search_index():
        value = score(entry, words, phrase)
        if value and (entry.iri not in best or value > best[entry.iri][0]):
            best[entry.iri] = (value, entry)
    ours = rendering.iri_base()
    ranked = sorted(
        best.items(),
        key=lambda item: (-item[1][0], not item[0].startswith(ours), item[1][1].folded),
    )[:limit]
    hits = [Hit(Term("uri", iri), s, e.text, e.language) for iri, (s, e) in ranked]
    types = _types([h.term.value for h in hits])
    for hit in hits:
        hit.types = types.get(hit.term.value, [])
    annotate([h.term for h in hits] + [t for h in hits for t in h.types])
    return hits


def _types(iris: list[str]) -> dict[str, list[Term]]:
    """The asserted types of ``iris`` (one query)."""
    wanted = [i for i in iris if rendering_ok(i)]
    if not wanted:
        return {}
    values = " ".join(f"<{i}>" for i in wanted)
    rows = select(
        f"SELECT DISTINCT ?r ?t WHERE {{ VALUES ?r {{ {values} }} "
        f"GRAPH <{GRAPH_ASSERTED}> {{ ?r a ?t }} }}"
    )
    found: dict[str, list[Term]] = defaultdict(list)
    for row in rows:
        found[row["r"].value].append(Term("uri", row["t"].value))
    return found


def rendering_ok(iri: str) -> bool:
    return bool(iri) and not any(c in iri for c in '<>"{}|^`\\ \n\r\t')


@bp.route("/search")
def search_page() -> Response:
    text = (request.args.get("q") or "").strip()
    if len(text) > 200:
        raise BadRequest("the search text is longer than 200 characters", hint="search for a name")
    hits = search(text) if text else []
    if (request.args.get("format") or "").lower() == "json":
        body = json.dumps(
            {
                "query": text,
                "results": [
                    {
                        "iri": h.term.value,
                        "label": h.term.label_en,
                        "label_zh": h.term.label_zh,
                        "matched": h.matched,
                        "matched_language": h.matched_language,
                        "score": h.score,
                        "types": [t.value for t in h.types],
                    }
                    for h in hits
                ],
            },
            ensure_ascii=False,
        )
        return Response(body, content_type="application/json")
    html = render_template("search.html", text=text, hits=hits, search_query=text)
    return Response(html, content_type="text/html; charset=utf-8")


# -- class pages ------------------------------------------------------------------------------


def expand(name: str) -> str:
    """A full IRI from ``prefix:local`` (the project's prefixes) or ``<iri>`` or an IRI."""
    name = name.strip()
    if name.startswith("<") and name.endswith(">"):
        name = name[1:-1]
    prefix, colon, local = name.partition(":")
    if colon and prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    if colon and (local.startswith("//") or prefix in ("urn", "http", "https")):
        return name
    known = ", ".join(sorted(PREFIXES))
    raise BadRequest(
        f"{name!r} is neither an IRI nor a prefixed name with a known prefix",
        hint=f"write subdip:Province or a full IRI; known prefixes: {known}",
    )


@dataclass
class Instance:
    term: Term
    inferred: bool


@bp.route("/class")
@bp.route("/class/<path:name>")
def class_page(name: str | None = None) -> Response:
    """The instances of a class, asserted first, then inferred; paged by ``?page=``."""
    raw = name or request.args.get("iri") or ""
    if not raw:
        raise BadRequest("which class?", hint="give ?iri=<class IRI> or /class/subdip:Province")
    iri = expand(raw)
    if not rendering_ok(iri):
        raise BadRequest(f"{iri!r} is not an IRI", hint="check the address")
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError as err:
        raise BadRequest("page must be a number", hint="?page=2") from err
    count_rows = select(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a <{iri}> }}")
    total = int(count_rows[0]["n"].value) if count_rows else 0
    hierarchy = select(
        "SELECT DISTINCT ?rel ?c WHERE { "
        f"{{ <{iri}> <{RDFS}subClassOf> ?c . BIND('super' AS ?rel) }} UNION "
        f"{{ ?c <{RDFS}subClassOf> <{iri}> . BIND('sub' AS ?rel) }} "
        f"FILTER(isIRI(?c) && ?c != <{iri}>) }} LIMIT 500"
    )
    if total == 0 and not hierarchy:
        raise ResourceNotFound(
            f"no class <{iri}> with instances in this dataset",
            hint="check the name; the ontology page lists every class",
        )
    offset = (page - 1) * CLASS_PAGE_SIZE
    rows = select(
        "SELECT ?x (MAX(?asserted) AS ?a) WHERE { "
        f"{{ GRAPH <{GRAPH_ASSERTED}> {{ ?x a <{iri}> }} BIND(1 AS ?asserted) }} UNION "
        f"{{ GRAPH <{GRAPH_INFERRED}> {{ ?x a <{iri}> }} BIND(0 AS ?asserted) }} UNION "
        f"{{ ?x a <{iri}> BIND(0 AS ?asserted) }} "
        f"}} GROUP BY ?x ORDER BY DESC(?a) ?x LIMIT {CLASS_PAGE_SIZE} OFFSET {offset}"
    )
    instances = [Instance(row["x"], inferred=row["a"].value.startswith("0")) for row in rows]
    subject = Term("uri", iri)
    supers = [Term("uri", r["c"].value) for r in hierarchy if r["rel"].value == "super"]
    subs = [Term("uri", r["c"].value) for r in hierarchy if r["rel"].value == "sub"]
    annotate([subject, *supers, *subs, *(i.term for i in instances)])
    instances.sort(key=lambda i: (i.inferred, i.term.display.lower()))
    definition = select(
        f"SELECT ?d WHERE {{ <{iri}> <{SKOS}definition>|<{RDFS}comment> ?d . "
        "FILTER(langMatches(lang(?d), 'en') || lang(?d) = '') } LIMIT 1"
    )
    html = render_template(
        "class.html",
        subject=subject,
        iri=iri,
        definition=definition[0]["d"].value if definition else None,
        doc_href=rendering.local_link(iri, request) or iri,
        total=total,
        instances=instances,
        supers=supers,
        subs=subs,
        page=page,
        pages=max(1, -(-total // CLASS_PAGE_SIZE)),
        quoted=quote(iri, safe=""),
    )
    return Response(html, content_type="text/html; charset=utf-8")


# -- timeline ---------------------------------------------------------------------------------

_TIME = PREFIXES["time"]
#: Where an OWL-Time instant keeps its position: the project's pattern (``dcterms:date``, an
#: ISO 8601 string at the source's precision; ontology/README.md) and OWL-Time's own.
_DATE_PATH = "|".join(
    [
        "<http://purl.org/dc/terms/date>",
        *(f"<{_TIME}{p}>" for p in ("inXSDDate", "inXSDgYear", "inXSDgYearMonth", "inXSDDateTime")),
    ]
)
#: A date as the data writes it: a year, a month or a day (anything else is not drawn).
_ISO_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?")


@dataclass
class Dated:
    """One dated thing: when (start, optional end), what it is, and the source of the date."""

    item: Term
    kind: Term | None
    start: str
    end: str | None
    sources: list[Term] = field(default_factory=list)
    about: Term | None = None
    disputed: bool = False
    label: str = ""
    #: other accounts of the same thing with another date (each with its own sources)
    others: list[Dated] = field(default_factory=list)


def _iso(value: str) -> str:
    """A sortable ISO date from an xsd:date, gYearMonth or gYear lexical form."""
    return value[:10]


def dated_items() -> list[Dated]:
    """Things with a date (``dcterms:date``) or a period (OWL-Time), publications excluded."""
    rows = select(
        "PREFIX dcterms: <http://purl.org/dc/terms/>\n"
        f"PREFIX subdip: <{SUBDIP}>\n"
        "SELECT ?item ?kind ?start ?end ?source ?about WHERE {\n"
        "  { ?item dcterms:date|subdip:launchedIn ?start }\n"
        "  UNION { ?item subdip:period ?p .\n"
        f"    OPTIONAL {{ ?p <{_TIME}hasBeginning>/({_DATE_PATH}) ?b }}\n"
        f"    OPTIONAL {{ ?p <{_TIME}inside>/({_DATE_PATH}) ?i }}\n"
        f"    OPTIONAL {{ ?p <{_TIME}hasEnd>/({_DATE_PATH}) ?end }}\n"
        "    BIND(COALESCE(?b, ?i, ?end) AS ?start) FILTER(BOUND(?start)) }\n"
        "  FILTER(isIRI(?item))\n"
        "  FILTER NOT EXISTS { ?item a subdip:Publication }\n"
        f"  OPTIONAL {{ GRAPH <{GRAPH_ASSERTED}> {{ ?item a ?kind }} }}\n"
        "  OPTIONAL { ?item dcterms:source ?source }\n"
        "  OPTIONAL { ?item subdip:concernsAgreement|subdip:concerns ?about }\n"
        "} LIMIT 5000"
    )
    items: dict[tuple[str, str, str | None], Dated] = {}
    for row in rows:
        if not _ISO_DATE.match(row["start"].value):
            continue  # a date the data spells otherwise ("the 1990s" is only a label)
        start = _iso(row["start"].value)
        end = _iso(row["end"].value) if "end" in row and _ISO_DATE.match(row["end"].value) else None
        key = (row["item"].value, start, end)
        dated = items.get(key)
        if dated is None:
            dated = items[key] = Dated(
                row["item"], row.get("kind"), start, end, about=row.get("about")
            )
        source = row.get("source")
        if source is not None and source.value not in {s.value for s in dated.sources}:
            dated.sources.append(source)
    result = sorted(items.values(), key=lambda d: (d.start, d.item.value))
    # accounts of the same thing that the data links (rdfs:seeAlso) and that differ on the date
    by_item: dict[str, list[Dated]] = defaultdict(list)
    for dated in result:
        by_item[dated.item.value].append(dated)
    if by_item:
        values = " ".join(f"<{i}>" for i in by_item if rendering_ok(i))
        links = select(
            f"SELECT DISTINCT ?a ?b WHERE {{ VALUES ?a {{ {values} }} VALUES ?b {{ {values} }} "
            f"{{ ?a <{RDFS}seeAlso> ?b }} UNION {{ ?b <{RDFS}seeAlso> ?a }} FILTER(?a != ?b) }}"
        )
        for row in links:
            for dated in by_item[row["a"].value]:
                for other in by_item[row["b"].value]:
                    if other.start != dated.start and other not in dated.others:
                        dated.others.append(other)
                        dated.disputed = True
    terms: list[Term] = []
    for dated in result:
        terms.extend([dated.item, *dated.sources])
        if dated.kind is not None:
            terms.append(dated.kind)
        if dated.about is not None:
            terms.append(dated.about)
    annotate(terms)
    for dated in result:
        dated.label = dated.item.display
    return result


@bp.route("/timeline")
def timeline() -> Response:
    items = dated_items()
    data = [
        {
            "id": i,
            "content": d.label,
            "start": d.start,
            "end": d.end if d.end and d.end != d.start else None,
            "group": d.kind.display if d.kind is not None else "other",
            "href": d.item.href,
            "sources": [s.display for s in d.sources],
            "disputed": d.disputed,
            "others": [
                {"date": o.start, "sources": [s.display for s in o.sources]} for o in d.others
            ],
        }
        for i, d in enumerate(items)
    ]
    html = render_template("timeline.html", items=items, data=data)
    return Response(html, content_type="text/html; charset=utf-8")


@bp.errorhandler(SubdipError)
def subdip_error(err: SubdipError) -> tuple[str, int]:
    status = int(getattr(err, "status", 500))
    if status >= 500:
        log.error("explore page failed: %s", err)
    return render_template("error.html", status=status, message=err.message, hint=err.hint), status
