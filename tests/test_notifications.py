"""E-mail notifications on a real Neo4j and a real SMTP server: the outbox item is written with
its event, the delivery worker turns it into one message in the recipient's language, honours
their preferences, retries a refusal, gathers the digest; export and erasure cover it all."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from graph import identity, invitations, notification_settings, outbox_jobs, posts, tasks
from graph.driver import Graph, run
from graph.errors import Conflict
from graph.notification_settings import Delivery, Language, NotificationKind
from graph.outbox import Status
from graph.validation import validate
from hub.config import Settings
from hub.jobs import delivery, registry
from hub.jobs.runner import JobContext
from hub.jobs.schedule import RIGA
from tests import formation_builders as b
from tests.formation_builders import SYSTEM
from tests.mail_server import MailServer, text_of

PUBLIC_URL = "https://sadarbe.example.lv"


@pytest.fixture
def hub_settings(hub_env: dict[str, str], mail: MailServer) -> Settings:
    env = {**hub_env, **mail.env, "HUB_PUBLIC_URL": PUBLIC_URL, "HUB_OUTBOX_RETRY_BASE": "0.2"}
    return Settings(**env)  # type: ignore[arg-type]


@pytest.fixture
async def g(graph: Graph) -> dict[str, str]:
    vm, fm = await b.institution(graph, "VM"), await b.institution(graph, "FM")
    ids = {"VM": vm, "FM": fm, "issue": await b.issue(graph, "Atvērtie dati", {vm: "LEAD", fm: "INVOLVED"})}
    for name, institution in (("Lead", vm), ("Anna", fm), ("Boss", fm), ("Deputy", fm), ("Outsider", vm)):
        ids[name] = await b.person(graph, name, institution)
    ids["team"] = await b.team(graph, "Atvērto datu komanda", ids["issue"], ids["Lead"])
    await b.manages(graph, ids["Boss"], fm)
    await b.manages(graph, ids["Deputy"], fm)
    return ids


async def items(graph: Graph, **match: Any) -> list[dict[str, Any]]:
    rows = await graph.read(
        "MATCH (o:Outbox)-[:TO]->(p:Person) WHERE all(k IN keys($match) WHERE o[k] = $match[k]) "
        "RETURN o {.*, to: p.name} AS o ORDER BY o.createdAt, o.to",
        match=match,
    )
    return [r["o"] for r in rows]


async def invite(graph: Graph, g: dict[str, str], person: str = "Anna", **extra: Any) -> dict[str, Any]:
    data = validate(
        invitations.InvitationInput,
        {"team_id": g["team"], "person_id": g[person], "allocation": 30, "role": "EXPERT", **extra},
    )
    return await invitations.invite(graph, data, g["Lead"], SYSTEM)


async def deliver(graph: Graph, settings: Settings, worker: str = "worker") -> str:
    return await delivery.deliver(JobContext(graph, settings, worker))


async def set_settings(
    graph: Graph, person_id: str, language: Language | None = None, **kinds: Delivery
) -> None:
    data = notification_settings.SettingsInput(
        language=language,
        preferences=[
            notification_settings.Preference(kind=NotificationKind(k), delivery=d) for k, d in kinds.items()
        ],
    )
    await notification_settings.update(graph, person_id, data, person_id)


async def stored_settings(graph: Graph, person_id: str) -> dict[str, Any]:
    """The person's notification settings as the Person stores them."""
    rows = await graph.read("MATCH (p:Person {id: $id}) RETURN properties(p) AS p", id=person_id)
    keys = {"language", *(notification_settings.property_of(k) for k in NotificationKind)}
    return {k: v for k, v in rows[0]["p"].items() if k in keys}


# --- Written with the event ----------------------------------------------------------------------


async def test_an_invitation_writes_one_item_for_the_invitee(graph: Graph, g: dict[str, str]) -> None:
    invitation = await invite(graph, g)
    [item] = await items(graph)
    assert (item["notice"], item["to"], item["status"]) == ("INVITATION", "Anna", "PENDING")
    assert (item["subjectId"], item["teamId"], item["actorId"]) == (invitation["id"], g["team"], g["Lead"])
    # Keyed by the event's Activity, so the item exists exactly when the invitation does.
    activity_id = (await graph.read("MATCH (a:Activity {verb: 'invitation.sent'}) RETURN a.id AS id"))[0][
        "id"
    ]
    assert item["key"] == f"{activity_id}:INVITATION:{g['Anna']}"


