"""HTML documentation of the ontology, generated with pyLODE 3.3.4 and cached by content hash.

pyLODE prints all of an element's labels one after the other, so "actor"@en and "行为体"@zh
would show as "actor行为体". We feed it a copy of the ontology in which each pair of English
and Chinese labels (and titles) is joined into one "actor · 行为体", then mark the Chinese
runs of the generated page with ``lang="zh"`` so browsers pick a CJK font and screen readers
the right voice. pyLODE 3.4.1 fails at run time (it looks for a file its wheel lacks): pin 3.3.4.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from subdip.errors import BuildError

log = logging.getLogger(__name__)


class DocsUnavailable(BuildError):
    """pyLODE is not installed (the ``docs`` extra): the RDF formats still work (HTTP 501)."""

    status = 501


#: Properties whose English and Chinese values are joined for pyLODE.
JOINED_PROPERTIES: tuple[URIRef, ...] = (RDFS.label, SKOS.prefLabel, DCTERMS.title)
SEPARATOR = " · "
#: Bumped when the post-processing changes, so cached pages are regenerated.
GENERATOR_VERSION = "3"

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+")
_RAW_BLOCK = re.compile(r"(<(script|style|title)\b.*?</\2>)", re.DOTALL | re.IGNORECASE)
_TEXT = re.compile(r">([^<]+)<")


def _is_zh(literal: Literal) -> bool:
    tag = (literal.language or "").lower()
    return (tag == "zh" or tag.startswith("zh-")) and "latn" not in tag


def _is_en(literal: Literal) -> bool:
    tag = (literal.language or "").lower()
    return tag in ("", "en") or tag.startswith("en-")


def join_bilingual_labels(ontology: Graph) -> Graph:
    """A copy of ``ontology`` where each English + Chinese label pair is one literal.

    Elements with only one language keep their labels as they are. The input is not changed.
    """
    copy = Graph()
    for prefix, namespace in ontology.namespaces():
        copy.bind(prefix, namespace, override=True)
    for triple in ontology:
        copy.add(triple)
    for prop in JOINED_PROPERTIES:
        for subject in set(ontology.subjects(prop, None)):
            literals = [o for o in ontology.objects(subject, prop) if isinstance(o, Literal)]
            english = sorted(str(o) for o in literals if _is_en(o))
            chinese = sorted(str(o) for o in literals if _is_zh(o))
            if not english or not chinese:
                continue
            for literal in literals:
                if _is_en(literal) or _is_zh(literal):
                    copy.remove((subject, prop, literal))
            joined = SEPARATOR.join([english[0], chinese[0]])
            copy.add((subject, prop, Literal(joined, lang="en")))
    return copy


def mark_chinese(html: str) -> str:
    """Wrap runs of CJK characters in text nodes in ``<span lang="zh">`` (not in scripts)."""

    def in_text(match: re.Match[str]) -> str:
        text = _CJK.sub(lambda m: f'<span lang="zh">{m.group(0)}</span>', match.group(1))
        return f">{text}<"

    parts = _RAW_BLOCK.split(html)
    out: list[str] = []
    index = 0
    while index < len(parts):
        part = parts[index]
        if _RAW_BLOCK.fullmatch(part):
            out.append(part)
            index += 2  # skip the captured tag name group
            continue
        out.append(_TEXT.sub(in_text, part))
        index += 1
    return "".join(out)


def add_site_header(html: str, links: dict[str, str]) -> str:
    """Put a small bar of links (home, formats) at the top of pyLODE's page."""
    if not links:
        return html
    items = " · ".join(f'<a href="{href}">{text}</a>' for text, href in links.items())
    bar = (
        '<nav aria-label="subdip" style="font-family:sans-serif;font-size:0.9rem;'
        'padding:0.2rem 0 0.6rem">'
        f"{items}</nav>"
    )
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + bar, html, count=1)


