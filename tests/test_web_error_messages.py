"""Every error code the hub can send has a sentence in both of the web app's languages, so no
refusal the reader could act on (a map too large, a rate limit) shows as "unexpected error"."""

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import graph
from graph.errors import DomainError

# Import every graph module so each DomainError subclass is registered, wherever it is defined.
for _module in pkgutil.walk_packages(graph.__path__, "graph."):
    importlib.import_module(_module.name)

I18N = Path(__file__).resolve().parents[1] / "frontend" / "src" / "i18n"

# Codes the hub itself attaches outside DomainError: cost and rate limits (hub/limits.py), the body
# size guard (hub/middleware.py), validation and masked errors (hub/api/errors.py), a request it
# cannot read (hub/graphql_http.py, hub/api/request_checks.py), trusted documents
# (hub/api/trusted_documents.py).
HUB_CODES = {
    "QUERY_TOO_COSTLY",
    "RATE_LIMITED",
    "REQUEST_TOO_LARGE",
    "GRAPHQL_VALIDATION_FAILED",
    "BAD_REQUEST",
    "PERSISTED_QUERY_NOT_FOUND",
    "PERSISTED_QUERY_REQUIRED",
}


def _domain_codes(cls: type[DomainError] = DomainError) -> set[str]:
    codes: set[str] = set()
    for sub in cls.__subclasses__():
        codes |= {sub.code} | _domain_codes(sub)
    return codes


def _message_codes(language: str) -> set[str]:
    text = (I18N / f"{language}.ts").read_text()
    block = re.search(r"\n  errors: \{\n(.*?)\n  \},", text, re.S)
    assert block, f"no errors block in {language}.ts"
    return set(re.findall(r"^    ([A-Z][A-Z_]+):", block.group(1), re.M))


def test_the_domain_errors_are_found() -> None:
    assert {"BAD_USER_INPUT", "MAP_TOO_LARGE", "IDEMPOTENCY_KEY_REUSED"} <= _domain_codes()


@pytest.mark.parametrize("language", ["lv", "en"])
def test_every_error_code_the_hub_sends_has_a_sentence(language: str) -> None:
    missing = (_domain_codes() | HUB_CODES) - _message_codes(language)
    assert missing == set()