async def test_a_refused_invitation_writes_no_item(graph: Graph, g: dict[str, str]) -> None:
    await invite(graph, g)
    with pytest.raises(Conflict):
        await invite(graph, g)  # already invited
    assert len(await items(graph)) == 1


async def test_accepting_on_a_team_that_needs_approval_asks_each_manager(
    graph: Graph, g: dict[str, str]
) -> None:
    await b.set_team(graph, g["team"], requiresManagerApproval=True)
    invitation = await invite(graph, g)
    await invitations.accept(graph, invitation["id"], g["Anna"], SYSTEM)
    asked = await items(graph, notice="CONSENT_REQUEST")
    assert [(i["to"], i["subjectId"], i["actorId"]) for i in asked] == [
        ("Boss", invitation["id"], g["Anna"]),
        ("Deputy", invitation["id"], g["Anna"]),
    ]


async def test_accepting_on_a_team_without_approval_asks_nobody(graph: Graph, g: dict[str, str]) -> None:
    invitation = await invite(graph, g)
    await invitations.accept(graph, invitation["id"], g["Anna"], SYSTEM)
    assert await items(graph, notice="CONSENT_REQUEST") == []


async def test_a_mention_tells_those_who_may_read_the_post_but_not_its_author(
    graph: Graph, g: dict[str, str]
) -> None:
    await b.member(graph, g["team"], g["Anna"])
    await b.set_team(graph, g["team"], visibility="RESTRICTED")
    body = "@anna@example.lv @outsider@example.lv @lead@example.lv skatiet datu kopu"
    post = await posts.create(
        graph, validate(posts.PostInput, {"team_id": g["team"], "body": body}), g["Lead"], SYSTEM
    )
    # The outsider may not read a restricted team's post; the lead wrote it.
    assert [(i["to"], i["subjectId"]) for i in await items(graph, notice="MENTION")] == [("Anna", post["id"])]


async def test_assigning_a_task_tells_the_new_assignee_once(graph: Graph, g: dict[str, str]) -> None:
    await b.member(graph, g["team"], g["Anna"])
    await b.member(graph, g["team"], g["Outsider"])
    data = validate(tasks.TaskInput, {"team_id": g["team"], "title": "Datu audits", "assignee_id": g["Anna"]})
    task = await tasks.create(graph, data, g["Lead"], SYSTEM)
    await tasks.update(
        graph, task["id"], validate(tasks.TaskPatch, {"status": "IN_PROGRESS"}), g["Lead"], SYSTEM
    )
    await tasks.update(
        graph, task["id"], validate(tasks.TaskPatch, {"assignee_id": g["Outsider"]}), g["Lead"], SYSTEM
    )
    assigned = await items(graph, notice="TASK_ASSIGNED")
    assert [i["to"] for i in assigned] == ["Anna", "Outsider"]


async def test_nobody_is_told_of_their_own_act(graph: Graph, g: dict[str, str]) -> None:
    data = validate(tasks.TaskInput, {"team_id": g["team"], "title": "Pats sev", "assignee_id": g["Lead"]})
    await tasks.create(graph, data, g["Lead"], SYSTEM)
    assert await items(graph) == []


# --- Reminders -----------------------------------------------------------------------------------


