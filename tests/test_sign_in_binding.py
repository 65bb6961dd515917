"""Sign-in binding in the graph (graph/identity.py `viewer_for_sign_in`), on small hand-built
graphs in the real Neo4j: an identity provider's (issuer, subject) is bound to one person on
first sight, by verified e-mail only, and from then on decides who signs in, whatever e-mail the
token carries (security checklist IDN-02, IDN-03)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from graph import identity, invitations, people
from graph.access import GrantedRole, SignIn, Viewer
from graph.driver import Graph
from graph.people import PersonPatch
from tests import builders

IDP = "https://idp.test/realms/gov"
OTHER_IDP = "https://login.other.test"
NO_ADMINS: frozenset[str] = frozenset()


async def two_people(graph: Graph) -> dict[str, str]:
    fm = await builders.institution(graph, "FM")
    anna = await builders.person(graph, "Anna Ozola", fm["id"], email="anna@t.lv")
    boris = await builders.person(graph, "Boris Liepa", fm["id"], email="boris@t.lv")
    return {"fm": fm["id"], "anna": anna["id"], "boris": boris["id"]}


def verified(subject: str, email: str | None, issuer: str = IDP) -> SignIn:
    return SignIn(issuer, subject, email, email_verified=True)


async def sign_in(graph: Graph, who: SignIn, admins: frozenset[str] = NO_ADMINS) -> tuple[str | None, bool]:
    """(person id, administrator) of the viewer a sign-in makes."""
    viewer = await identity.viewer_for_sign_in(graph, who, admins)
    return viewer.person_id, viewer.admin


async def refusal(graph: Graph, who: SignIn, admins: frozenset[str] = NO_ADMINS) -> str:
    with pytest.raises(identity.SignInRefused) as refused:
        await identity.viewer_for_sign_in(graph, who, admins)
    return refused.value.message


async def bindings(graph: Graph) -> list[dict[str, Any]]:
    rows = await graph.read(
        "MATCH (i:SignInIdentity) OPTIONAL MATCH (i)-[:IDENTIFIES]->(p:Person) "
        "RETURN i.issuer AS issuer, i.subject AS subject, collect(p.id) AS people ORDER BY issuer, subject"
    )
    return [dict(r) for r in rows]


async def test_a_first_verified_sign_in_is_bound_to_the_person_with_that_email(graph: Graph) -> None:
    ids = await two_people(graph)

    assert await sign_in(graph, verified("s-anna", "Anna@T.lv".lower())) == (ids["anna"], False)

    assert await bindings(graph) == [{"issuer": IDP, "subject": "s-anna", "people": [ids["anna"]]}]


async def test_a_bound_sign_in_carrying_another_persons_email_signs_in_as_the_bound_person(
    graph: Graph,
) -> None:
    ids = await two_people(graph)
    await sign_in(graph, verified("s-anna", "anna@t.lv"))

    viewer = await identity.viewer_for_sign_in(graph, verified("s-anna", "boris@t.lv"), NO_ADMINS)

    assert (viewer.person_id, viewer.email) == (ids["anna"], "anna@t.lv")
    assert await bindings(graph) == [{"issuer": IDP, "subject": "s-anna", "people": [ids["anna"]]}]


async def test_a_bound_sign_in_needs_no_email_at_all(graph: Graph) -> None:
    ids = await two_people(graph)
    await sign_in(graph, verified("s-anna", "anna@t.lv"))

    assert await sign_in(graph, SignIn(IDP, "s-anna")) == (ids["anna"], False)


@pytest.mark.parametrize(
    "who",
    [
        SignIn(IDP, "s-anna", "anna@t.lv", email_verified=False),
        SignIn(IDP, "s-anna", None, email_verified=True),
    ],
    ids=["email not verified", "no email"],
)
async def test_an_unbound_sign_in_without_a_verified_email_is_refused_and_binds_nothing(
    graph: Graph, who: SignIn
) -> None:
    await two_people(graph)

    assert "not yet linked to a person" in await refusal(graph, who)

    assert await bindings(graph) == []


async def test_an_unverified_email_of_a_bootstrap_administrator_grants_nothing(graph: Graph) -> None:
    unverified = SignIn(IDP, "s-root", "root@t.lv", email_verified=False)

    assert "has not verified" in await refusal(graph, unverified, frozenset({"root@t.lv"}))


async def test_a_verified_bootstrap_administrator_without_a_person_is_an_unbound_administrator(
    graph: Graph,
) -> None:
    assert await sign_in(graph, verified("s-root", "root@t.lv"), frozenset({"root@t.lv"})) == (None, True)
    assert await bindings(graph) == []


async def test_a_verified_email_of_nobody_is_refused(graph: Graph) -> None:
    await two_people(graph)

    assert await refusal(graph, verified("s-x", "nobody@t.lv")) == (
        "no person in the hub has this sign-in's e-mail address"
    )


async def test_a_person_bound_to_one_subject_is_not_bound_to_another_of_the_same_issuer(graph: Graph) -> None:
    ids = await two_people(graph)
    await sign_in(graph, verified("s-anna", "anna@t.lv"))

    assert "already signs in with another account" in await refusal(
        graph, verified("s-impostor", "anna@t.lv")
    )

    assert await bindings(graph) == [{"issuer": IDP, "subject": "s-anna", "people": [ids["anna"]]}]


async def test_a_person_may_be_bound_to_one_subject_of_each_of_two_issuers(graph: Graph) -> None:
    ids = await two_people(graph)

    assert await sign_in(graph, verified("s-anna", "anna@t.lv")) == (ids["anna"], False)
    assert await sign_in(graph, verified("anna-2", "anna@t.lv", OTHER_IDP)) == (ids["anna"], False)
    assert await sign_in(graph, verified("anna-2", "boris@t.lv", OTHER_IDP)) == (ids["anna"], False)

    assert await bindings(graph) == [
        {"issuer": IDP, "subject": "s-anna", "people": [ids["anna"]]},
        {"issuer": OTHER_IDP, "subject": "anna-2", "people": [ids["anna"]]},
    ]


async def test_the_same_subject_at_two_issuers_is_two_people(graph: Graph) -> None:
    ids = await two_people(graph)
    await sign_in(graph, verified("u1", "anna@t.lv"))

    assert await sign_in(graph, verified("u1", "boris@t.lv", OTHER_IDP)) == (ids["boris"], False)


async def test_a_bound_person_whose_email_an_administrator_changed_still_signs_in(graph: Graph) -> None:
    ids = await two_people(graph)
    await sign_in(graph, verified("s-anna", "anna@t.lv"))
    await people.update(graph, ids["anna"], PersonPatch(email="anna.ozola@t.lv"), None)

    viewer = await identity.viewer_for_sign_in(graph, verified("s-anna", "anna@t.lv"), NO_ADMINS)

    assert (viewer.person_id, viewer.email) == (ids["anna"], "anna.ozola@t.lv")


async def test_an_email_an_administrator_gave_a_bound_person_binds_no_one_else(graph: Graph) -> None:
    ids = await two_people(graph)
    await sign_in(graph, verified("s-anna", "anna@t.lv"))
    await people.update(graph, ids["anna"], PersonPatch(email="colleague@t.lv"), None)

    assert "already signs in" in await refusal(graph, verified("s-colleague", "colleague@t.lv"))


async def test_the_administrator_grant_of_a_bound_person_follows_their_email_in_the_graph(
    graph: Graph,
) -> None:
    ids = await two_people(graph)
    await sign_in(graph, verified("s-anna", "anna@t.lv"))
    admins = frozenset({"boris@t.lv"})

    assert await sign_in(graph, verified("s-anna", "boris@t.lv"), admins) == (ids["anna"], False)
    assert await sign_in(graph, verified("s-boris", "boris@t.lv"), admins) == (ids["boris"], True)


async def test_a_bound_sign_in_of_an_archived_person_is_refused(graph: Graph) -> None:
    ids = await two_people(graph)
    await sign_in(graph, verified("s-anna", "anna@t.lv"))
    await people.archive(graph, ids["anna"], None)

    assert (
        await refusal(graph, verified("s-anna", "anna@t.lv")) == "this sign-in's person is archived or erased"
    )


async def test_releasing_a_persons_sign_ins_lets_the_next_verified_one_bind_and_is_audited(
    graph: Graph,
) -> None:
    ids = await two_people(graph)
    await sign_in(graph, verified("s-anna", "anna@t.lv"))

    await identity.release_sign_ins(graph, ids["anna"], ids["boris"])

    assert await bindings(graph) == []
    assert await sign_in(graph, verified("s-anna-new", "anna@t.lv")) == (ids["anna"], False)
    await graph.settled()
    rows = await graph.read(
        "MATCH (a:Activity {verb: 'person.sign_ins_released'}) RETURN a.actorId AS actor, a.targetId AS target"
    )
    assert [dict(r) for r in rows] == [{"actor": ids["boris"], "target": ids["anna"]}]


async def test_erasing_a_person_removes_their_sign_ins(graph: Graph) -> None:
    ids = await two_people(graph)
    await sign_in(graph, verified("s-anna", "anna@t.lv"))

    await identity.erase(graph, ids["anna"], None)

    assert await bindings(graph) == []
    assert "no person in the hub" in await refusal(graph, verified("s-anna", "anna@t.lv"))


async def test_my_data_lists_the_persons_sign_ins(graph: Graph) -> None:
    ids = await two_people(graph)
    await sign_in(graph, verified("s-anna", "anna@t.lv"))

    data = await identity.my_data(graph, ids["anna"])

    assert [(s["issuer"], s["subject"]) for s in data["signIns"]] == [(IDP, "s-anna")]


async def test_concurrent_first_sign_ins_of_one_subject_bind_one_identity(graph: Graph) -> None:
    ids = await two_people(graph)

    results = await asyncio.gather(*(sign_in(graph, verified("s-anna", "anna@t.lv")) for _ in range(16)))

    assert set(results) == {(ids["anna"], False)}
    assert await bindings(graph) == [{"issuer": IDP, "subject": "s-anna", "people": [ids["anna"]]}]


async def test_concurrent_first_sign_ins_of_two_subjects_for_one_person_bind_exactly_one(
    graph: Graph,
) -> None:
    ids = await two_people(graph)

    results = await asyncio.gather(
        *(identity.viewer_for_sign_in(graph, verified(f"s-{n}", "anna@t.lv"), NO_ADMINS) for n in range(8)),
        return_exceptions=True,
    )

    bound = [r for r in results if not isinstance(r, BaseException)]
    assert [v.person_id for v in bound] == [ids["anna"]]
    assert all(isinstance(r, identity.SignInRefused) for r in results if isinstance(r, BaseException))
    assert [b["people"] for b in await bindings(graph)] == [[ids["anna"]]]


async def annas_team(graph: Graph, ids: dict[str, str]) -> str:
    issue = await builders.issue(graph, "Budget")
    return str((await builders.team(graph, "Budget team", issue["id"], ids["anna"]))["id"])


async def invitation_refused(graph: Graph, ids: dict[str, str], team: str, viewer: Viewer) -> None:
    """Anna, as `viewer` says she is, invites Boris: CallerChanged, and nothing is written."""
    before = await builders.count(graph)
    data = invitations.InvitationInput(team_id=team, person_id=ids["boris"], allocation=10)
    with pytest.raises(identity.CallerChanged):
        await invitations.invite(graph, data, ids["anna"], viewer)
    assert await builders.count(graph) == before


async def test_a_write_for_a_remembered_caller_whose_sign_in_was_bound_elsewhere_is_not_made(
    graph: Graph,
) -> None:
    ids = await two_people(graph)
    team = await annas_team(graph, ids)
    remembered = await identity.viewer_for_sign_in(graph, verified("s-anna", "anna@t.lv"), NO_ADMINS)
    await identity.release_sign_ins(graph, ids["anna"], None)
    await sign_in(graph, verified("s-anna", "boris@t.lv"))  # the provider's subject is Boris's now

    await invitation_refused(graph, ids, team, remembered)


async def test_a_write_for_a_remembered_caller_whose_email_changed_is_not_made(graph: Graph) -> None:
    ids = await two_people(graph)
    team = await annas_team(graph, ids)
    remembered = await identity.viewer_for_sign_in(graph, verified("s-anna", "anna@t.lv"), NO_ADMINS)
    await people.update(graph, ids["anna"], PersonPatch(email="anna.ozola@t.lv"), None)

    await invitation_refused(graph, ids, team, remembered)


async def test_a_granted_role_of_a_bound_person_is_read_with_them(graph: Graph) -> None:
    ids = await two_people(graph)
    await identity.set_roles(graph, ids["anna"], [GrantedRole.COG_STAFF], None)

    viewer = await identity.viewer_for_sign_in(graph, verified("s-anna", "anna@t.lv"), NO_ADMINS)

    assert viewer.roles == frozenset({GrantedRole.COG_STAFF})
