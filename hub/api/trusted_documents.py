"""Trusted documents: the web app's GraphQL documents, registered when it is built, run by id.

The web app's build (frontend/codegen.ts, graphql-codegen's `persistedDocuments`) writes
`persisted-documents.json` beside the app: each document's text under its id, `sha256:` and the
SHA-256 of the text in hex (GraphQL over HTTP, appendix "Persisted Documents"). The app sends the id
as `documentId` instead of `query`, in a POST body and in a graphql-ws `subscribe` payload alike
(graphql-ws requires a `query` string: it sends an empty one). The hub loads the manifest when it
starts and turns a request's id back into its text; the operation then runs as any other does.

With HUB_TRUSTED_DOCUMENTS_ONLY a request without a bearer token (a browser's cookie session, or no
sign-in) may run only a registered document: a script in a signed-in page, a forged request riding
the session or a curious visitor cannot send a document of their own, so the browser-facing surface
is exactly the web app's operations. API clients sign in with a bearer token and send their own
documents: that is what the API is for (README, "Trusted documents").
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from graphql import GraphQLError, GraphQLFormattedError

from hub.config import Settings
from hub.web import DIST_DIR

MANIFEST_NAME = "persisted-documents.json"
_DOCUMENT_ID = re.compile(r"sha256:[0-9a-f]{64}")


class ManifestError(RuntimeError):
    """The manifest cannot be used; the hub refuses to start rather than refuse the web app later."""


class DocumentRefused(ValueError):
    """A request whose document cannot run; nothing ran. `code` is its `extensions.code`, `status`
    the HTTP status it is answered with."""

    code = "BAD_REQUEST"
    status = 400

    @property
    def formatted(self) -> GraphQLFormattedError:
        """As a GraphQL error."""
        return GraphQLError(str(self), extensions={"code": self.code}).formatted


class UnknownDocument(DocumentRefused):
    code = "PERSISTED_QUERY_NOT_FOUND"


class DocumentTextRefused(DocumentRefused):
    code = "PERSISTED_QUERY_REQUIRED"
    status = 403


@dataclass(frozen=True)
class TrustedDocuments:
    documents: Mapping[str, str]  # id → text
    only: bool  # HUB_TRUSTED_DOCUMENTS_ONLY: requests without a bearer token run only these

    @classmethod
    def load(cls, settings: Settings) -> TrustedDocuments:
        """The manifest HUB_TRUSTED_DOCUMENTS_MANIFEST names, else the built web app's own. A hub
        without a built web app has none, unless it was named or is required (trusted-only)."""
        path = settings.trusted_documents_manifest or DIST_DIR / MANIFEST_NAME
        if not path.is_file():
            if settings.trusted_documents_manifest is None and not settings.trusted_documents_only:
                return cls({}, only=False)
            raise ManifestError(
                f"no trusted-documents manifest at {path}: build the web app (make web), or set "
                "HUB_TRUSTED_DOCUMENTS_MANIFEST to its persisted-documents.json"
            )
        return cls(read_manifest(path), only=settings.trusted_documents_only)

    def query_of(self, request: Mapping[str, object], *, api_client: bool) -> str | None:
        """The text a request (a POST body, a subscribe payload) runs: its `documentId`'s, else its
        own `query` (None: it has neither, which the executor reports). DocumentRefused when the id
        is not registered, comes with a text, or the caller may not send text."""
        document_id, query = _string(request, "documentId"), _string(request, "query")
        if document_id is None:
            if query and self.only and not api_client:
                raise DocumentTextRefused(
                    "This hub runs only the web app's registered documents for browser sessions: send "
                    "a `documentId`, or sign in with a bearer token to send a document of your own."
                )
            return query
        if query:
            raise DocumentRefused("Send either `query` or `documentId`, not both.")
        text = self.documents.get(document_id)
        if text is None:
            raise UnknownDocument(f"No registered document has the id {document_id[:80]!r}.")
        return text


def _string(request: Mapping[str, object], member: str) -> str | None:
    value = request.get(member)
    if value is not None and not isinstance(value, str):
        raise DocumentRefused(f"`{member}` must be a string or null.")
    return value


def read_manifest(path: Path) -> dict[str, str]:
    """The id → text manifest at `path`, each id checked against its text; ManifestError names the
    first problem."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ManifestError(f"the trusted-documents manifest {path} cannot be read: {exc}") from exc
    if not isinstance(manifest, dict):
        raise ManifestError(f"the trusted-documents manifest {path} is not a JSON object of id → document")
    for document_id, text in manifest.items():
        if not isinstance(text, str) or not _DOCUMENT_ID.fullmatch(document_id):
            raise ManifestError(
                f"the trusted-documents manifest {path}: {document_id[:80]!r} is not a `sha256:<hex>` "
                "id of a document text"
            )
        if document_id != "sha256:" + hashlib.sha256(text.encode()).hexdigest():
            raise ManifestError(
                f"the trusted-documents manifest {path}: {document_id} is not the SHA-256 of its document"
            )
    return manifest
