"""A small OpenID Connect provider for development only, so `make run` needs no external IdP.

Authorization-code flow with PKCE (S256 required), signed ID tokens (with the nonce) and API
access tokens, discovery document and JWKS, using Authlib's JOSE library (joserfc) for signing.
Its users are the graph's Person nodes: a "choose a demo user" page, no passwords. It refuses to
be mounted in production mode (`DevOnly`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from graph import identity
from graph.seed.demo import DEMO_USERS
from hub.auth import keys
from hub.config import DEV_OIDC_PATH, Settings

CODE_TTL_S = 60


@dataclass
class _Grant:
    email: str
    subject: str
    redirect_uri: str
    nonce: str | None
    challenge: str
    expires: float


MAX_FORM_BYTES = 16_384


async def _form(request: Request) -> dict[str, str]:
    """A url-encoded form body (parsed here: Starlette's form parser needs python-multipart)."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


def _error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": "invalid_request", "error_description": message}, status_code=status)


class DevProvider:
    def __init__(self, settings: Settings) -> None:
        if settings.production:
            raise keys.DevOnly("the development identity provider refuses to start in production mode")
        self.settings = settings
        self.issuer = settings.effective_oidc_issuer
        self.redirect_uri = settings.effective_public_url + "/auth/callback"
        self._codes: dict[str, _Grant] = {}
        keys.signing_key(settings)  # create the key now, not on the first request

    def routes(self) -> list[Route]:
        p = DEV_OIDC_PATH
        return [
            Route(p + "/.well-known/openid-configuration", self.discovery),
            Route(p + "/jwks", self.jwks),
            Route(p + "/authorize", self.authorize, methods=["GET", "POST"]),
            Route(p + "/token", self.token, methods=["POST"]),
        ]

    async def discovery(self, request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": self.issuer + "/authorize",
                "token_endpoint": self.issuer + "/token",
                "jwks_uri": self.issuer + "/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": [keys.ALGORITHM],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "scopes_supported": ["openid", "email", "profile"],
            }
        )

    async def jwks(self, request: Request) -> JSONResponse:
        return JSONResponse(keys.public_jwks(self.settings))

    def _check_authorize(self, params: Any) -> str | None:
        if params.get("response_type") != "code":
            return "response_type must be code"
        if params.get("client_id") != self.settings.oidc_client_id:
            return "unknown client_id"
        if params.get("redirect_uri") != self.redirect_uri:
            return "redirect_uri is not registered"
        if "openid" not in (params.get("scope") or "").split():
            return "scope must include openid"
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            return "PKCE with S256 is required"
        if not params.get("state"):
            return "state is required"
        return None

    async def authorize(self, request: Request) -> Response:
        params = request.query_params if request.method == "GET" else await _form(request)
        problem = self._check_authorize(params)
        if problem:
            return _error(problem)
        if request.method == "GET":
            return HTMLResponse(self._login_page(params))
        email = str(params.get("email") or "").strip().lower()
        person_id = await identity.person_id_for_email(request.app.state.graph, email)
        if person_id is None and email not in self.settings.bootstrap_admins:
            return HTMLResponse(self._login_page(params, f"No person with email {email!r}."), 400)
        self._expire()
        code = secrets.token_urlsafe(32)
        self._codes[code] = _Grant(
            email=email,
            # The account's stable subject, as a real provider's: it stays when the e-mail changes.
            subject=person_id or keys.dev_subject(email),
            redirect_uri=str(params["redirect_uri"]),
            nonce=str(params["nonce"]) if params.get("nonce") else None,
            challenge=str(params["code_challenge"]),
            expires=time.time() + CODE_TTL_S,
        )
        query = urlencode({"code": code, "state": params["state"], "iss": self.issuer})
        return RedirectResponse(f"{self.redirect_uri}?{query}", status_code=303)

    def _login_page(self, params: Any, problem: str = "") -> str:
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(str(params[k]))}">'
            for k in ("response_type", "client_id", "redirect_uri", "scope", "state", "nonce",
                      "code_challenge", "code_challenge_method")
            if params.get(k)
        )  # fmt: skip
        buttons = "".join(
            f'<button name="email" value="{html.escape(u.email)}">{html.escape(role)}: {html.escape(u.email)}</button><br>'
            for role, u in DEMO_USERS.items()
        )
        note = f"<p><strong>{html.escape(problem)}</strong></p>" if problem else ""
        return (
            "<!doctype html><title>Sadarbe development sign-in</title>"
            "<h1>Development sign-in</h1><p>Choose a demo user (development mode only, no passwords).</p>"
            f'{note}<form method="post">{hidden}{buttons}'
            '<p><input name="email" type="email" placeholder="any person\'s email">'
            '<button type="submit">Sign in</button></p></form>'
        )

    def _expire(self) -> None:
        now = time.time()
        for code in [c for c, g in self._codes.items() if g.expires < now]:
            del self._codes[code]

    def _client_ok(self, request: Request, form: Any) -> bool:
        client_id, secret = form.get("client_id"), form.get("client_secret")
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("basic "):
            try:
                client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return False
        expected = self.settings.oidc_client_secret.get_secret_value()
        return client_id == self.settings.oidc_client_id and hmac.compare_digest(str(secret or ""), expected)

    async def token(self, request: Request) -> JSONResponse:
        form = await _form(request)
        if not self._client_ok(request, form):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        if form.get("grant_type") != "authorization_code":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        self._expire()
        grant = self._codes.pop(str(form.get("code") or ""), None)  # single use
        if grant is None or form.get("redirect_uri") != grant.redirect_uri:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        verifier = str(form.get("code_verifier") or "")
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not hmac.compare_digest(digest, grant.challenge):
            return JSONResponse({"error": "invalid_grant", "error_description": "PKCE check failed"}, 400)
        now = int(time.time())
        id_claims = {
            "iss": self.issuer,
            "aud": self.settings.oidc_client_id,
            "sub": grant.subject,
            "email": grant.email,
            "email_verified": True,
            "iat": now,
            "nbf": now,
            "exp": now + 300,
            **({"nonce": grant.nonce} if grant.nonce else {}),
        }
        return JSONResponse(
            {
                "token_type": "Bearer",
                "access_token": keys.access_token(self.settings, email=grant.email, subject=grant.subject),
                "expires_in": keys.TOKEN_TTL_S,
                "id_token": keys.sign(self.settings, id_claims),
                "scope": "openid email profile",
            },
            headers={"Cache-Control": "no-store"},
        )
