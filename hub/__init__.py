"""Sadarbe hub: the HTTP, WebSocket and GraphQL face of the service. All Cypher lives in `graph`."""

from importlib.metadata import version

__version__ = version("sadarbe")  # from pyproject.toml, the one place it is written
