"""What the HTML pages share beyond the blueprints: telling a browser from a machine, and
rendering a page template with the site's globals from any blueprint (or none).

A *browser* is a client whose ``Accept`` header names ``text/html`` and weighs it at least as
high as anything else it names explicitly; ``*/*`` alone (curl, SPARQL clients) is a machine.
Browsers send ``text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8``.
"""

from __future__ import annotations

from typing import Any

from flask import Request, render_template, request

from subdip.web import rendering


def wants_html(req: Request | None = None, *, against: tuple[str, ...] = ()) -> bool:
    """Whether the client prefers HTML to ``against`` (media types the route also offers).

    ``?format=html`` asks for HTML outright; otherwise ``text/html`` must be named in
    ``Accept`` with a weight no lower than the best of ``against`` (wildcards do not count).
    """
    req = req or request
    if (req.args.get("format") or "").lower() in ("html", "text/html"):
        return True
    accept = req.accept_mimetypes
    html = max(
        (q for value, q in accept if value in ("text/html", "application/xhtml+xml")), default=0
    )
    if html <= 0:
        return False
    return html >= max((q for value, q in accept if value in against), default=0)


def render_page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    """A page template rendered with ``base`` and ``site`` (the blueprints' context globals)."""
    return render_template(template, **rendering.template_globals(), status=status, **context), status
