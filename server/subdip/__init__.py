"""subdip: a linked-data knowledge graph and SPARQL service on Chinese subnational diplomacy."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("subdip")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+source"


def open(build_dir=None, *, timeout: float = 60.0):
    """The built dataset, read-only: ``subdip.open().query(sparql)``; see :mod:`subdip.notebook`."""
    from subdip.notebook import open as open_dataset

    return open_dataset(build_dir, timeout=timeout)
