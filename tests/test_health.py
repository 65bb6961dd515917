"""Health probes: liveness never touches the database; readiness reports the real Neo4j."""

from tests.conftest import Hub


def test_healthz_answers_ok(hub: Hub) -> None:
    response = hub.http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_neo4j_community_5_26(hub: Hub) -> None:
    response = hub.http.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["neo4j"]["edition"] == "community"
    assert body["neo4j"]["version"].startswith("5.26.")
