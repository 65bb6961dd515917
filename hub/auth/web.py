"""Browser sign-in: OpenID Connect authorization code with PKCE through Authlib's Starlette
client, a signed session cookie, and sign-out.

Authlib checks `state` (kept in the session) and the ID token's signature, issuer, audience,
expiry and `nonce`. The session holds only who signed in (the ID token's issuer, subject and
e-mail claims) and an expiry — never a token; each request finds the person bound to that issuer
and subject (hub/auth/principal.py).
`next` must be one of the hub's own paths, so sign-in cannot redirect elsewhere.
"""

from __future__ import annotations

import secrets
import time

import structlog
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.starlette_client import OAuth
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from hub.auth.principal import SESSION_CLAIMS, SESSION_KEY, NoPerson, viewer_for_claims
from hub.auth.tokens import InvalidToken
from hub.config import Settings

log = structlog.get_logger(__name__)


def safe_next(target: str | None) -> str:
    """Only a path on this hub: '/teams?x=1' yes; 'https://evil', '//evil', '/\\evil' no."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    if any(c in target for c in "\\\r\n\t") or ":" in target.split("?")[0]:
        return "/"
    return target


class WebSignIn:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.oauth = OAuth()
        self.oauth.register(
            "hub",
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret.get_secret_value(),
            server_metadata_url=settings.effective_oidc_issuer + "/.well-known/openid-configuration",
            client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"},
        )
        self.redirect_uri = settings.effective_public_url + "/auth/callback"

    def routes(self) -> list[Route]:
        return [
            Route("/auth/login", self.login),
            Route("/auth/callback", self.callback),
            Route("/auth/logout", self.logout, methods=["POST"]),  # POST: no cross-site sign-out by link
        ]

    async def login(self, request: Request) -> Response:
        request.session.clear()
        request.session["next"] = safe_next(request.query_params.get("next"))
        response: Response = await self.oauth.hub.authorize_redirect(request, self.redirect_uri)
        return response

    async def callback(self, request: Request) -> Response:
        try:
            token = await self.oauth.hub.authorize_access_token(request)
        except OAuthError as exc:
            log.warning("sign-in refused", error=exc.error, description=exc.description)
            request.session.clear()
            return PlainTextResponse("Sign-in failed; please start again.", status_code=400)
        claims = token.get("userinfo") or {}
        target = safe_next(request.session.get("next"))
        request.session.clear()  # a fresh session after sign-in (no fixation)
        try:
            # Binds the sign-in on first sight, so the session holds a sign-in that signs someone in.
            await viewer_for_claims(request.app.state.graph, self.settings, claims)
        except NoPerson as exc:
            log.info("sign-in to no person", reason=str(exc))
            return PlainTextResponse(
                "Jūs esat pieteicies identitātes pakalpojumā, bet Sadarbē ne: jūsu kontu nevar sasaistīt "
                "ar personu. Vērsieties pie administratora.\n\n"
                f"You are signed in with your identity provider, but not here: {exc}.",
                403,
            )
        except InvalidToken:
            return PlainTextResponse("The identity provider did not say who you are.", status_code=400)
        request.session[SESSION_KEY] = {
            **{claim: claims.get(claim) for claim in SESSION_CLAIMS},
            "until": int(time.time()) + self.settings.session_max_age_s,
            "sid": secrets.token_urlsafe(16),
        }
        return RedirectResponse(target, status_code=303)

    async def logout(self, request: Request) -> Response:
        user = request.session.get(SESSION_KEY)
        request.session.clear()
        if isinstance(user, dict) and user.get("sid"):
            request.app.state.live.sign_out(str(user["sid"]))  # its sockets close, on every replica
        return RedirectResponse("/signed-out", status_code=303)
