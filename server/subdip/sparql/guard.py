"""Hostile-input checks that run before a query reaches the engine.

Why: some inputs cannot be survived once inside the engine. Oxigraph's parser recurses on
nesting and overflows its stack at a few thousand levels (a segmentation fault nothing can
catch), ``SERVICE`` makes it open HTTP connections, and update operations have no place on a
read-only service. These checks are pure functions over the query text, driven by a small
lexer that knows SPARQL's strings, IRIs and comments, so a ``(`` or ``SERVICE`` inside a literal
or a comment is not counted. SPARQL's ``\\uXXXX`` escapes are decoded first over the whole text,
exactly as the engine does, so ``SERVI\\u0043E`` is seen as ``SERVICE``.

Refusals raise :class:`~subdip.errors.QueryRejected` (400) or
:class:`~subdip.errors.QueryTooLarge` (413) with a message that says what and how to fix it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from subdip.errors import QueryRejected, QueryTooLarge
from subdip.namespaces import PREFIXES, QUERY_BASE_IRI

QueryForm = Literal["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"]

QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
)
REGEX_FUNCTIONS = frozenset({"REGEX", "REPLACE"})


@dataclass(frozen=True)
class GuardLimits:
    """Bounds on a query's shape; defaults are generous for real use, far below harm."""

    max_query_bytes: int = 100_000
    max_depth: int = 64
    max_literal_chars: int = 10_000
    max_iri_chars: int = 4_096
    max_order_keys: int = 32
    max_values_cells: int = 10_000
    max_regex_chars: int = 256
    max_regex_repeat: int = 1_000
    max_group_elements: int = 512
    max_operators: int = 1_024
    max_triple_patterns: int = 128


@dataclass(frozen=True)
class QueryInfo:
    """What the lexer learnt: the query form (if found) and shape measures, for logs."""

    form: QueryForm | None
    max_depth: int
    tokens: int
    keywords: frozenset[str] = field(default_factory=frozenset)
    normal: str = ""  # the text with layout and comments normalised (see :func:`lex`)


# --- lexer ----------------------------------------------------------------------------------

_UNICODE_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
TokenKind = Literal["open", "close", "string", "iri", "word", "var", "num", "punct"]


class Token(NamedTuple):
    kind: TokenKind
    text: str
    depth: int  # nesting depth before the token ("open" tokens: depth outside them)
    offset: int


_WORD = r"[A-Za-z_\u00C0-\U000EFFFF][\w\-.:%\\\u00B7\u00C0-\U000EFFFF]*"


def _string(q: str, long: bool) -> str:
    """A string literal opened by ``q`` (three times if ``long``). It ends at its closing
    quote, at the end of the text, or (a short string) before a line break, where the engine
    reports the error; a backslash always takes the next character with it."""
    if long:
        return rf"{q}{{3}}(?:[^{q}\\]+|\\[\s\S]|{q}(?!{q}{q}))*(?:{q}{{3}}|\\?\Z)"
    return rf"{q}(?:[^{q}\\\r\n]+|\\[\s\S])*(?:{q}|(?=[\r\n])|\\?\Z)"


#: One alternative per token kind, tried in this order after any white space.
_LEXEME = re.compile(
    r"\s*(?!\s)(?:"
    + "|".join(
        (
            r"(?P<comment>#[^\r\n]*)",  # SPARQL: a comment ends at CR or LF
            r"(?P<open>[({\[])",
            r"(?P<close>[)}\]])",
            f"(?P<long>{_string(chr(34), True)}|{_string(chr(39), True)})",
            f"(?P<short>{_string(chr(34), False)}|{_string(chr(39), False)})",
            r"(?P<iri><[^<>\"{}|^`\\\x00-\x20]*>)",
            r"(?P<var>[?$][\w\u00B7\u00C0-\U000EFFFF]+)",
            r"(?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)",
            r"(?P<num>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?)",
            f":(?P<pword>{_WORD})",
            f"(?P<word>{_WORD})",
            r"(?P<punct>\S)",
        )
    )
    + ")"
)


