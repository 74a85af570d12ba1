"""`subdip publish --to URL`: push the built dataset's named graphs to an external triple store."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from subdip.paths import default_build_dir
from subdip.publish import ATOMIC_AUTO_LIMIT, publish
from subdip.storeclient import StoreClient, StoreEndpoints, parse_user, split_credentials

TOKEN_ENV = "SUBDIP_STORE_TOKEN"


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "publish",
        help="push the built dataset to an external triple store (Graph Store Protocol)",
        description=(
            "Upload each named graph of the build artefact to an external SPARQL store: "
            "into staging graphs first (Graph Store Protocol PUT, or SPARQL Update INSERT DATA "
            "where the store has no Graph Store endpoint), check their triple counts, then "
            "replace the published graphs in one SPARQL Update request. If anything fails "
            "before that, the published graphs stay as they were. Large datasets are replaced "
            "graph by graph instead (see --swap)."
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
        "--swap",
        choices=("auto", "atomic", "direct"),
        default="auto",
        help="atomic: staging graphs then one update request that replaces them all (a failure "
        "changes nothing); direct: replace each graph in place (fast for large graphs, not "
        f"atomic); auto: atomic up to {ATOMIC_AUTO_LIMIT:,} triples",
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
    build_dir = args.build_dir or default_build_dir()
    report = publish(
        build_dir,
        client,
        method=args.method,
        swap=args.swap,
        batch_triples=max(1, args.batch),
        progress=lambda message: print(message, file=sys.stderr),
    )
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
    else:
        print(report.text())
    return 0
