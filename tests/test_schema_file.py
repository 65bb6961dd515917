"""schema.graphql is generated from the code and committed: drift fails the build."""

from pathlib import Path

from hub.api.schema import schema

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "schema.graphql"


def test_committed_schema_matches_the_code() -> None:
    assert SCHEMA_FILE.read_text() == str(schema) + "\n", (
        "schema.graphql is stale: run `.venv/bin/hub schema`"
    )
