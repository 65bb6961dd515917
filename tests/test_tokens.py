"""Bearer-token validation (hub/auth/tokens.py) against a real JWKS server on 127.0.0.1: every
attack from the security checklist (JWT-01..14) is refused, and key fetching is bounded."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from hub.auth import tokens
from hub.auth.tokens import MAX_TOKEN_BYTES, InvalidToken, JwksCache, TokenVerifier, http_jwks

ISSUER = "https://idp.test/realms/gov"
AUDIENCE = "sadarbe-api"


class JwksServer:
    """A real HTTP server publishing a JWKS, counting the requests it gets."""

    def __init__(self) -> None:
        self.keys: list[RSAKey] = []
        self.requests = 0
        self.down = False
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests += 1
                if outer.down:
                    self.send_response(503)
                    self.end_headers()
                    return
                body = json.dumps(KeySet(outer.keys).as_dict(private=False)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/jwks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def new_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "alg": "RS256"})


@pytest.fixture
def idp() -> Iterator[JwksServer]:
    server = JwksServer()
    server.keys.append(new_key("k1"))
    yield server
    server.close()


@pytest.fixture
def attacker() -> Iterator[JwksServer]:
    server = JwksServer()
    server.keys.append(new_key("evil"))
    yield server
    server.close()


def verifier(idp: JwksServer, cooldown_s: float = 30.0) -> TokenVerifier:
    return TokenVerifier(
        issuer=ISSUER,
        audience=AUDIENCE,
        algorithms=["RS256"],
        jwks=JwksCache(http_jwks(idp.url), cooldown_s=cooldown_s),
        leeway_s=30,
    )


def claims(**over: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "u1",
        "email": "a@b.lv",
        "iat": now,
        "nbf": now,
        "exp": now + 300,
    }
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


def sign(key: RSAKey, body: dict[str, Any], **header: Any) -> str:
    return jwt.encode({"alg": "RS256", "kid": key.kid, **header}, body, key)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def raw_token(header: dict[str, Any], body: dict[str, Any], signature: bytes = b"") -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(body).encode())}.{b64(signature)}"


async def refused(v: TokenVerifier, token: str) -> str:
    with pytest.raises(InvalidToken) as error:
        await v.verify(token)
    return str(error.value)


async def test_a_valid_rs256_token_is_accepted_with_its_subject(idp: JwksServer) -> None:
    result = await verifier(idp).verify(sign(idp.keys[0], claims()))
    assert (result["sub"], result["email"]) == ("u1", "a@b.lv")


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
async def test_alg_none_is_refused(idp: JwksServer, alg: str) -> None:
    token = raw_token({"alg": alg, "kid": "k1"}, claims())
    assert "not accepted" in await refused(verifier(idp), token)


async def test_hs256_signed_with_the_public_key_is_refused(idp: JwksServer) -> None:
    pem = idp.keys[0].as_pem(private=False)
    header = {"alg": "HS256", "kid": "k1", "typ": "JWT"}
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims()).encode())}"
    mac = hmac.HMAC(pem, hashes.SHA256())
    mac.update(signing_input.encode())
    token = f"{signing_input}.{b64(mac.finalize())}"
    assert "not accepted" in await refused(verifier(idp), token)


async def test_an_attackers_key_in_the_jwk_header_is_refused(idp: JwksServer) -> None:
    evil = new_key("k1")  # even claiming the real kid
    token = sign(evil, claims(), jwk=evil.as_dict(private=False))
    await refused(verifier(idp), token)


async def test_a_signature_by_another_key_with_the_real_kid_is_refused(idp: JwksServer) -> None:
    await refused(verifier(idp), sign(new_key("k1"), claims()))


@pytest.mark.parametrize("header", ["jku", "x5u"])
async def test_a_key_url_header_makes_no_outbound_fetch(
    idp: JwksServer, attacker: JwksServer, header: str
) -> None:
    token = sign(attacker.keys[0], claims(), **{header: attacker.url})
    await refused(verifier(idp), token)
    assert attacker.requests == 0


async def test_an_unknown_kid_triggers_one_refresh_and_is_refused(idp: JwksServer) -> None:
    v = verifier(idp, cooldown_s=0)
    await v.verify(sign(idp.keys[0], claims()))
    assert idp.requests == 1
    assert await refused(v, sign(new_key("k9"), claims())) == "unknown key id"
    assert idp.requests == 2


async def test_a_flood_of_unknown_kids_within_the_cooldown_costs_at_most_one_fetch(idp: JwksServer) -> None:
    v = verifier(idp)
    await v.verify(sign(idp.keys[0], claims()))
    for n in range(20):
        await refused(v, sign(new_key(f"forged{n}"), claims()))
    assert idp.requests == 1  # the first fetch was within the cool-down: no refresh at all


async def test_a_rotated_key_is_accepted_after_one_refresh_and_the_old_key_still_works(
    idp: JwksServer,
) -> None:
    v = verifier(idp, cooldown_s=0)
    old = idp.keys[0]
    await v.verify(sign(old, claims()))
    idp.keys.append(new_key("k2"))
    await v.verify(sign(idp.keys[1], claims()))
    await v.verify(sign(old, claims()))
    assert idp.requests == 2


async def test_a_failed_refresh_keeps_the_last_good_keys(idp: JwksServer) -> None:
    v = verifier(idp, cooldown_s=0)
    await v.verify(sign(idp.keys[0], claims()))
    idp.down = True
    await refused(v, sign(new_key("k7"), claims()))  # refresh attempted and failed
    assert (await v.verify(sign(idp.keys[0], claims())))["sub"] == "u1"


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("expired", {"exp": -31}),
        ("missing exp", {"exp": None}),
        ("not yet valid", {"nbf": +120}),
        ("issued in the future", {"iat": +120}),
        ("wrong iss", {"iss": "https://evil.test/realms/gov"}),
        ("iss with trailing slash", {"iss": ISSUER + "/"}),
        ("missing iss", {"iss": None}),
        ("wrong aud", {"aud": "other-api"}),
        ("missing aud", {"aud": None}),
        ("aud list without ours", {"aud": ["a", "b"]}),
        ("an ID token (aud = client id)", {"aud": "sadarbe-hub"}),
        ("missing sub", {"sub": None}),
    ],
)
async def test_bad_claims_are_refused(idp: JwksServer, name: str, body: dict[str, Any]) -> None:
    # exp and nbf are seconds from now, taken when the test runs (not when it was collected).
    now = int(time.time())
    body = {k: now + v if k in ("exp", "nbf", "iat") and isinstance(v, int) else v for k, v in body.items()}
    await refused(verifier(idp), sign(idp.keys[0], claims(**body)))


@pytest.mark.parametrize(
    "body",
    [{"nbf": None}, {"nbf": None, "iat": None}, {"nbf": +20}, {"iat": +20}],
    ids=["no nbf (RFC 9068)", "neither nbf nor iat", "nbf within the leeway", "iat within the leeway"],
)
async def test_optional_time_claims_are_accepted_when_absent_or_within_the_leeway(
    idp: JwksServer, body: dict[str, Any]
) -> None:
    now = int(time.time())
    body = {k: now + v if isinstance(v, int) else v for k, v in body.items()}
    assert (await verifier(idp).verify(sign(idp.keys[0], claims(**body))))["sub"] == "u1"


async def test_expiry_within_the_leeway_is_accepted(idp: JwksServer) -> None:
    await verifier(idp).verify(sign(idp.keys[0], claims(exp=int(time.time()) - 5)))


async def test_a_tampered_payload_is_refused(idp: JwksServer) -> None:
    head, _, sig = sign(idp.keys[0], claims()).split(".")
    forged = b64(json.dumps(claims(sub="admin")).encode())
    await refused(verifier(idp), f"{head}.{forged}.{sig}")


@pytest.mark.parametrize("token", ["abc", "a.b", "!!!.***.###", "", "a.b.c.d.e"])
async def test_malformed_tokens_are_refused(idp: JwksServer, token: str) -> None:
    await refused(verifier(idp), token)


async def test_a_truncated_token_is_refused(idp: JwksServer) -> None:
    await refused(verifier(idp), sign(idp.keys[0], claims())[:-10])


async def test_an_oversized_token_is_refused_before_parsing(idp: JwksServer) -> None:
    token = sign(idp.keys[0], claims(pad="x" * 1_000_000))
    assert len(token) > MAX_TOKEN_BYTES
    assert await refused(verifier(idp), token) == "token too large"
    assert idp.requests == 0  # refused before any key was looked up


async def test_a_crit_header_is_refused(idp: JwksServer) -> None:
    # joserfc will not even produce this header, so sign it by hand with the real key
    header = {"alg": "RS256", "kid": "k1", "crit": ["x-unknown"], "x-unknown": 1}
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims()).encode())}"
    signature = idp.keys[0].private_key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    await refused(verifier(idp), f"{signing_input}.{b64(signature)}")


async def test_a_private_key_never_appears_in_the_published_jwks() -> None:
    key = new_key("k1")
    published = KeySet([key]).as_dict(private=False)
    assert "d" not in published["keys"][0]


async def test_pem_serialisation_matches_cryptography(idp: JwksServer) -> None:
    # guards the HS256 attack above: the PEM used as HMAC secret is the real public key
    pem = idp.keys[0].as_pem(private=False)
    assert serialization.load_pem_public_key(pem) is not None


class CountingVerifier(TokenVerifier):
    """Counts the full checks (signature and claims) it makes."""

    checks = 0

    async def _check(self, token: str) -> dict[str, Any]:
        self.checks += 1
        return await super()._check(token)


def counting_verifier(
    idp: JwksServer, leeway_s: int = 30, clock: Callable[[], float] = time.time
) -> CountingVerifier:
    return CountingVerifier(
        issuer=ISSUER,
        audience=AUDIENCE,
        algorithms=["RS256"],
        jwks=JwksCache(http_jwks(idp.url)),
        leeway_s=leeway_s,
        clock=clock,
    )


async def test_a_token_seen_before_is_not_checked_again_and_gives_the_same_claims(idp: JwksServer) -> None:
    v = counting_verifier(idp)
    token = sign(idp.keys[0], claims())

    first, second = await v.verify(token), await v.verify(token)

    assert first == second
    assert v.checks == 1


async def test_a_remembered_token_is_refused_once_it_expires(idp: JwksServer) -> None:
    now = [1_900_000_000.0]
    v = counting_verifier(idp, leeway_s=0, clock=lambda: now[0])
    token = sign(idp.keys[0], claims(iat=1_900_000_000, nbf=1_900_000_000, exp=1_900_000_060))
    await v.verify(token)

    now[0] = 1_900_000_060.0  # the token's exp: no longer accepted (RFC 7519 4.1.4)

    assert "expired" in await refused(v, token)
    assert v.checks == 1


async def test_a_verifier_accepts_a_token_until_its_exp_on_its_own_clock(idp: JwksServer) -> None:
    v = counting_verifier(idp, leeway_s=0, clock=lambda: 1_900_000_059.0)
    token = sign(idp.keys[0], claims(iat=1_900_000_000, nbf=1_900_000_000, exp=1_900_000_060))

    assert (await v.verify(token))["exp"] == 1_900_000_060


async def test_a_refused_token_is_checked_again_every_time(idp: JwksServer) -> None:
    v = counting_verifier(idp)
    head, _, sig = sign(idp.keys[0], claims()).split(".")
    forged = f"{head}.{b64(json.dumps(claims(sub='admin')).encode())}.{sig}"

    await refused(v, forged)
    await refused(v, forged)

    assert v.checks == 2


async def test_the_remembered_tokens_are_bounded_oldest_out(
    idp: JwksServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tokens, "VERIFIED_CACHE_SIZE", 2)
    v = counting_verifier(idp)
    oldest, *newer = [sign(idp.keys[0], claims(sub=f"u{i}")) for i in range(3)]
    for token in [oldest, *newer]:
        await v.verify(token)

    await v.verify(newer[-1])
    await v.verify(oldest)

    assert v.checks == 4  # three first sightings, then the oldest again
