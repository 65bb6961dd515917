"""The development provider's RS256 signing key, and tokens it signs for demo users.

Kept in HUB_DATA_DIR (mode 0600) so `hub token` and a running hub sign and verify with the same
key, and tokens survive a restart. Development only: production verifies against the real
issuer's JWKS and never signs anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from hub.config import Settings

ALGORITHM = "RS256"
TOKEN_TTL_S = 3600


class DevOnly(RuntimeError):
    """Raised when a development-only facility is used in production mode."""


def _key_path(settings: Settings) -> Path:
    return settings.data_dir / "dev-oidc-key.json"


# Loaded keys by file (and its mtime): importing a private RSA key is slow CPU work, too much to
# repeat for every token a test or benchmark signs.
_loaded: dict[tuple[Path, float], RSAKey] = {}


def signing_key(settings: Settings) -> RSAKey:
    """The dev provider's private key, created on first use (atomically: several processes share it)."""
    if settings.production:
        raise DevOnly("the development identity provider never runs in production mode")
    path = _key_path(settings)
    if path.exists() and (path, path.stat().st_mtime) in _loaded:
        return _loaded[(path, path.stat().st_mtime)]
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = RSAKey.generate_key(
            2048, parameters={"kid": uuid.uuid4().hex[:16], "alg": ALGORITHM, "use": "sig"}
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process won the race: use its key
        else:
            with os.fdopen(fd, "w") as f:
                json.dump(key.as_dict(private=True), f)
    for _ in range(50):  # the winner may still be writing
        try:
            key = RSAKey.import_key(json.loads(path.read_text()))
        except (json.JSONDecodeError, ValueError):
            time.sleep(0.05)
        else:
            _loaded[(path, path.stat().st_mtime)] = key
            return key
    raise RuntimeError(f"unreadable development key at {path}")


def public_jwks(settings: Settings) -> dict[str, Any]:
    jwks: dict[str, Any] = dict(KeySet([signing_key(settings)]).as_dict(private=False))
    return jwks


def sign(settings: Settings, claims: dict[str, Any]) -> str:
    key = signing_key(settings)
    return jwt.encode({"alg": ALGORITHM, "kid": key.kid, "typ": "JWT"}, claims, key)


def dev_subject(email: str) -> str:
    """The subject of a development account with no Person (a bootstrap administrator): stable and
    opaque, as an identity provider's is, never the e-mail itself."""
    return "dev-" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:24]


def access_token(
    settings: Settings, *, email: str, subject: str, ttl_s: int = TOKEN_TTL_S, email_verified: bool = True
) -> str:
    """An API token for a user of the dev provider, as a real IdP would issue it (RFC 9068, with the
    e-mail claims of the `email` scope)."""
    now = int(time.time())
    return sign(
        settings,
        {
            "iss": settings.effective_oidc_issuer,
            "aud": settings.oidc_audience,
            "sub": subject,
            "client_id": settings.oidc_client_id,
            "email": email,
            "email_verified": email_verified,
            "iat": now,
            "nbf": now,
            "exp": now + ttl_s,
            "jti": uuid.uuid4().hex,
        },
    )
