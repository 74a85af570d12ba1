"""Content negotiation: an ``Accept`` header (RFC 9110 §12.5.1) against the formats we offer.

Rules implemented: media ranges with wildcards (``*/*``, ``type/*``); ``q`` weights (``q=0``
means "not acceptable"); for each offered type the *most specific* matching range decides its
weight (``text/*;q=0.1, text/csv`` gives CSV weight 1); parameters other than ``q`` must match
when a range names them. Among equally weighted offers the server's order decides (our default
format first). An absent or empty header accepts anything.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from subdip.sparql.formats import (
    GRAPH_FORMATS,
    SOLUTION_FORMATS,
    FormatChoice,
    ResultFormat,
    format_by_name,
)


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    params: tuple[tuple[str, str], ...]
    q: float

    @property
    def specificity(self) -> int:
        """3 for type/subtype;params, 2 for type/subtype, 1 for type/*, 0 for */*."""
        if self.type == "*":
            return 0
        if self.subtype == "*":
            return 1
        return 3 if self.params else 2

    def matches(self, media_type: str) -> bool:
        mtype, _, subtype = media_type.partition("/")
        if self.type != "*" and self.type != mtype:
            return False
        if self.subtype != "*" and self.subtype != subtype:
            return False
        # We offer no parameters except charset=utf-8; a range asking for another fails.
        return all(k != "charset" or v in {"utf-8", "utf8"} for k, v in self.params)


def _split_quoted(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside double-quoted strings."""
    parts, current, quoted, escaped = [], [], False, False
    for c in text:
        if escaped:
            current.append(c)
            escaped = False
        elif c == "\\" and quoted:
            current.append(c)
            escaped = True
        elif c == '"':
            current.append(c)
            quoted = not quoted
        elif c == sep and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(c)
    parts.append("".join(current))
    return parts


def parse_accept(header: str | None) -> list[MediaRange]:
    """Parse an Accept header; malformed ranges are skipped (lenient, as RFC 9110 suggests).

    >>> [(r.type, r.subtype, r.q) for r in parse_accept("text/csv;q=0.5, */*;q=0.1")]
    [('text', 'csv', 0.5), ('*', '*', 0.1)]
    """
    if not header:
        return []
    ranges: list[MediaRange] = []
    for item in _split_quoted(header, ","):
        pieces = _split_quoted(item, ";")
        mtype, slash, subtype = pieces[0].strip().lower().partition("/")
        if not slash or not mtype or not subtype or (mtype == "*" and subtype != "*"):
            continue
        q = 1.0
        params: list[tuple[str, str]] = []
        valid = True
        for piece in pieces[1:]:
            key, eq, value = piece.strip().partition("=")
            key = key.strip().lower()
            value = value.strip().strip('"')
            if not eq or not key:
                continue
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    valid = False
                    break
                if not 0.0 <= q <= 1.0:
                    valid = False
                    break
            else:
                params.append((key, value.lower()))
        if valid:
            ranges.append(MediaRange(mtype, subtype, tuple(params), q))
    return ranges


def weight(ranges: Sequence[MediaRange], media_type: str) -> float:
    """The weight the client gives ``media_type``: that of the most specific matching range."""
    best: MediaRange | None = None
    for r in ranges:
        if r.matches(media_type) and (best is None or r.specificity > best.specificity):
            best = r
    return 0.0 if best is None else best.q


def choose(header: str | None, offered: Sequence[ResultFormat]) -> ResultFormat | None:
    """The offered format the client prefers, or ``None`` if it accepts none of them.

    A format's aliases (``application/json`` for SPARQL JSON and JSON-LD) count at a slight
    discount so an explicit canonical type wins a tie.
    """
    ranges = parse_accept(header)
    if not ranges:
        return offered[0] if offered else None
    best: ResultFormat | None = None
    best_score = (0.0, 0)
    for fmt in offered:
        canonical = weight(ranges, fmt.media_type)
        alias = max((weight(ranges, a) for a in fmt.aliases), default=0.0)
        score = (max(canonical, alias), 1 if canonical >= alias else 0)
        if score[0] <= 0.0:
            continue
        if score > best_score:  # ties keep the earlier offer: the server's preference
            best, best_score = fmt, score
    return best


#: ``format=`` names that have a counterpart in the other family (json -> JSON-LD ...).
_CROSS_FAMILY = {"json": "jsonld", "jsonld": "json", "xml": "rdfxml", "rdfxml": "xml"}


@functools.lru_cache(maxsize=128)
def negotiate(accept: str | None, format_param: str | None = None) -> FormatChoice:
    """Pick a format for each result family from ``format=`` (wins) or the Accept header.

    Remembered per (header, parameter): clients send the same few headers again and again,
    and parsing one costs more than a lookup query's IPC. Unknown ``format=`` names raise and
    are not remembered; the cache is bounded whatever the headers.
    """
    if format_param:
        fmt = format_by_name(format_param)
        other = _CROSS_FAMILY.get(fmt.name)
        if fmt.family == "solutions":
            return FormatChoice(solutions=fmt.name, graph=other)
        return FormatChoice(solutions=other, graph=fmt.name)
    solutions = choose(accept, SOLUTION_FORMATS)
    graph = choose(accept, GRAPH_FORMATS)
    return FormatChoice(
        solutions=solutions.name if solutions else None, graph=graph.name if graph else None
    )
