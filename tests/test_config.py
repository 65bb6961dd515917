"""Configuration: safe local defaults, and refusal to run production on development settings."""

import pytest

from hub.config import DEV_NEO4J_PASSWORD, Mode, Settings, SmtpSecurity, UnsafeConfiguration

STRONG = "x" * 40


def settings(**env: str) -> Settings:
    return Settings(**env)  # type: ignore[arg-type]


def test_development_defaults_use_the_embedded_neo4j_on_localhost() -> None:
    s = settings()
    assert (s.mode, s.embedded, s.effective_neo4j_uri, s.host) == (
        Mode.DEVELOPMENT,
        True,
        "bolt://127.0.0.1:7687",
        "127.0.0.1",
    )
    s.check_production()  # development: nothing to refuse


def test_neo4j_uri_selects_an_external_server() -> None:
    s = settings(NEO4J_URI="neo4j://db.example:7687")
    assert (s.embedded, s.effective_neo4j_uri) == (False, "neo4j://db.example:7687")


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        (
            {"NEO4J_URI": "neo4j://db:7687", "NEO4J_PASSWORD": STRONG},
            "HUB_SECRET_KEY is the development default",
        ),
        (
            {"NEO4J_URI": "neo4j://db:7687", "HUB_SECRET_KEY": STRONG},
            "NEO4J_PASSWORD is the development default",
        ),
        (
            {"NEO4J_URI": "neo4j://db:7687", "HUB_SECRET_KEY": "short", "NEO4J_PASSWORD": STRONG},
            "HUB_SECRET_KEY must be at least 32 characters",
        ),
        ({"HUB_SECRET_KEY": STRONG, "NEO4J_PASSWORD": STRONG}, "NEO4J_URI must point at a managed Neo4j"),
        ({}, "HUB_OIDC_ISSUER must name the organisation's identity provider"),
        ({"HUB_OIDC_ISSUER": "http://idp.local"}, "HUB_OIDC_ISSUER must be an https:// URL"),
        ({}, "HUB_OIDC_CLIENT_SECRET is the development default"),
        ({"HUB_PUBLIC_URL": "http://hub.local"}, "HUB_PUBLIC_URL must be the hub's https:// address"),
        ({"HUB_OIDC_ALGORITHMS": "RS256,HS256"}, "HUB_OIDC_ALGORITHMS must list asymmetric algorithms only"),
        ({"HUB_OIDC_ALGORITHMS": "none"}, "HUB_OIDC_ALGORITHMS must list asymmetric algorithms only"),
        ({}, "HUB_SMTP_HOST must name the mail server"),
        ({"HUB_SMTP_HOST": "smtp.gov.lv"}, "HUB_MAIL_FROM must be the hub's sender address"),
        ({"HUB_SMTP_SECURITY": "none"}, "HUB_SMTP_SECURITY must be starttls or tls"),
        ({"HUB_MAIL_SINK": "true"}, "HUB_MAIL_SINK is for development only"),
    ],
)
def test_production_refuses_development_settings(env: dict[str, str], problem: str) -> None:
    with pytest.raises(UnsafeConfiguration) as error:
        settings(HUB_MODE="production", **env).check_production()
    assert problem in str(error.value)


def test_production_with_real_settings_starts() -> None:
    s = settings(
        HUB_MODE="production",
        NEO4J_URI="neo4j://db:7687",
        HUB_SECRET_KEY=STRONG,
        NEO4J_PASSWORD=STRONG,
        HUB_OIDC_ISSUER="https://idp.gov.lv/realms/vad",
        HUB_OIDC_CLIENT_SECRET=STRONG,
        HUB_PUBLIC_URL="https://sadarbe.gov.lv",
        HUB_SMTP_HOST="smtp.gov.lv",
        HUB_MAIL_FROM="Sadarbe <sadarbe@gov.lv>",
    )
    s.check_production()
    assert not s.dev_provider
    assert s.neo4j_password.get_secret_value() != DEV_NEO4J_PASSWORD


def test_production_without_email_needs_no_mail_server() -> None:
    s = settings(HUB_MODE="production", HUB_EMAIL_NOTIFICATIONS="false")
    with pytest.raises(UnsafeConfiguration) as error:
        s.check_production()
    assert "HUB_SMTP_HOST" not in str(error.value) and "HUB_MAIL_FROM" not in str(error.value)


def test_the_mail_sink_takes_the_hubs_mail_in_development() -> None:
    assert settings().smtp_endpoint is None  # no server named: nothing is sent
    assert settings(HUB_MAIL_SINK="true", HUB_SMTP_HOST="smtp.gov.lv").smtp_endpoint == (
        "127.0.0.1",
        8025,
        SmtpSecurity.NONE,
    )
    assert settings(
        HUB_SMTP_HOST="smtp.gov.lv", HUB_SMTP_PORT="465", HUB_SMTP_SECURITY="tls"
    ).smtp_endpoint == (
        "smtp.gov.lv",
        465,
        SmtpSecurity.TLS,
    )


def test_a_bad_port_is_refused_at_load() -> None:
    with pytest.raises(ValueError, match="HUB_PORT"):
        settings(HUB_PORT="70000")


def test_cors_origins_are_comma_separated_without_trailing_slashes() -> None:
    s = settings(HUB_CORS_ORIGINS="https://sadarbe.gov.lv/, https://admin.sadarbe.gov.lv")
    assert s.cors_origins == ["https://sadarbe.gov.lv", "https://admin.sadarbe.gov.lv"]
    assert settings().cors_origins == []


def test_production_refuses_a_wildcard_cors_origin() -> None:
    s = settings(
        HUB_MODE="production",
        HUB_SECRET_KEY=STRONG,
        NEO4J_PASSWORD=STRONG,
        NEO4J_URI="neo4j://db:7687",
        HUB_CORS_ORIGINS="*",
    )
    with pytest.raises(UnsafeConfiguration, match=r"HUB_CORS_ORIGINS must list origins, not \*"):
        s.check_production()


@pytest.mark.parametrize(
    ("env", "traces_url"),
    [
        ({}, None),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": ""}, None),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/"}, "http://collector:4318/v1/traces"),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://otlp.example/t"}, "https://otlp.example/t"),
        (
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://traces:4318/v1/traces",
            },
            "http://traces:4318/v1/traces",
        ),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_SDK_DISABLED": "true"}, None),
    ],
    ids=["unset", "empty", "base-url", "traces-url", "traces-url-first", "sdk-disabled"],
)
def test_spans_go_where_the_standard_otlp_variables_say(env: dict[str, str], traces_url: str | None) -> None:
    assert settings(**env).otlp_traces_url == traces_url


def test_an_otlp_endpoint_that_is_not_an_http_url_is_refused_at_load() -> None:
    with pytest.raises(ValueError, match="OTEL_EXPORTER_OTLP_ENDPOINT"):
        settings(OTEL_EXPORTER_OTLP_ENDPOINT="collector:4317")
