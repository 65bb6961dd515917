"""Sadarbe hub: the HTTP, WebSocket and GraphQL face of the service. All Cypher lives in `graph`."""
