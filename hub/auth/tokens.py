"""Bearer-token (JWT) validation against the issuer's JWKS.

joserfc (Authlib's JOSE library) checks signatures; around it we pin the algorithms, refuse
oversized tokens before parsing, read the key only from our cached JWKS (never from the token's
`jwk`/`jku`/`x5u` headers), and require `iss`, `aud`, `exp` and `sub`; `nbf` and `iat` are
optional (RFC 9068 access tokens need not carry `nbf`) but refused in the future, beyond a small
leeway, as `exp` in the past.
An unknown `kid` triggers one JWKS refresh, at most once per cool-down, so a flood of forged
key ids cannot turn into a flood of fetches.

A token that verified is remembered by its SHA-256 until it expires (bounded, oldest first out),
so a client sending the same token on every request pays for the signature and claim checks
once, not on every request; expiry is still checked on every use.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

import httpx2
import structlog
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

log = structlog.get_logger(__name__)

MAX_TOKEN_BYTES = 8192
VERIFIED_CACHE_SIZE = 4096  # distinct live tokens remembered; each entry is the token's claims
FORBIDDEN_HEADERS = frozenset({"jwk", "jku", "x5u", "x5c", "crit"})

JwksSource = Callable[[], Awaitable[dict[str, Any]]]


class InvalidToken(Exception):
    """The token is refused; the message says why (logged, never echoed in detail to clients)."""


def http_jwks(url: str, timeout_s: float = 3.0) -> JwksSource:
    async def fetch() -> dict[str, Any]:
        async with httpx2.AsyncClient(timeout=timeout_s, follow_redirects=False) as client:
            response = await client.get(url)
            response.raise_for_status()
            data: dict[str, Any] = response.json()
            return data

    return fetch


class JwksCache:
    """The issuer's keys, fetched on first use and refreshed on an unknown kid (with a cool-down).
    A failed refresh keeps the last good keys."""

    def __init__(self, source: JwksSource, cooldown_s: float = 30.0) -> None:
        self._source = source
        self._cooldown_s = cooldown_s
        self._keys: KeySet | None = None
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()
        self.fetches = 0

    async def key_set(self, kid: str) -> KeySet | None:
        if self._keys is None or not self._has(kid):
            await self._refresh()
        return self._keys if self._keys is not None and self._has(kid) else None

    def _has(self, kid: str) -> bool:
        assert self._keys is not None
        return any(k.kid == kid for k in self._keys.keys)

    async def _refresh(self) -> None:
        async with self._lock:
            if time.monotonic() - self._fetched_at < self._cooldown_s:
                return
            self._fetched_at = time.monotonic()
            self.fetches += 1
            try:
                self._keys = KeySet.import_key_set(await self._source())  # type: ignore[arg-type]
            except (httpx2.HTTPError, ValueError, JoseError) as exc:
                log.warning("JWKS refresh failed; keeping the last good keys", error=str(exc))


def _header(token: str) -> dict[str, Any]:
    try:
        segment = token.split(".")[0]
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidToken("malformed token") from exc
    if not isinstance(header, dict):
        raise InvalidToken("malformed token header")
    return header


class TokenVerifier:
    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        algorithms: list[str],
        jwks: JwksCache,
        leeway_s: int = 30,
        max_bytes: int = MAX_TOKEN_BYTES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.algorithms = [a for a in algorithms if a.lower() != "none"]
        self.jwks = jwks
        self.leeway_s = leeway_s
        self.max_bytes = max_bytes
        # One clock for both expiry checks (the remembered token's and joserfc's), so tests can move it.
        self.clock = clock
        # SHA-256 of a verified token → its claims; only tokens that passed every check.
        self._verified: OrderedDict[bytes, dict[str, Any]] = OrderedDict()

    async def verify(self, token: str) -> dict[str, Any]:
        """The token's claims, or InvalidToken."""
        if len(token) > self.max_bytes:
            raise InvalidToken("token too large")
        digest = hashlib.sha256(token.encode()).digest()
        known = self._verified.get(digest)
        if known is not None:
            # Signed and checked when first seen; only time moves on (refused on and after exp, as joserfc).
            if self.clock() < float(known["exp"]) + self.leeway_s:
                return dict(known)
            del self._verified[digest]
            raise InvalidToken("token refused: the token has expired")
        claims = await self._check(token)
        self._verified[digest] = dict(claims)
        if len(self._verified) > VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)
        return claims

    async def _check(self, token: str) -> dict[str, Any]:
        """Every check of a token not seen before: its header, key, signature and claims."""
        if token.count(".") != 2:
            raise InvalidToken("not a signed JWT")
        header = _header(token)
        if header.get("alg") not in self.algorithms:
            raise InvalidToken(f"algorithm {header.get('alg')!r} is not accepted")
        if FORBIDDEN_HEADERS & header.keys():
            raise InvalidToken("token carries a key or critical header; keys come only from the issuer")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("token has no key id")
        keys = await self.jwks.key_set(kid)
        if keys is None:
            raise InvalidToken("unknown key id")
        try:
            decoded = jwt.decode(token, keys, algorithms=self.algorithms)
            claims: dict[str, Any] = dict(decoded.claims)
            jwt.JWTClaimsRegistry(
                now=lambda: int(self.clock()),
                leeway=self.leeway_s,
                iss={"essential": True, "value": self.issuer},
                aud={"essential": True, "value": self.audience},
                sub={"essential": True},
                exp={"essential": True},
            ).validate(claims)  # also nbf and iat when present: neither may be in the future
        except (JoseError, ValueError, TypeError) as exc:
            raise InvalidToken(f"token refused: {exc}") from exc
        if not isinstance(claims.get("sub"), str):
            raise InvalidToken("token subject must be a string")
        return claims


def verifier_for(settings: Any) -> TokenVerifier:
    """The verifier for the configured issuer: the dev provider's own key in development, else
    the issuer's JWKS from its discovery document."""
    from hub.auth import keys

    if settings.dev_provider:

        async def local() -> dict[str, Any]:
            return keys.public_jwks(settings)

        source: JwksSource = local
    else:
        source = discovered_jwks(settings.effective_oidc_issuer)
    return TokenVerifier(
        issuer=settings.effective_oidc_issuer,
        audience=settings.oidc_audience,
        algorithms=settings.allowed_algorithms,
        jwks=JwksCache(source),
        leeway_s=settings.token_leeway_s,
    )


def discovered_jwks(issuer: str) -> JwksSource:
    async def fetch() -> dict[str, Any]:
        async with httpx2.AsyncClient(timeout=3.0, follow_redirects=False) as client:
            meta = (await client.get(issuer + "/.well-known/openid-configuration")).raise_for_status().json()
            data: dict[str, Any] = (await client.get(meta["jwks_uri"])).raise_for_status().json()
            return data

    return fetch
