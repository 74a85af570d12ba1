"""data/README.md's comment review stays in step with the data: every resource that carries an
rdfs:comment has one row, no row names an uncommented resource, and every triple pattern a row
gives as carrying the comment's facts matches the asserted data (issue 12: no fact only in a
comment)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import RDFS, URIRef
from rdflib.plugins.sparql import prepareQuery

from subdip.loading import LoadedGraph
from subdip.namespaces import ID

README = Path(__file__).resolve().parents[2] / "data" / "README.md"
_ROW = re.compile(r"^\| `([^`]+)` \| (facts|note) \| (.*?) \| (.*?) \|$", re.MULTILINE)
_UNDER_ID = {
    "id": "", "pub": "pub/", "ev": "event/", "pol": "policy/", "agr": "agreement/",
    "claim": "claim/", "su": "strategy-use/", "eng": "engagement/", "tc": "territorial-claim/",
    "guidance": "guidance/", "req": "requirement/", "post": "post/", "tenure": "tenure/",
    "period": "period/", "slogan": "slogan/", "scheme": "scheme/",
    "why": "concept/considerations/", "concept": "concept/analytical-concepts/",
    "mechanism": "concept/mechanisms/", "strategy": "concept/strategies/",
    "role": "concept/roles/", "issue": "concept/issues/", "sector": "concept/sectors/",
    "channel": "concept/channels/", "basis": "concept/bases/",
}  # fmt: skip
_VOCABULARIES = {
    "subdip": "https://w3id.org/subdip/ontology#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "time": "http://www.w3.org/2006/time#",
}
NAMESPACES = {prefix: str(ID) + path for prefix, path in _UNDER_ID.items()} | _VOCABULARIES
PROLOGUE = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in NAMESPACES.items())


def rows() -> list[tuple[str, str, list[str], str]]:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Comment review")
    found = []
    for name, kind, carried, remark in _ROW.findall(text[start:]):
        patterns = re.findall(r"`([^`]+)`", carried)
        found.append((name, kind, patterns, remark))
    return found


def expand(name: str) -> URIRef:
    prefix, _, local = name.partition(":")
    return URIRef(NAMESPACES[prefix] + local)


ROWS = rows()


def test_the_table_was_read() -> None:
    assert len(ROWS) > 100, "data/README.md has no comment review table under '## Comment review'"


def test_every_commented_resource_has_exactly_one_row(asserted: LoadedGraph) -> None:
    commented = {
        s for s in asserted.graph.subjects(RDFS.comment, None) if str(s).startswith(str(ID))
    }
    listed = [expand(name) for name, *_ in ROWS]
    assert len(listed) == len(set(listed)), "a resource has two rows"
    assert sorted(commented - set(listed)) == [], "commented resources missing from the table"
    assert sorted(set(listed) - commented) == [], "rows for resources without a comment"


@pytest.mark.parametrize(("name", "kind", "patterns", "remark"), ROWS, ids=[r[0] for r in ROWS])
def test_the_triples_carrying_a_comment_are_in_the_data(
    name: str, kind: str, patterns: list[str], remark: str, asserted: LoadedGraph
) -> None:
    if kind == "facts":
        assert patterns, f"{name}: a 'facts' row lists the triples that carry the facts"
    else:
        assert remark, f"{name}: a 'note' row says what the comment is about"
    for pattern in patterns:
        query = prepareQuery(PROLOGUE + f"ASK {{ {pattern} }}")
        assert asserted.graph.query(query).askAnswer, f"{name}: no match for `{pattern}`"
