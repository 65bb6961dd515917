"""GraphQL over HTTP (https://graphql.github.io/graphql-over-http/draft/): the media type a
response is sent in, its status code, and refusals of the request shaped as GraphQL errors.

A client that prefers `application/graphql-response+json` gets a request error (a document that
does not parse or validate, variables that do not coerce, input over its limits: no `data`) as a
4xx; a legacy `application/json` client gets it with status 200, as the specification asks of
servers for such clients. A refusal of the HTTP request itself (a body that is not JSON, a batch,
GET, an oversized body) is a 4xx with a code under either.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.responses import Response

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"

# The code of a refused request by its status, for refusals that come without one.
_CODE_BY_STATUS = {
    400: "BAD_REQUEST",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "REQUEST_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}

# The status of a request error (a response without `data`) under graphql-response+json.
_STATUS_BY_CODE = {"RATE_LIMITED": 429, "INTERNAL_SERVER_ERROR": 500, "DATABASE_UNAVAILABLE": 503}


def response_media_type(accept: str | None) -> str:
    """The media type to answer in, by the client's `Accept` (RFC 9110): of the two, the one with
    the higher quality, each rated by the most specific range that matches it; on a tie, the one
    the client names first. Wildcards alone, no `Accept` and an `Accept` naming neither mean
    application/json, the legacy default. Media types compare case-insensitively."""
    rated: dict[str, tuple[int, float, int]] = {}  # candidate → (specificity, quality, position)
    for position, media_range in enumerate((accept or "").split(",")):
        kind, _, parameters = media_range.partition(";")
        kind = kind.strip().lower()
        for candidate in (GRAPHQL_RESPONSE_JSON, JSON):
            specificity = {candidate: 2, "application/*": 1, "*/*": 0}.get(kind)
            if specificity is not None and specificity > rated.get(candidate, (-1, 0.0, 0))[0]:
                rated[candidate] = (specificity, _quality(parameters), position)
    best, best_rank = JSON, (0.0, False, 0, True)
    for candidate, (specificity, quality, position) in rated.items():
        rank = (quality, specificity == 2, -position, candidate == JSON)
        if quality > 0 and rank > best_rank:
            best, best_rank = candidate, rank
    return best


def _quality(parameters: str) -> float:
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value.strip())
            except ValueError:
                return 0.0
    return 1.0


def status_of(media_type: str, body: Mapping[str, Any]) -> int:
    """The status of a GraphQL response: 200 whenever it has `data` (null included) or goes to a
    legacy application/json client; else a 4xx or 5xx by its first error's code."""
    if media_type != GRAPHQL_RESPONSE_JSON or "data" in body:
        return 200
    errors = body.get("errors") or [{}]
    code = (errors[0].get("extensions") or {}).get("code")
    return _STATUS_BY_CODE.get(str(code), 400)


def refusal(
    status: int,
    message: str,
    *,
    accept: str | None,
    code: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A refused request as a GraphQL error with a code, in the media type the client accepts."""
    error = {"message": message, "extensions": {"code": code or _CODE_BY_STATUS.get(status, "BAD_REQUEST")}}
    return Response(
        orjson.dumps({"errors": [error]}),
        status_code=status,
        headers=dict(headers or {}),
        media_type=response_media_type(accept),
    )
