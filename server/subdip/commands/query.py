"""`subdip query` (to be implemented: see the issue that owns it)."""

from __future__ import annotations

import argparse

from subdip.errors import UsageError


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("query", help="query (not implemented yet)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    raise UsageError("'subdip query' is not implemented yet")