@contextmanager
def fragment_ids() -> Iterator[None]:
    """Make pyLODE use a hash IRI's own fragment as the HTML id of its term.

    pyLODE 3.3.4 derives ids from labels ("internationalevent" for "international event"), so
    ``/ontology#InternationalEvent`` would land nowhere; the ontology's hash IRIs need the
    local name as id. pyLODE looks the function up in its module on each call, so we swap it
    for the duration of one generation.
    """
    import pylode.utils

    original = pylode.utils.generate_fid

    def by_fragment(title: Any, iri: Any, fids: dict) -> Any:
        key = str(iri) if iri is not None else None
        if key is not None and key not in fids and "#" in key:
            fragment = key.rsplit("#", 1)[1]
            if fragment and fragment not in fids.values():
                fids[key] = fragment
                return fragment
        return original(title, iri, fids)

    pylode.utils.generate_fid = by_fragment
    try:
        yield
    finally:
        pylode.utils.generate_fid = original


def _files(paths_: Path | Sequence[Path]) -> list[Path]:
    return [paths_] if isinstance(paths_, Path) else list(paths_)


def documented_graph(paths_: Path | Sequence[Path]) -> Graph:
    """The modules merged into one graph with one ontology header (pyLODE documents one
    ontology): the last file's (the entry point's); the modules' headers are dropped."""
    files = _files(paths_)
    graph = Graph()
    for path in files:
        graph.parse(path, format="turtle")
    entry = Graph().parse(files[-1], format="turtle")
    keep = set(entry.subjects(RDF.type, OWL.Ontology))
    for header in set(graph.subjects(RDF.type, OWL.Ontology)) - keep:
        graph.remove((header, None, None))
    for header in keep:
        graph.remove((header, OWL.imports, None))
    return graph


def ontology_hash(paths_: Path | Sequence[Path], links: dict[str, str] | None = None) -> str:
    """Key of a generated page: the ontology files' bytes, the header links, the generator."""
    digest = hashlib.sha256()
    for path in _files(paths_):
        digest.update(path.read_bytes())
    digest.update(GENERATOR_VERSION.encode())
    digest.update(repr(sorted((links or {}).items())).encode())
    return digest.hexdigest()[:16]


def generate_html(
    ontology_path: Path | Sequence[Path],
    destination: Path,
    *,
    links: dict[str, str] | None = None,
) -> Path:
    """Write the HTML documentation of the ontology (one file, or the modules with the entry
    point last) to ``destination`` (atomically)."""
    try:
        from pylode import OntPub
    except ImportError as err:
        raise DocsUnavailable(
            "pyLODE is not installed, so the ontology documentation cannot be generated",
            hint="reinstall subdip, which requires pylode==3.3.4: pip install 'pylode==3.3.4'",
        ) from err
    prepared = join_bilingual_labels(documented_graph(ontology_path))
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=destination.parent) as work:
        source = Path(work) / "ontology.ttl"
        prepared.serialize(source, format="turtle")
        # pyLODE logs at DEBUG through the root logger; keep our logs readable
        with fragment_ids():
            html = OntPub(ontology=str(source)).make_html()
    html = add_site_header(mark_chinese(html), links or {})
    html = re.sub(r"<html>", '<html lang="en">', html, count=1)  # pyLODE sets no language
    fd, temp = tempfile.mkstemp(dir=destination.parent, suffix=".html.tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(html)
    os.replace(temp, destination)
    return destination


def cached_html(
    ontology_path: Path | Sequence[Path],
    cache_dir: Path,
    *,
    links: dict[str, str] | None = None,
) -> Path:
    """The documentation page for the ontology's current content, generated if not cached."""
    target = cache_dir / f"ontology-{ontology_hash(ontology_path, links)}.html"
    if target.is_file():
        return target
    import fcntl

    target.parent.mkdir(parents=True, exist_ok=True)
    # Server workers start at the same time: one generates, the others wait and reuse it.
    with open(target.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.is_file():
            log.info("generating the ontology documentation with pyLODE into %s", target)
            generate_html(ontology_path, target, links=links)
    return target
