"""The response cache keys a query by its normal form (layout and comments aside). Keying two
texts alike is only right if the engine reads them alike: every query of the W3C suites and a
layout-shuffled copy of it must have the same normal form, and the engine must answer the
original and the normal form the same (the same rows, or both a syntax error)."""

from __future__ import annotations

import random
import re

import pytest
import w3c

from subdip.backends.embedded import EmbeddedBackend
from subdip.errors import QueryRejected, QueryTooLarge, SubdipError
from subdip.sparql.formats import FormatChoice
from subdip.sparql.guard import _LEXEME, check_query, decode_codepoint_escapes, lex

QUERIES = sorted(w3c.SUITE.rglob("*.rq"))
_BLANK = re.compile(r"_:[A-Za-z0-9_.-]+")


def _answer(backend: EmbeddedBackend, text: str) -> tuple[str, ...] | str:
    """The answer as sorted TSV or N-Triples lines (blank node labels erased), or the kind of
    error. Through the backend's query processes, as the service runs it: the engine aborts
    on some sorts (tests/web/unorderable.py), which must not take the test run with it."""
    try:
        outcome = backend.query(text, timeout=20, formats=FormatChoice(solutions="tsv"))
    except SubdipError as err:
        return f"error {type(err).__name__}"
    lines = _BLANK.sub("_:b", outcome.body.decode("utf-8")).splitlines()
    return tuple(sorted(lines))


def _relaid(normal: str, seed: int) -> str:
    """The normal form with each space between tokens replaced by other layout or a comment
    (a space inside a literal or an IRI is part of its token and stays)."""
    rnd = random.Random(seed)
    layouts = ("  ", "\n", "\t \r\n", " # a comment\n", " #another\r")
    out, position = [], 0
    for m in _LEXEME.finditer(normal):
        start = m.start(m.lastgroup)  # type: ignore[arg-type]
        if m.lastgroup == "pword":
            start -= 1
        if start != m.start():
            out.append(normal[position : m.start()] + rnd.choice(layouts))
            position = start
    out.append(normal[position:])
    return "# leading\n" + "".join(out) + "\n# trailing"


def test_the_suite_is_there() -> None:
    assert len(QUERIES) > 400


@pytest.mark.parametrize("seed", [1, 2])
def test_layout_and_comments_do_not_change_the_normal_form(seed: int) -> None:
    checked = 0
    for path in QUERIES:
        try:
            text = decode_codepoint_escapes(path.read_text(encoding="utf-8"))
        except (QueryRejected, UnicodeDecodeError):
            continue
        normal = lex(text, 10_000)[1]
        assert lex(normal, 10_000)[1] == normal, path  # normalising twice changes nothing
        assert lex(_relaid(normal, seed), 10_000)[1] == normal, path
        checked += 1
    assert checked > 400


def test_the_engine_answers_the_normal_form_as_the_original(w3c_backend: EmbeddedBackend) -> None:
    """Queries the guard accepts only: the others never reach the engine (nor the cache), and
    some would abort this process (the engine's stack overflows on them)."""
    compared = 0
    for path in QUERIES:
        try:
            text = path.read_text(encoding="utf-8")
            check_query(text)
            text = decode_codepoint_escapes(text)
        except (QueryRejected, QueryTooLarge, UnicodeDecodeError):
            continue
        normal = lex(text, 10_000)[1]
        if normal == text:
            continue
        assert _answer(w3c_backend, normal) == _answer(w3c_backend, text), path
        compared += 1
    assert compared > 300


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ('ASK { ?s ?p "a  b" }', 'ASK { ?s ?p "a b" }'),  # inside a literal
        ("ASK { ?s ?p 'x'@en }", "ASK { ?s ?p 'x'@fr }"),  # the language tag
        ("ASK { ?s ?p <urn:a#b> }", "ASK { ?s ?p <urn:a> }"),  # '#' inside an IRI
        ("ASK { ?s ?p 1 }", "ASK { ?s ?p 1.0 }"),
        ("ASK {}\u00a0", "ASK {} "),  # white space the grammar refuses stays as it is
        ("\u00a0ASK {}", " ASK {}"),
        ("ASK {\u00a0}", "ASK { }"),
        ("SELECT * { ?s ?p ?o } # x\rLIMIT 1", "SELECT * { ?s ?p ?o }"),  # CR ends a comment
    ],
)
def test_what_changes_the_meaning_changes_the_normal_form(a: str, b: str) -> None:
    assert lex(a, 64)[1] != lex(b, 64)[1]
