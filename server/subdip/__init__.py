"""subdip: a linked-data knowledge graph and SPARQL service on Chinese subnational diplomacy."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("subdip")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+source"
