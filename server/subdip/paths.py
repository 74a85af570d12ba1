"""Where the shipped ontology, shapes, data and queries live.

In a source checkout (or an editable install) they sit at the repository's top level;
in an installed wheel they are packaged under ``subdip/_resources``.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_PACKAGED = _PACKAGE / "_resources"
_REPOSITORY = _PACKAGE.parents[1]


def resource_root() -> Path:
    """The folder holding ``ontology/``, ``shapes/``, ``data/`` and ``queries/``."""
    if _PACKAGED.is_dir():
        return _PACKAGED
    return _REPOSITORY


def ontology_dir() -> Path:
    return resource_root() / "ontology"


def ontology_file() -> Path:
    return ontology_dir() / "subdip.ttl"


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
