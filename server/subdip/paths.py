"""Where the shipped ontology, shapes, data and queries live.

In a source checkout (or an editable install) they sit at the repository's top level;
in an installed wheel they are packaged under ``subdip/_resources``.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_PACKAGED = _PACKAGE / "_resources"
_REPOSITORY = _PACKAGE.parents[1]


def resource_root() -> Path:
    """The folder holding ``ontology/``, ``shapes/``, ``data/`` and ``queries/``."""
    if _PACKAGED.is_dir():
        return _PACKAGED
    return _REPOSITORY


def child_environment() -> dict[str, str]:
    """The environment for a child interpreter (``python -c``) that imports subdip: ours, with
    the folder holding this package first on ``PYTHONPATH`` (it may run from a checkout)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(_PACKAGE.parent), env.get("PYTHONPATH")) if p
    )
    return env


def ontology_dir() -> Path:
    return resource_root() / "ontology"


def ontology_file() -> Path:
    """The entry point (``subdip.ttl``): the ontology header that imports the modules."""
    return ontology_dir() / "subdip.ttl"


#: Module IRIs are ``<ontology IRI>/<name>``, each kept in ``ontology/<name>.ttl``.
_MODULE_BASE = "https://w3id.org/subdip/ontology/"


def ontology_module(name: str, folder: Path | None = None) -> Path:
    """One module's file: ``core``, ``china`` or ``subdip`` (the entry point)."""
    return (folder or ontology_dir()) / f"{name}.ttl"


def ontology_files(entry: Path | None = None) -> list[Path]:
    """The entry point (default: the shipped ``subdip.ttl``) and the modules it imports
    (transitively), imported ones first.

    Imports are resolved to files in ``ontology/`` (a local catalogue: module IRI
    ``.../ontology/<name>`` is ``<name>.ttl``), so the modules load without any network access.
    """
    from rdflib import Graph, URIRef
    from rdflib.namespace import OWL

    ordered: list[Path] = []

    def visit(path: Path, chain: tuple[Path, ...]) -> None:
        if path in ordered:
            return
        if not path.is_file():
            raise FileNotFoundError(
                f"{chain[-1] if chain else path}: imports a module with no file at {path} — "
                "add the file or remove the owl:imports"
            )
        graph = Graph().parse(path, format="turtle")
        for imported in sorted(graph.objects(None, OWL.imports)):
            iri = str(imported)
            if isinstance(imported, URIRef) and iri.startswith(_MODULE_BASE):
                visit(ontology_module(iri[len(_MODULE_BASE) :], path.parent), (*chain, path))
        ordered.append(path)

    visit(entry or ontology_file(), ())
    return ordered


def alignments_dir() -> Path:
    return ontology_dir() / "alignments"


def shapes_dir() -> Path:
    return resource_root() / "shapes"


def data_dir() -> Path:
    return resource_root() / "data"


def queries_dir() -> Path:
    return resource_root() / "queries"


def default_build_dir() -> Path:
    """The build artefact's folder: ``./build`` in a checkout, a user cache otherwise."""
    if not _PACKAGED.is_dir():
        return _REPOSITORY / "build"
    return Path.home() / ".cache" / "subdip" / "build"