def position(text: str, offset: int) -> str:
    """``line L, column C`` (both from 1) of ``offset`` in ``text``, as the engine reports them."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


def decode_codepoint_escapes(text: str) -> str:
    """Apply SPARQL's ``\\u``/``\\U`` escapes to the whole query, as the grammar requires."""

    def repl(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise QueryRejected(
                f"invalid escape {m.group(0)} at {position(text, m.start())}: "
                "not a Unicode code point",
                hint="use a code point between U+0000 and U+10FFFF outside the surrogates",
            )
        return chr(code)

    return _UNICODE_ESCAPE.sub(repl, text) if "\\u" in text or "\\U" in text else text


def tokenize(text: str, max_depth: int) -> list[Token]:
    """Split a (codepoint-unescaped) query into the tokens the guard needs (see :func:`lex`)."""
    return lex(text, max_depth)[0]


_SPARQL_SPACE = " \t\r\n"  # the grammar's WS; other white space is an error for the engine


def lex(text: str, max_depth: int) -> tuple[list[Token], str]:
    """The tokens of a (codepoint-unescaped) query, and its normal form.

    One compiled expression finds each token (the scanning runs in the regular-expression
    engine, not character by character in Python: the guard runs on every query). Raises
    :class:`QueryRejected` as soon as nesting exceeds ``max_depth``, so a hostile input costs
    only the work up to that point.

    The normal form is the text with each run of white space and comments between tokens
    written as one space (none at either end), everything else byte for byte: queries that
    differ only in layout and comments have the same normal form, and mean the same. A run
    holding white space the grammar does not allow is kept as it is, so an invalid query
    never shares its normal form with a valid one.
    """
    tokens: list[Token] = []
    append = tokens.append
    pieces: list[str] = []
    gap = keep = False
    depth = pieces_end = scanned = 0
    for m in _LEXEME.finditer(text):
        kind = m.lastgroup
        start = m.start(kind)  # type: ignore[arg-type]
        scanned = m.end()
        lexeme_start = start - 1 if kind == "pword" else start  # ':' is outside the group
        if lexeme_start != m.start():
            gap = True
            if text[m.start() : lexeme_start].strip(_SPARQL_SPACE):
                keep = True
        if kind == "comment":
            gap = True
            continue
        if keep:
            pieces.append(text[pieces_end:lexeme_start])
        elif gap and pieces:
            pieces.append(" ")
        gap = keep = False
        pieces.append(text[lexeme_start : m.end()])
        pieces_end = m.end()
        if kind == "lang":
            continue  # language tags matter to the normal form only
        if kind == "open":
            append(Token("open", m.group(kind), depth, start))
            depth += 1
            if depth > max_depth:
                raise QueryRejected(
                    f"the query nests brackets deeper than {max_depth} levels "
                    f"(at {position(text, start)})",
                    hint="flatten the expression; real queries rarely nest beyond a dozen levels",
                )
        elif kind == "close":
            depth = depth - 1 if depth else 0
            append(Token("close", m.group(kind), depth, start))
        elif kind == "long" or kind == "short":
            quote = 3 if kind == "long" else 1
            append(Token("string", text[start + quote : m.end() - quote], depth, start))
        elif kind == "iri":
            append(Token("iri", m.group(kind)[1:-1], depth, start))
        elif kind == "pword":
            append(Token("word", ":" + m.group(kind).rstrip("."), depth, lexeme_start))
        elif kind == "word":
            append(Token("word", m.group(kind).rstrip("."), depth, start))
        else:  # var, num, punct
            append(Token(kind, m.group(kind), depth, start))  # type: ignore[arg-type]
    if keep or text[scanned:].strip(_SPARQL_SPACE):  # trailing white space the grammar refuses
        pieces.append(text[pieces_end:])
    return tokens, "".join(pieces)


# --- checks ---------------------------------------------------------------------------------


#: Accepted queries remembered by :func:`check_query` (bounded: at most this many texts of at
#: most ``max_query_bytes`` each). Rejections raise and are never remembered.
CHECKED_CACHE_SIZE = 64


def check_query(query: str, limits: GuardLimits | None = None) -> QueryInfo:
    """Refuse queries that are unsafe or beyond the limits; describe the rest.

    The verdict on an accepted text is remembered (the lexer is a third of a lookup's cost
    in the web worker, and the endpoint and the backend both ask about the same text).

    >>> check_query("SELECT * WHERE { ?s ?p 'SERVICE' }").form
    'SELECT'
    """
    return _check_query_cached(query, limits or GuardLimits())


@functools.lru_cache(maxsize=CHECKED_CACHE_SIZE)
def _check_query_cached(query: str, limits: GuardLimits) -> QueryInfo:
    return _check_query(query, limits)


def _check_query(query: str, limits: GuardLimits) -> QueryInfo:
    size = len(query.encode("utf-8", "surrogatepass"))
    if size > limits.max_query_bytes:
        raise QueryTooLarge(
            f"the query is {size} bytes long; this endpoint accepts at most "
            f"{limits.max_query_bytes} bytes",
            hint="shorten it, e.g. move long VALUES lists into several queries",
        )
    if "\x00" in query:
        raise QueryRejected(
            "the query contains a NUL character", hint="remove the control character"
        )
    if not query.strip():
        raise QueryRejected("the query is empty", hint="send a SPARQL query in 'query'")
    text = decode_codepoint_escapes(query)
    if "\x00" in text:
        raise QueryRejected("the query escapes a NUL character", hint="remove \\u0000")
    tokens, normal = lex(text, limits.max_depth)
    keywords = frozenset(t.text.upper() for t in tokens if t.kind == "word" and ":" not in t.text)
    _check_keywords(keywords)
    _check_prefixes(text, tokens)
    _check_terms(text, tokens, limits)
    if keywords & REGEX_FUNCTIONS:
        _check_regex_literals(text, tokens, limits)
    _check_order_by(tokens, limits)
    _check_values(tokens, limits)
    _check_breadth(tokens, limits)
    form = next(
        (t.text.upper() for t in tokens if t.kind == "word" and t.text.upper() in QUERY_FORMS),
        None,
    )
    return QueryInfo(
        form=form,  # type: ignore[arg-type]
        max_depth=max((t.depth + 1 for t in tokens if t.kind == "open"), default=0),
        tokens=len(tokens),
        keywords=keywords,
        normal=normal,
    )


def _check_keywords(keywords: frozenset[str]) -> None:
    if "SERVICE" in keywords:
        raise QueryRejected(
            "SERVICE (federated query) is not allowed: this endpoint never contacts other hosts",
            hint="query the other endpoint yourself and combine the results client-side",
        )
    update = sorted(keywords & UPDATE_KEYWORDS)
    if update:
        raise QueryRejected(
            f"SPARQL Update ({', '.join(update)}) is not allowed: this endpoint is read-only",
            hint="download the dataset (see /void) and modify a copy",
        )


def declared_prefixes(tokens: list[Token]) -> set[str]:
    """Prefixes the query's own ``PREFIX`` lines declare (``""`` for the empty prefix)."""
    declared: set[str] = set()
    for i, t in enumerate(tokens[:-1]):
        if t.kind == "word" and t.text.upper() == "PREFIX":
            nxt = tokens[i + 1]
            if nxt.kind == "word" and nxt.text.endswith(":"):
                declared.add(nxt.text[:-1])
            elif nxt.kind == "punct" and nxt.text == ":":
                declared.add("")
    return declared


def _check_prefixes(text: str, tokens: list[Token]) -> None:
    """Name an undeclared prefix, and say how to fix it, before the engine's parser dump.

    A prefix counts as declared if the query declares it or it is one of the project's
    :data:`~subdip.namespaces.PREFIXES`, which the engine is given as default prefixes.
    """
    declared: set[str] | None = None
    for i, t in enumerate(tokens):
        if t.kind != "word" or ":" not in t.text or t.text.startswith("_:"):
            continue
        prefix = t.text.split(":", 1)[0]
        if prefix in PREFIXES:
            continue
        if (i > 0 and tokens[i - 1].text == "<") or text.startswith("//", t.offset + len(t.text)):
            continue  # inside a malformed IRI (``<http://a b>``): the engine reports that
        if i > 0 and tokens[i - 1].kind == "word" and tokens[i - 1].text.upper() == "PREFIX":
            continue  # the declaration itself
        if declared is None:
            declared = declared_prefixes(tokens)
        if prefix in declared:
            continue
        known = ", ".join(f"{p}:" for p in sorted(PREFIXES))
        shown = f"{prefix}:" if prefix else "':' (the empty prefix)"
        raise QueryRejected(
            f"the prefix {shown} used in {t.text!r} at {position(text, t.offset)} is not declared",
            hint=f"add 'PREFIX {prefix}: <namespace IRI>' before the query, or use a full "
            f"IRI in angle brackets; these prefixes need no declaration here: {known}",
        )


def star_projection(query: str, variables: list[str]) -> str | None:
    """``SELECT *`` with its columns in the order the query first mentions them, or ``None``.

    Why: the engine lists the variables of ``SELECT *`` alphabetically, while readers (and
    the W3C CSV/TSV tests) expect the order of the query. Given the variables the engine
    projects -- exactly the in-scope ones -- this writes them out in the query's order, so
    the answer is the same but for the column order. ``None`` when there is nothing to
    reorder, or when the text carries ``\\u`` escapes (offsets would not match).

    >>> star_projection("SELECT * { ?s ?p ?o }", ["o", "p", "s"])
    'SELECT ?s ?p ?o { ?s ?p ?o }'
    """
    if "*" not in query or "\\u" in query or "\\U" in query:
        return None  # no star at all (most queries: spares a second lexing pass)
    tokens = tokenize(query, max_depth=10_000)
    select = next(
        (i for i, t in enumerate(tokens) if t.kind == "word" and t.text.upper() == "SELECT"),
        None,
    )
    if select is None or tokens[select].depth != 0:
        return None
    i = select + 1
    while i < len(tokens) and tokens[i].text.upper() in ("DISTINCT", "REDUCED"):
        i += 1
    if i >= len(tokens) or tokens[i].text != "*":
        return None
    first: dict[str, int] = {}
    for n, t in enumerate(tokens):
        if t.kind == "var":
            first.setdefault(t.text[1:], n)
    ordered = sorted(variables, key=lambda v: (first.get(v, len(tokens)), variables.index(v)))
    if ordered == variables:
        return None
    star = tokens[i].offset
    return query[:star] + " ".join(f"?{v}" for v in ordered) + query[star + 1 :]


def explicit_prologue(query: str) -> str:
    """The query with the base IRI and the known prefixes it uses written out, for engines that
    are not given them (an external store behind ``RemoteBackend``).

    Everything is added on the first line, so the engine's line numbers stay right; a ``BASE``
    or ``PREFIX`` of the query itself comes later and wins.

    >>> explicit_prologue("SELECT * { ?s a subdip:Province }")  # doctest: +ELLIPSIS
    'BASE <https://w3id.org/subdip/id/> PREFIX subdip: <https://w3id.org/subdip/ontology#> SE...'
    """
    tokens = tokenize(decode_codepoint_escapes(query), max_depth=10_000)
    declared = declared_prefixes(tokens)
    used = dict.fromkeys(
        t.text.split(":", 1)[0]
        for t in tokens
        if t.kind == "word" and ":" in t.text and not t.text.startswith("_:")
    )
    lines = [f"BASE <{QUERY_BASE_IRI}>"]
    lines += [f"PREFIX {p}: <{PREFIXES[p]}>" for p in used if p in PREFIXES and p not in declared]
    return " ".join(lines) + " " + query


def _check_terms(text: str, tokens: list[Token], limits: GuardLimits) -> None:
    for t in tokens:
        if t.kind == "string" and len(t.text) > limits.max_literal_chars:
            raise QueryRejected(
                f"a string literal at {position(text, t.offset)} is {len(t.text)} "
                "characters long; "
                f"the limit is {limits.max_literal_chars}",
                hint="use a shorter literal",
            )
        if t.kind == "iri" and len(t.text) > limits.max_iri_chars:
            raise QueryRejected(
                f"an IRI at {position(text, t.offset)} is {len(t.text)} characters long; "
                f"the limit is {limits.max_iri_chars}",
                hint="use a shorter IRI",
            )


# A quantified group that itself contains a quantifier: (a+)+, (a*)*, (a|aa)+ with inner +.
_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{]")
_REPEAT = re.compile(r"\{\s*(\d+)\s*(?:,\s*(\d*)\s*)?\}")


def _check_regex_literals(text: str, tokens: list[Token], limits: GuardLimits) -> None:
    """Check every string of a query that uses REGEX/REPLACE as if it were a pattern.

    Why every string: a pattern can reach REGEX through a variable (BIND, VALUES), and
    telling which literal ends up as a pattern needs evaluation. The embedded engine's regular
    expressions run in linear time (Rust's ``regex`` crate), so this mainly protects other
    backends and bounds compile cost; the price is refusing a data literal shaped like
    ``(a+)+`` in a query that also uses REGEX.
    """
    for t in tokens:
        if t.kind != "string":
            continue
        if len(t.text) > limits.max_regex_chars:
            raise QueryRejected(
                f"a string at {position(text, t.offset)} in a query using REGEX/REPLACE is "
                f"{len(t.text)} characters long; patterns are limited to "
                f"{limits.max_regex_chars}",
                hint="use a shorter pattern, or CONTAINS/STRSTARTS for plain text",
            )
        if _NESTED_QUANTIFIER.search(t.text):
            raise QueryRejected(
                f"the pattern {t.text!r} nests quantifiers (like (a+)+), which can take "
                "exponential time",
                hint="remove the inner or the outer quantifier",
            )
        for m in _REPEAT.finditer(t.text):
            counts = [int(g) for g in m.groups() if g]
            if any(c > limits.max_regex_repeat for c in counts):
                raise QueryRejected(
                    f"the pattern {t.text!r} repeats more than {limits.max_regex_repeat} times",
                    hint="use a smaller repetition count",
                )


def _clause_tokens(tokens: list[Token], start: int, stop_words: frozenset[str]) -> list[Token]:
    """Tokens of a clause from ``start`` until a stop word or a bracket closing around it."""
    depth = tokens[start].depth
    out: list[Token] = []
    for t in tokens[start:]:
        if t.depth < depth:
            break
        if t.depth == depth and t.kind == "word" and t.text.upper() in stop_words:
            break
        out.append(t)
    return out


def _check_order_by(tokens: list[Token], limits: GuardLimits) -> None:
    stop = frozenset({"LIMIT", "OFFSET", "VALUES"})
    for i, t in enumerate(tokens[:-1]):
        nxt = tokens[i + 1]
        if not (t.kind == "word" and t.text.upper() == "ORDER" and nxt.text.upper() == "BY"):
            continue
        if i + 2 >= len(tokens):
            return
        keys = 0
        previous_word = False  # an opening bracket after a word is a call, not a new key
        for c in _clause_tokens(tokens, i + 2, stop):
            if c.depth != t.depth:
                continue
            if c.kind in {"var", "word"} or (c.kind == "open" and not previous_word):
                keys += 1
            previous_word = c.kind == "word"
        if keys > limits.max_order_keys:
            raise QueryRejected(
                f"ORDER BY has {keys} keys; the limit is {limits.max_order_keys}",
                hint="sort by fewer expressions",
            )


def _check_values(tokens: list[Token], limits: GuardLimits) -> None:
    cells = 0
    for i, t in enumerate(tokens):
        if not (t.kind == "word" and t.text.upper() == "VALUES"):
            continue
        j = i + 1
        while j < len(tokens) and tokens[j].text != "{":
            j += 1
        if j >= len(tokens):
            continue
        inner = tokens[j].depth + 1
        for c in tokens[j + 1 :]:
            if c.kind == "close" and c.depth < inner:
                break
            if c.kind in {"iri", "string", "word", "num"}:
                cells += 1
    if cells > limits.max_values_cells:
        raise QueryRejected(
            f"VALUES blocks hold {cells} cells; the limit is {limits.max_values_cells}",
            hint="split the query into several with shorter VALUES lists",
        )


GROUP_ELEMENTS = frozenset(
    {"OPTIONAL", "MINUS", "BIND", "UNION", "FILTER", "GRAPH", "VALUES", "LATERAL", "SERVICE"}
)
OPERATOR_CHARS = frozenset("+-*/|&=<>!")


def _check_breadth(tokens: list[Token], limits: GuardLimits) -> None:
    """Bound what nesting does not count but the engine still recurses or plans over.

    Measured with pyoxigraph 0.5 on a worker thread: 3,000 OPTIONAL, MINUS or BIND elements
    in one group, or a chain of 8,000 ``+``, overflow the stack (segmentation fault), all well
    under the length limit; 2,000 pass. A group of 100 triple patterns keeps the join
    planner busy for seconds, 200 for over a minute. Operators and separators inside VALUES
    (signs, datatypes) do not count.
    """
    stack: list[tuple[str, bool]] = []
    values_next = False
    elements = operators = patterns = 0
    for t in tokens:
        in_values = any(v for _, v in stack)
        if t.kind == "open":
            stack.append((t.text, values_next and t.text == "{"))
            values_next = values_next and t.text != "{"
        elif t.kind == "close":
            if stack:
                stack.pop()
        elif t.kind == "word":
            word = t.text.upper()
            if word in GROUP_ELEMENTS:
                elements += 1
            values_next = values_next or word == "VALUES"
        elif t.kind == "punct" and not in_values:
            if t.text in OPERATOR_CHARS:
                operators += 1
            elif t.text in ".;" or (t.text == "," and stack and stack[-1][0] in "{["):
                patterns += 1
    checks = (
        (elements, limits.max_group_elements, "OPTIONAL/MINUS/BIND/UNION/FILTER/... elements"),
        (operators, limits.max_operators, "operators"),
        (patterns, limits.max_triple_patterns, "triple patterns (counted by . ; , separators)"),
    )
    for count, limit, what in checks:
        if count > limit:
            raise QueryRejected(
                f"the query has {count} {what}; the limit is {limit}",
                hint="split it into several smaller queries",
            )


# --- request-level checks -------------------------------------------------------------------

_BAD_PERCENT = re.compile(rb"%(?![0-9A-Fa-f]{2})")


def check_percent_encoding(raw: bytes, where: str) -> None:
    """Refuse a URL-encoded string with a ``%`` not followed by two hex digits."""
    m = _BAD_PERCENT.search(raw)
    if m:
        raise QueryRejected(
            f"malformed percent-encoding in the {where} at byte {m.start()}",
            hint="encode '%' as %25 and every escape as % followed by two hex digits",
        )


def decode_utf8(raw: bytes, where: str) -> str:
    """Decode strictly; invalid UTF-8 is the client's mistake, not something to guess at."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise QueryRejected(
            f"the {where} is not valid UTF-8 (byte {err.start})",
            hint="send the query encoded as UTF-8",
        ) from None