async def test_reminders_are_made_once_each(graph: Graph, g: dict[str, str]) -> None:
    today = datetime.now(RIGA).date()
    await b.member(graph, g["team"], g["Anna"])
    await b.set_team(
        graph,
        g["team"],
        endDate=today + timedelta(days=10),
        reportingDeadlines=[today + timedelta(days=3), today + timedelta(days=30)],
    )
    expiring = await invite(graph, g, "Outsider", expires_at=datetime.now(UTC) + timedelta(days=1))
    expired = await invite(graph, g, "Boss")
    await graph.write(
        lambda tx: run(
            tx,
            "MATCH (v:Invitation {id: $id}) SET v.expiresAt = datetime() - duration('PT1H')",
            id=expired["id"],
        )
    )
    for _ in range(2):
        made = await outbox_jobs.enqueue_reminders(
            graph, today=today, mandate_days=14, deadline_days=7, invitation_days=2
        )
    assert made == {notice: 0 for notice in made}  # the second run made nothing new
    found = {(i["notice"], i["to"], i["on"]) for i in await items(graph) if i["notice"] != "INVITATION"}
    assert found == {
        ("MANDATE_ENDING", "Lead", today + timedelta(days=10)),
        ("MANDATE_ENDING", "Anna", today + timedelta(days=10)),
        ("REPORTING_DEADLINE", "Lead", today + timedelta(days=3)),
        ("INVITATION_EXPIRING", "Outsider", datetime.fromisoformat(str(expiring["expiresAt"])).date()),
        ("INVITATION_EXPIRED", "Lead", await expired_on(graph, expired["id"])),
    }


async def expired_on(graph: Graph, id: str) -> date:
    rows = await graph.read("MATCH (v:Invitation {id: $id}) RETURN date(v.expiresAt) AS day", id=id)
    day: date = rows[0]["day"]
    return day


# --- Delivery ------------------------------------------------------------------------------------


async def test_an_invitation_is_sent_once_in_latvian_with_a_link_to_the_team(
    graph: Graph, g: dict[str, str], mail: MailServer, hub_settings: Settings
) -> None:
    await invite(graph, g)
    assert await deliver(graph, hub_settings) == "1 sent"
    assert await deliver(graph, hub_settings) == "nothing due"
    [message] = mail.messages()
    [item] = await items(graph)
    assert message["Subject"] == "Uzaicinājums pievienoties komandai “Atvērto datu komanda”"
    assert message["To"] == "Anna <anna@example.lv>"
    assert message["Content-Language"] == "lv"
    assert message["Message-ID"] == f"<{item['id']}@sadarbe.example.lv>" == item["messageId"]
    text = text_of(message)
    assert "Jums ir uzaicinājums pievienoties komandai “Atvērto datu komanda”." in text
    assert "Loma: eksperts. Noslodze: 30 %." in text
    assert "Uzaicināja: Lead." in text
    assert f"Atvērt Sadarbē: {PUBLIC_URL}/teams/{g['team']}" in text
    assert (item["status"], item["attempts"]) == ("SENT", 1)


async def test_a_reader_who_chose_english_gets_english(
    graph: Graph, g: dict[str, str], mail: MailServer, hub_settings: Settings
) -> None:
    await set_settings(graph, g["Anna"], Language.EN)
    await invite(graph, g)
    await deliver(graph, hub_settings)
    [message] = mail.messages()
    assert message["Subject"] == "Invitation to join the team “Atvērto datu komanda”"
    assert message["Content-Language"] == "en"
    assert "Role: expert. Allocation: 30%." in text_of(message)
    assert f"Open in Sadarbe: {PUBLIC_URL}/teams/{g['team']}" in text_of(message)


async def test_never_sends_nothing(
    graph: Graph, g: dict[str, str], mail: MailServer, hub_settings: Settings
) -> None:
    await set_settings(graph, g["Anna"], INVITATION=Delivery.NEVER)
    await invite(graph, g)
    assert await deliver(graph, hub_settings) == "1 skipped"
    assert mail.messages() == []


async def test_an_invitation_withdrawn_before_delivery_is_not_sent(
    graph: Graph, g: dict[str, str], mail: MailServer, hub_settings: Settings
) -> None:
    invitation = await invite(graph, g)
    await invitations.withdraw(graph, invitation["id"], g["Lead"], SYSTEM)
    assert await deliver(graph, hub_settings) == "1 skipped"
    assert mail.messages() == []


async def test_a_refused_send_is_tried_again_until_accepted(
    graph: Graph, g: dict[str, str], mail: MailServer, hub_settings: Settings
) -> None:
    mail.refuse_next = 2
    await invite(graph, g)
    assert await deliver(graph, hub_settings) == "1 sent"
    assert (mail.refusals, len(mail.messages())) == (2, 1)
    [item] = await items(graph)
    assert (item["status"], item["attempts"]) == ("SENT", 3)


