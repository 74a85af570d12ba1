"""`subdip publish --to URL`: push the built dataset's named graphs to an external triple store."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from subdip import progress
from subdip.paths import default_build_dir
from subdip.publish import publish, rollback
from subdip.storeclient import StoreClient, StoreEndpoints, parse_user, split_credentials

TOKEN_ENV = "SUBDIP_STORE_TOKEN"


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "publish",
        help="push the built dataset to an external triple store (Graph Store Protocol)",
        description=(
            "Upload each named graph of the build artefact to an external SPARQL store under "
            "a new versioned name (Graph Store Protocol PUT, or SPARQL Update INSERT DATA "
            "where the store has no Graph Store endpoint), check their triple counts, then "
            "switch readers to them in one SPARQL Update operation on a small pointer graph "
            "('subdip serve --store' follows it). If anything fails before the switch, readers "
            "stay on the build they had. The previous build is kept for --rollback; older "
            "builds' graphs are dropped after the switch."
        ),
        epilog=(
            "Store URLs: Oxigraph http://HOST:7878 ; Fuseki http://HOST:3030/DATASET ; "
            "Virtuoso http://HOST:8890/sparql (with --graph-store). See docs/external-stores.md. "
            "Exit codes: 0 published, 3 no or damaged build artefact, 6 store error "
            "(unreachable, credentials refused, HTTP error, counts differ)."
        ),
    )
    parser.add_argument(
        "--to",
        required=True,
        metavar="URL",
        help="the store's base URL (…/query and …/update below it) or its SPARQL endpoint "
        "(…/sparql, …/query); user:password@ in the URL is used for HTTP Basic auth",
    )
    parser.add_argument(
        "--graph-store",
        metavar="URL",
        help="the Graph Store Protocol endpoint (default: tried below the base URL: "
        "/store, /data, the base itself)",
    )
    parser.add_argument("--update-endpoint", metavar="URL", help="the SPARQL Update endpoint")
    parser.add_argument(
        "--token",
        default=os.environ.get(TOKEN_ENV),
        help=f"send 'Authorization: Bearer TOKEN' (default: ${TOKEN_ENV})",
    )
    parser.add_argument("--user", metavar="NAME:PASSWORD", help="HTTP Basic credentials")
    parser.add_argument(
        "--build-dir",
        type=Path,
        default=None,
        help="the build artefact to publish (default: ./build in a checkout)",
    )
    parser.add_argument(
        "--method",
        choices=("auto", "graph-store", "update"),
        default="auto",
        help="upload with the Graph Store Protocol, SPARQL Update, or whichever works (auto)",
    )
    parser.add_argument(
        "--rollback",
        action="store_true",
        help="upload nothing: switch readers back to the previous build (again: forward)",
    )
    parser.add_argument(
        "--keep-old",
        action="store_true",
        help="do not drop older builds' graphs after the switch (the next publish will)",
    )
    parser.add_argument(
        "--batch", type=int, default=20_000, help="triples per INSERT DATA request (update)"
    )
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="seconds to wait for each store request"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(func=run)


def client_from_args(args: argparse.Namespace) -> StoreClient:
    """The store client the options describe (credentials never stay in the URL)."""
    url, credentials = split_credentials(args.to)
    if args.user:
        credentials = parse_user(args.user)
    if args.token:
        credentials = type(credentials)(token=args.token)
    graph_store = split_credentials(args.graph_store)[0] if args.graph_store else None
    update = split_credentials(args.update_endpoint)[0] if args.update_endpoint else None
    endpoints = StoreEndpoints.from_url(url, graph_store=graph_store, update=update)
    return StoreClient(endpoints, credentials=credentials, timeout=args.timeout)


def run(args: argparse.Namespace) -> int:
    client = client_from_args(args)
    say = progress.Reporter() if progress.wanted() else None
    if args.rollback:
        report = rollback(client, progress=say)
    else:
        report = publish(
            args.build_dir or default_build_dir(),
            client,
            method=args.method,
            batch_triples=max(1, args.batch),
            keep_old=args.keep_old,
            progress=say,
        )
    if say is not None:
        say.done()
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
    else:
        print(report.text())
    return 0
