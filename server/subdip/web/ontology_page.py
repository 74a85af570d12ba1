"""The ontology documentation inside the site: pyLODE's body, the site's header and style.

pyLODE writes a whole page with its own stylesheet and a fixed table of contents that covers
half of a phone's screen. We keep what it documents (one block per term) and replace the rest:
the page wears the site's template, the index is rebuilt alphabetically from pyLODE's own table
of contents (so it lists exactly the terms documented, whatever modules the ontology has), and
every class gets a link to the page listing its instances.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from urllib.parse import quote

from markupsafe import Markup

_CONTENT_START = re.compile(r'<div id="content"')
_TOC_START = re.compile(r'<div id="toc"')
_PYLODE_BADGE = re.compile(r'<div id="pylode">.*?</div>', re.DOTALL)
_JSONLD = re.compile(
    r'(<script id="schema\.org" type="application/ld\+json">.*?</script>)', re.DOTALL
)
_TOC_SECTION = re.compile(
    r'<h4>\s*<a href="#(?P<id>[^"]+)">(?P<title>[^<]+)</a>\s*</h4>\s*'
    r'(?:<ul class="second">(?P<items>.*?)</ul>)?',
    re.DOTALL,
)
_TOC_ITEM = re.compile(r'<a href="#(?P<anchor>[^"]+)">(?P<label>.*?)</a>', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_ENTITY = re.compile(
    r'(<div class="[a-z ]*entity" id="(?P<anchor>[^"]+)">\s*<h3>.*?</h3>)'
    r"(?P<rest>.*?<th>IRI</th>\s*<td>\s*<code>(?P<iri>[^<]+)</code>)",
    re.DOTALL,
)


@dataclass
class IndexSection:
    ident: str
    title: str
    entries: list[tuple[str, Markup, str]] = field(default_factory=list)  # anchor, label, sort key


@dataclass
class OntologyDoc:
    content: Markup
    index: list[IndexSection]
    jsonld: Markup


def plain(fragment: str) -> str:
    """The text of an HTML fragment, for sorting."""
    return html.unescape(_TAG.sub("", fragment)).strip()


def split_pylode(page: str, class_page: str) -> OntologyDoc:
    """The documented terms, an alphabetical index and the JSON-LD of a pyLODE page.

    ``class_page`` is the URL of the class pages (``/class``); each class block gets a link
    to its instances there.
    """
    start = _CONTENT_START.search(page)
    toc = _TOC_START.search(page)
    if start is None or toc is None or toc.start() < start.start():
        raise ValueError("the pyLODE page has no content or table of contents where expected")
    content = _PYLODE_BADGE.sub("", page[start.start() : toc.start()])
    index: list[IndexSection] = []
    for section in _TOC_SECTION.finditer(page[toc.start() :]):
        items = section.group("items") or ""
        entries = [
            (
                m.group("anchor"),
                Markup(m.group("label").strip()),
                plain(m.group("label")).casefold(),
            )
            for m in _TOC_ITEM.finditer(items)
        ]
        if entries:
            entries.sort(key=lambda e: e[2])
            index.append(IndexSection(section.group("id"), section.group("title").strip(), entries))
    content = _link_classes(content, class_page)
    found = _JSONLD.search(page)
    return OntologyDoc(Markup(content), index, Markup(found.group(1) if found else ""))


def _link_classes(content: str, class_page: str) -> str:
    """Add "instances" links to the blocks of the classes section."""
    match = re.search(r'<div class="section" id="classes">', content)
    if match is None:
        return content
    end = re.search(r'<div class="section" id="(?!classes)', content[match.end() :])
    stop = match.end() + end.start() if end else len(content)
    section = content[match.start() : stop]

    def add_link(m: re.Match[str]) -> str:
        href = f"{class_page}?iri={quote(html.unescape(m.group('iri')), safe='')}"
        link = f'<p class="instances-link"><a href="{href}">instances of this class →</a></p>'
        return m.group(1) + link + m.group("rest")

    return content[: match.start()] + _ENTITY.sub(add_link, section) + content[stop:]