async def test_a_server_refusing_for_a_while_gets_the_message_in_a_later_round(
    graph: Graph, g: dict[str, str], mail: MailServer, hub_settings: Settings
) -> None:
    mail.refusing = True
    await invite(graph, g)
    assert await deliver(graph, hub_settings) == "1 retrying"
    [item] = await items(graph)
    assert (item["status"], item["attempts"]) == ("PENDING", 3)
    assert "451" in item["lastError"]
    mail.refusing = False
    await asyncio.sleep(0.3)  # HUB_OUTBOX_RETRY_BASE
    assert await deliver(graph, hub_settings) == "1 sent"
    assert len(mail.messages()) == 1


async def test_a_message_refused_for_good_fails_without_more_tries(
    graph: Graph, g: dict[str, str], hub_settings: Settings
) -> None:
    await invite(graph, g)
    settings = hub_settings.model_copy(update={"outbox_max_attempts": 3})
    mail = MailServer()  # never started: every try is refused by the operating system
    await deliver(graph, settings.model_copy(update={"smtp_port": mail.port}))
    [item] = await items(graph)
    assert (item["status"], item["attempts"]) == ("FAILED", 3)


async def test_two_workers_never_claim_the_same_item(graph: Graph, g: dict[str, str]) -> None:
    for person in ("Anna", "Boss", "Deputy", "Outsider"):
        await invite(graph, g, person)
    claims = await asyncio.gather(*(outbox_jobs.claim(graph, f"w{n}", batch=4, claim_s=60) for n in range(4)))
    claimed = [id for ids in claims for id in ids]
    assert len(claimed) == len(set(claimed)) == 4


async def test_a_worker_whose_claim_was_taken_over_changes_nothing(graph: Graph, g: dict[str, str]) -> None:
    await invite(graph, g)
    [id] = await outbox_jobs.claim(graph, "slow", batch=10, claim_s=0)
    await asyncio.sleep(0.05)
    assert await outbox_jobs.claim(graph, "next", batch=10, claim_s=60) == [id]  # the claim had expired
    assert not await outbox_jobs.settle(graph, id, "slow", Status.SENT)
    assert (await items(graph))[0]["status"] == "PENDING"


# --- The digest ----------------------------------------------------------------------------------


async def test_the_digest_gathers_a_days_items_into_one_message(
    graph: Graph, g: dict[str, str], mail: MailServer, hub_settings: Settings
) -> None:
    await set_settings(graph, g["Anna"], INVITATION=Delivery.DIGEST, TASK_ASSIGNED=Delivery.DIGEST)
    await b.member(graph, g["team"], g["Outsider"])
    other = await b.team(graph, "Otrā komanda", g["issue"], g["Lead"])
    await invite(graph, g)
    data = validate(invitations.InvitationInput, {"team_id": other, "person_id": g["Anna"], "allocation": 10})
    await invitations.invite(graph, data, g["Lead"], SYSTEM)
    post = {"team_id": g["team"], "body": "@anna@example.lv lūdzu skatiet datu kopu"}
    await posts.create(
        graph, validate(posts.PostInput, post), g["Lead"], SYSTEM
    )  # mentions: digest by default
    await deliver(graph, hub_settings)
    assert mail.messages() == []  # all three wait for the digest
    assert {i["status"] for i in await items(graph)} == {"WAITING"}

    ctx = JobContext(graph, hub_settings, "worker")
    assert await registry.gather_digest(ctx) == "3 items in 1 digests"
    assert await registry.gather_digest(ctx) == "0 items in 0 digests"
    assert await deliver(graph, hub_settings) == "1 sent"
    [message] = mail.messages()
    day = datetime.now(RIGA).date()
    assert message["Subject"] == f"Sadarbe: dienas kopsavilkums, {day:%d.%m.%Y}."
    text = text_of(message)
    assert "Jaunumi, kas jums ir Sadarbē (paziņojumi: 3):" in text
    assert "• Uzaicinājums pievienoties komandai “Atvērto datu komanda”" in text
    assert "• Uzaicinājums pievienoties komandai “Otrā komanda”" in text
    assert "• Lead jūs pieminēja komandā “Atvērto datu komanda”" in text
    assert "> @anna@example.lv lūdzu skatiet datu kopu" in text
    assert f"{PUBLIC_URL}/teams/{other}" in text
    statuses = sorted((i["notice"], i["status"]) for i in await items(graph))
    assert statuses == [
        ("DIGEST", "SENT"),
        ("INVITATION", "GATHERED"),
        ("INVITATION", "GATHERED"),
        ("MENTION", "GATHERED"),
    ]


