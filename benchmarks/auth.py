"""Signing benchmark clients in: the hub authorises every operation, so a benchmark acts as a
bootstrap administrator (HUB_ADMIN_EMAILS) with a token signed by the development provider's key,
exactly as `hub token --user EMAIL --port P` prints it. Development mode only: production verifies
against a real issuer and never signs anything."""

from __future__ import annotations

import functools
from pathlib import Path

from hub.auth import keys
from hub.config import Settings

BENCH_ADMIN = "bench-admin@sadarbe.test"
TOKEN_TTL_S = 12 * 3600  # longer than any run


def hub_env(data_dir: Path) -> dict[str, str]:
    """Settings for a benchmarked hub: the benchmark's administrator, where the dev key lives, and a
    rate limit the benchmark cannot reach."""
    # The rate limit is per caller, and the benchmark is one caller doing the work of many: at
    # the default budget it would be refused (RATE_LIMITED) long before the hub is saturated. The
    # limiter still runs and charges every request.
    return {
        "HUB_ADMIN_EMAILS": BENCH_ADMIN,
        "HUB_DATA_DIR": str(data_dir),
        "HUB_RATE_LIMIT_POINTS": "1000000000",
    }


@functools.cache
def _settings(port: int, data_dir: Path) -> Settings:
    return Settings(HUB_MODE="development", HUB_PORT=port, HUB_DATA_DIR=data_dir)


def token(port: int, data_dir: Path, email: str = BENCH_ADMIN) -> str:
    """A bearer token the development hub on `port` (with `hub_env(data_dir)`) accepts for `email`."""
    return keys.access_token(
        _settings(port, data_dir), email=email, subject=keys.dev_subject(email), ttl_s=TOKEN_TTL_S
    )


def bearer(port: int, data_dir: Path, email: str = BENCH_ADMIN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(port, data_dir, email)}"}
