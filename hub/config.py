"""All configuration, read from the environment in one place.

Defaults are safe for local development; `Settings.check_production()` refuses to start a
production deployment that still carries a development default.
"""

from __future__ import annotations

from datetime import time
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEV_NEO4J_PASSWORD = "sadarbe-dev-password"  # noqa: S105 - development default, refused in production
DEV_SECRET_KEY = "sadarbe-dev-secret-key-not-for-production"  # noqa: S105 - refused in production
DEV_OIDC_CLIENT_SECRET = "sadarbe-dev-oidc-client-secret"  # noqa: S105 - refused in production
DEV_OIDC_PATH = "/dev-oidc"


class Mode(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class SmtpSecurity(StrEnum):
    STARTTLS = "starttls"  # plain connection upgraded with STARTTLS (port 587)
    TLS = "tls"  # TLS from the first byte (port 465)
    NONE = "none"  # no encryption: only a local relay or the development mail sink


DEV_MAIL_FROM = "Sadarbe <sadarbe@localhost>"


class UnsafeConfiguration(RuntimeError):
    """Raised at start-up when production mode meets a development-only setting."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", populate_by_name=True)

    mode: Mode = Field(Mode.DEVELOPMENT, alias="HUB_MODE")
    host: str = Field("127.0.0.1", alias="HUB_HOST")
    port: int = Field(8000, alias="HUB_PORT", ge=1, le=65535)
    secret_key: SecretStr = Field(SecretStr(DEV_SECRET_KEY), alias="HUB_SECRET_KEY")
    data_dir: Path = Field(Path(".data"), alias="HUB_DATA_DIR")
    log_level: str = Field("info", alias="HUB_LOG_LEVEL")

    # An external Neo4j (Docker image, Aura, a cluster). Unset: the embedded launcher is used.
    neo4j_uri: str | None = Field(None, alias="NEO4J_URI")
    neo4j_user: str = Field("neo4j", alias="NEO4J_USER")
    neo4j_password: SecretStr = Field(SecretStr(DEV_NEO4J_PASSWORD), alias="NEO4J_PASSWORD")
    neo4j_database: str = Field("neo4j", alias="NEO4J_DATABASE")
    neo4j_pool_size: int = Field(50, alias="NEO4J_POOL_SIZE", ge=1)
    neo4j_connect_timeout_s: float = Field(3.0, alias="NEO4J_CONNECT_TIMEOUT", gt=0)
    neo4j_query_timeout_s: float = Field(10.0, alias="NEO4J_QUERY_TIMEOUT", gt=0)

    # The embedded launcher (infra/neo4j), used only when NEO4J_URI is unset.
    embedded_bolt_port: int = Field(7687, alias="HUB_NEO4J_BOLT_PORT", ge=1, le=65535)
    embedded_heap: str = Field("1g", alias="HUB_NEO4J_HEAP")
    embedded_pagecache: str = Field("512m", alias="HUB_NEO4J_PAGECACHE")

    seed_demo_people: int = Field(3000, alias="HUB_DEMO_PEOPLE", ge=0, le=100_000)
    max_page_size: int = Field(100, alias="HUB_MAX_PAGE_SIZE", ge=1, le=1000)

    # Abuse resistance (hub/limits.py, hub/middleware.py).
    max_query_cost: int = Field(20_000, alias="HUB_MAX_QUERY_COST", ge=1)
    rate_limit_points: int = Field(200_000, alias="HUB_RATE_LIMIT_POINTS", ge=1)
    max_body_bytes: int = Field(1_000_000, alias="HUB_MAX_BODY_BYTES", ge=1024)
    # Comma-separated origins allowed to call /graphql from a browser; empty: none.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list, alias="HUB_CORS_ORIGINS")
    idempotency_ttl_s: int = Field(86_400, alias="HUB_IDEMPOTENCY_TTL", ge=60)
    # Bearer token /metrics demands in production (unset there: /metrics answers 404).
    metrics_token: SecretStr | None = Field(None, alias="HUB_METRICS_TOKEN")

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [o.strip().rstrip("/") for o in value.split(",") if o.strip()]
        return value

    # Live activity (GraphQL subscriptions over graphql-transport-ws on /graphql).
    redis_url: str | None = Field(None, alias="REDIS_URL")  # unset: an in-process broker
    activity_retention_days: int = Field(365, alias="HUB_ACTIVITY_RETENTION_DAYS", ge=1)
    ws_legacy_protocol: bool = Field(False, alias="HUB_WS_LEGACY_PROTOCOL")  # also serve graphql-ws
    ws_init_timeout_s: float = Field(5.0, alias="HUB_WS_INIT_TIMEOUT", gt=0, le=60)
    ws_max_subscriptions: int = Field(20, alias="HUB_WS_MAX_SUBSCRIPTIONS", ge=1, le=1000)
    ws_max_message_bytes: int = Field(64 * 1024, alias="HUB_WS_MAX_MESSAGE_BYTES", ge=1024)
    ws_queue_size: int = Field(256, alias="HUB_WS_QUEUE_SIZE", ge=1)
    # uvicorn pings every interval and drops a client that has not answered within it.
    # permessage-deflate costs CPU per frame and zlib state per connection for small JSON frames.
    ws_compression: bool = Field(False, alias="HUB_WS_COMPRESSION")
    ws_ping_interval_s: float = Field(20.0, alias="HUB_WS_PING_INTERVAL", gt=0)
    live_gap_wait_s: float = Field(0.05, alias="HUB_LIVE_GAP_WAIT", ge=0, le=5)

    # Trusted documents (hub/api/trusted_documents.py): the id → document manifest the web app's
    # build writes (unset: the built web app's own), and whether requests without a bearer token
    # (cookie sessions, callers not signed in) may run only those. Why: a browser session then runs
    # only what the web app runs, whatever a script in the page or a forged request sends; API
    # clients, signed in with bearer tokens issued to them, keep sending their own documents. Off
    # by default (development: GraphiQL and hand-written queries); production turns it on.
    trusted_documents_manifest: Path | None = Field(None, alias="HUB_TRUSTED_DOCUMENTS_MANIFEST")
    trusted_documents_only: bool = Field(False, alias="HUB_TRUSTED_DOCUMENTS_ONLY")

    @model_validator(mode="after")
    def _trusted_documents_need_graphql_transport_ws(self) -> Settings:
        # The legacy protocol's handler takes only document text, from sessions too.
        if self.trusted_documents_only and self.ws_legacy_protocol:
            raise ValueError(
                "HUB_TRUSTED_DOCUMENTS_ONLY cannot be kept over the legacy graphql-ws protocol: "
                "turn HUB_WS_LEGACY_PROTOCOL off"
            )
        return self

    # Sign-in (OpenID Connect) and API tokens. Unset issuer in development: the built-in dev provider.
    public_url: str | None = Field(None, alias="HUB_PUBLIC_URL")
    oidc_issuer: str | None = Field(None, alias="HUB_OIDC_ISSUER")
    oidc_client_id: str = Field("sadarbe-hub", alias="HUB_OIDC_CLIENT_ID")
    oidc_client_secret: SecretStr = Field(SecretStr(DEV_OIDC_CLIENT_SECRET), alias="HUB_OIDC_CLIENT_SECRET")
    oidc_audience: str = Field("sadarbe-api", alias="HUB_OIDC_AUDIENCE")
    oidc_algorithms: str = Field("RS256", alias="HUB_OIDC_ALGORITHMS")
    token_leeway_s: int = Field(30, alias="HUB_TOKEN_LEEWAY", ge=0, le=300)
    session_max_age_s: int = Field(8 * 3600, alias="HUB_SESSION_MAX_AGE", ge=60)
    admin_emails: str = Field("", alias="HUB_ADMIN_EMAILS")

    # Tracing (hub/tracing.py): OpenTelemetry spans over OTLP/HTTP, under the standard variables'
    # names. Neither endpoint set, or OTEL_SDK_DISABLED: no tracing. The SDK reads the other
    # OTEL_* variables itself (headers, timeout, compression, sampler, batching, propagators).
    otlp_endpoint: str | None = Field(None, alias="OTEL_EXPORTER_OTLP_ENDPOINT")  # a collector's base URL
    otlp_traces_endpoint: str | None = Field(None, alias="OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")  # used as is
    otel_sdk_disabled: bool = Field(False, alias="OTEL_SDK_DISABLED")
    otel_service_name: str = Field("sadarbe-hub", alias="OTEL_SERVICE_NAME", min_length=1)

    @field_validator("otlp_endpoint", "otlp_traces_endpoint")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        # A typo is refused at start; an unreachable collector only loses spans (hub/tracing.py).
        if not value:
            return None  # set but empty: unset, as the SDK reads it
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL (OTLP over HTTP)")
        return value

    @property
    def otlp_traces_url(self) -> str | None:
        """Where spans go, as the OTLP exporter specification resolves it; None: tracing is off."""
        if self.otel_sdk_disabled:
            return None
        if self.otlp_traces_endpoint:
            return self.otlp_traces_endpoint
        if self.otlp_endpoint:
            return self.otlp_endpoint.rstrip("/") + "/v1/traces"
        return None

    # E-mail notifications (graph/outbox.py, hub/mail/): delivered over SMTP by the job runner.
    email_notifications: bool = Field(True, alias="HUB_EMAIL_NOTIFICATIONS")
    smtp_host: str | None = Field(None, alias="HUB_SMTP_HOST")  # unset in development: not sent
    smtp_port: int = Field(587, alias="HUB_SMTP_PORT", ge=1, le=65535)
    smtp_security: SmtpSecurity = Field(SmtpSecurity.STARTTLS, alias="HUB_SMTP_SECURITY")
    smtp_user: str | None = Field(None, alias="HUB_SMTP_USER")
    smtp_password: SecretStr | None = Field(None, alias="HUB_SMTP_PASSWORD")
    smtp_timeout_s: float = Field(10.0, alias="HUB_SMTP_TIMEOUT", gt=0, le=120)
    mail_from: str = Field(DEV_MAIL_FROM, alias="HUB_MAIL_FROM")
    # Development: `hub serve` starts a mail sink (aiosmtpd) on this port, writing .eml files to
    # HUB_DATA_DIR/mail, and sends the hub's mail there.
    mail_sink: bool = Field(False, alias="HUB_MAIL_SINK")
    mail_sink_port: int = Field(8025, alias="HUB_MAIL_SINK_PORT", ge=1, le=65535)
    outbox_poll_s: float = Field(5.0, alias="HUB_OUTBOX_POLL", gt=0, le=3600)
    outbox_max_attempts: int = Field(12, alias="HUB_OUTBOX_MAX_ATTEMPTS", ge=1, le=100)
    # A round of tries that failed waits this long before the next round, doubled per round.
    outbox_retry_base_s: float = Field(60.0, alias="HUB_OUTBOX_RETRY_BASE", gt=0, le=86_400)
    outbox_retention_days: int = Field(90, alias="HUB_OUTBOX_RETENTION_DAYS", ge=1)
    digest_time: time = Field(time(7, 0), alias="HUB_DIGEST_TIME")  # Europe/Riga
    mandate_notice_days: int = Field(14, alias="HUB_MANDATE_NOTICE_DAYS", ge=1, le=365)
    deadline_notice_days: int = Field(7, alias="HUB_DEADLINE_NOTICE_DAYS", ge=1, le=365)
    invitation_notice_days: int = Field(2, alias="HUB_INVITATION_NOTICE_DAYS", ge=1, le=60)

    # Timed jobs (hub/jobs/): one runner at a time across replicas, through a lease in Neo4j.
    jobs_runner: bool = Field(True, alias="HUB_JOBS_RUNNER")
    jobs_lease_ttl_s: float = Field(30.0, alias="HUB_JOBS_LEASE_TTL", ge=1, le=3600)

    @property
    def smtp_endpoint(self) -> tuple[str, int, SmtpSecurity] | None:
        """Where mail goes: the development sink, the configured server, or nowhere (None)."""
        if not self.email_notifications:
            return None
        if self.mail_sink:
            return "127.0.0.1", self.mail_sink_port, SmtpSecurity.NONE
        if self.smtp_host:
            return self.smtp_host, self.smtp_port, self.smtp_security
        return None

    @property
    def effective_public_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def dev_provider(self) -> bool:
        """The built-in OIDC provider runs only in development and only when no issuer is set."""
        return not self.production and not self.oidc_issuer

    @property
    def effective_oidc_issuer(self) -> str:
        return (self.oidc_issuer or self.effective_public_url + DEV_OIDC_PATH).rstrip("/")

    @property
    def allowed_algorithms(self) -> list[str]:
        return [a.strip() for a in self.oidc_algorithms.split(",") if a.strip()]

    @property
    def bootstrap_admins(self) -> frozenset[str]:
        return _email_set(self.admin_emails)  # read on every request: parsed once per value

    @property
    def production(self) -> bool:
        return self.mode is Mode.PRODUCTION

    @property
    def embedded(self) -> bool:
        return not self.neo4j_uri

    @property
    def effective_neo4j_uri(self) -> str:
        return self.neo4j_uri or f"bolt://127.0.0.1:{self.embedded_bolt_port}"

    @property
    def embedded_data_dir(self) -> Path:
        return self.data_dir / "neo4j"

    def check_production(self) -> None:
        """Refuse development defaults when running in production mode."""
        if not self.production:
            return
        problems = []
        if self.secret_key.get_secret_value() == DEV_SECRET_KEY:
            problems.append("HUB_SECRET_KEY is the development default")
        if len(self.secret_key.get_secret_value()) < 32:
            problems.append("HUB_SECRET_KEY must be at least 32 characters")
        if self.neo4j_password.get_secret_value() == DEV_NEO4J_PASSWORD:
            problems.append("NEO4J_PASSWORD is the development default")
        if self.embedded:
            problems.append("NEO4J_URI must point at a managed Neo4j in production")
        if "*" in self.cors_origins:
            problems.append("HUB_CORS_ORIGINS must list origins, not *")
        if not self.oidc_issuer:
            problems.append("HUB_OIDC_ISSUER must name the organisation's identity provider")
        elif not self.oidc_issuer.startswith("https://"):
            problems.append("HUB_OIDC_ISSUER must be an https:// URL")
        if self.oidc_client_secret.get_secret_value() == DEV_OIDC_CLIENT_SECRET:
            problems.append("HUB_OIDC_CLIENT_SECRET is the development default")
        if not (self.public_url or "").startswith("https://"):
            problems.append("HUB_PUBLIC_URL must be the hub's https:// address")
        if any(a.lower() == "none" or a.upper().startswith("HS") for a in self.allowed_algorithms):
            problems.append("HUB_OIDC_ALGORITHMS must list asymmetric algorithms only")
        if self.mail_sink:
            problems.append("HUB_MAIL_SINK is for development only")
        if self.email_notifications:
            # E-mail is on unless turned off explicitly (HUB_EMAIL_NOTIFICATIONS=false).
            if not self.smtp_host:
                problems.append("HUB_SMTP_HOST must name the mail server (or HUB_EMAIL_NOTIFICATIONS=false)")
            if self.mail_from == DEV_MAIL_FROM:
                problems.append("HUB_MAIL_FROM must be the hub's sender address")
            if self.smtp_security is SmtpSecurity.NONE:
                problems.append("HUB_SMTP_SECURITY must be starttls or tls")
        if problems:
            raise UnsafeConfiguration("refusing to start in production mode: " + "; ".join(problems))


@lru_cache(maxsize=8)
def _email_set(emails: str) -> frozenset[str]:
    return frozenset(e.strip().lower() for e in emails.split(",") if e.strip())


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