async def test_a_digest_whose_items_no_longer_stand_is_not_sent(
    graph: Graph, g: dict[str, str], mail: MailServer, hub_settings: Settings
) -> None:
    await set_settings(graph, g["Anna"], INVITATION=Delivery.DIGEST)
    invitation = await invite(graph, g)
    await deliver(graph, hub_settings)
    await invitations.withdraw(graph, invitation["id"], g["Lead"], SYSTEM)
    await registry.gather_digest(JobContext(graph, hub_settings, "worker"))
    assert await deliver(graph, hub_settings) == "1 skipped"
    assert mail.messages() == []


# --- Settings, export and erasure ----------------------------------------------------------------


async def test_settings_default_to_latvian_and_each_kinds_default(graph: Graph, g: dict[str, str]) -> None:
    stored = await stored_settings(graph, g["Anna"])
    assert stored == {}
    assert notification_settings.language_of(stored) is Language.LV
    assert notification_settings.preferences_of(stored)[NotificationKind.MENTION] is Delivery.DIGEST
    assert notification_settings.preferences_of(stored)[NotificationKind.INVITATION] is Delivery.IMMEDIATELY


async def test_setting_one_kind_keeps_the_others_and_is_recorded(graph: Graph, g: dict[str, str]) -> None:
    await set_settings(graph, g["Anna"], Language.EN, MENTION=Delivery.NEVER)
    await set_settings(graph, g["Anna"], TASK_ASSIGNED=Delivery.DIGEST)
    stored = await stored_settings(graph, g["Anna"])
    assert stored == {"language": "en", "notifyMention": "NEVER", "notifyTaskAssigned": "DIGEST"}
    verbs = await graph.read(
        "MATCH (a:Activity {targetId: $id, verb: 'person.notification_settings_set'}) RETURN count(a) AS n",
        id=g["Anna"],
    )
    assert verbs[0]["n"] == 2


def test_a_kind_named_twice_is_refused() -> None:
    from graph.errors import InvalidInput

    with pytest.raises(InvalidInput, match=r"preferences: .*names a kind more than once"):
        validate(
            notification_settings.SettingsInput,
            {
                "preferences": [
                    {"kind": "MENTION", "delivery": "NEVER"},
                    {"kind": "MENTION", "delivery": "DIGEST"},
                ]
            },
        )


async def test_my_data_exports_the_outbox_and_settings(graph: Graph, g: dict[str, str]) -> None:
    await set_settings(graph, g["Anna"], Language.EN, MENTION=Delivery.NEVER)
    invitation = await invite(graph, g)
    data = await identity.my_data(graph, g["Anna"])
    assert data["profile"]["language"] == "en" and data["profile"]["notifyMention"] == "NEVER"
    [notification] = data["notifications"]
    assert (notification["notice"], notification["status"], notification["subjectId"]) == (
        "INVITATION",
        "PENDING",
        invitation["id"],
    )


async def test_erasure_removes_the_outbox_and_settings(
    graph: Graph, g: dict[str, str], mail: MailServer, hub_settings: Settings
) -> None:
    await set_settings(graph, g["Anna"], Language.EN)
    await invite(graph, g)
    await identity.erase(graph, g["Anna"], None)
    assert await items(graph) == []
    assert await stored_settings(graph, g["Anna"]) == {}
    assert (await identity.my_data(graph, g["Anna"]))["notifications"] == []
    assert await deliver(graph, hub_settings) == "nothing due"
    assert mail.messages() == []


async def test_an_erased_inviters_name_leaves_the_message(
    graph: Graph, g: dict[str, str], mail: MailServer, hub_settings: Settings
) -> None:
    await invite(graph, g)
    await identity.erase(graph, g["Lead"], None)
    await deliver(graph, hub_settings)
    [message] = mail.messages()
    assert "Uzaicināja: Erased person" in text_of(message)
    assert "Lead" not in text_of(message).replace("Erased person", "")
