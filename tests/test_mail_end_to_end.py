"""E-mail notifications through the real stack: hub processes (each with its job runner, or the
`hub jobs` command) on the real Neo4j, over HTTP as their users, sending to a real SMTP server
(aiosmtpd on a free port). What a person does in the API reaches their mailbox exactly once, in
their language, across a hub killed mid-delivery and with two hubs racing to deliver."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from graph.driver import Graph
from tests import formation_builders as b
from tests.conftest import REPO_ROOT, TEST_DATA_DIR, Hub, free_port, start_hub
from tests.mail_server import MailServer, text_of, wait_until

INVITE = """
mutation($team: ID!, $person: ID!) {
  inviteMember(input: {teamId: $team, personId: $person, role: EXPERT, allocation: 30}) { id }
}
"""
SET_SETTINGS = """
mutation($input: NotificationSettingsInput!) {
  setMyNotificationSettings(input: $input) {
    name notificationSettings { language preferences { kind delivery isDefault } }
  }
}
"""
MY_SETTINGS = (
    "{ me { person { notificationSettings { language preferences { kind delivery isDefault } } } } }"
)

# Short times so that a lease left by a killed hub, a retry and a poll all come round quickly.
FAST_JOBS = {
    "HUB_JOBS_LEASE_TTL": "2",
    "HUB_OUTBOX_POLL": "0.5",
    "HUB_OUTBOX_RETRY_BASE": "0.5",
    "HUB_SMTP_TIMEOUT": "2",
}

StartHub = Callable[..., Hub]


@pytest.fixture
def start(hub_env: dict[str, str], mail: MailServer, graph: Graph) -> Iterator[StartHub]:
    """Starts hub processes sending to `mail`, with their job runner on unless told otherwise;
    every one still running is stopped at the end."""
    started: list[Hub] = []

    def start_one(**env: str) -> Hub:
        port = free_port()
        full = {**hub_env, **mail.env, **FAST_JOBS, "HUB_JOBS_RUNNER": "true", **env}
        process = start_hub(full, port, TEST_DATA_DIR / f"hub-mail-{port}.log")
        hub = Hub(f"http://127.0.0.1:{port}", process, full)
        started.append(hub)
        return hub

    yield start_one
    for hub in started:
        hub.stop()


@pytest.fixture
async def people(graph: Graph) -> dict[str, str]:
    """A team led by Lead (VM); Anna and Boss (FM) to invite."""
    vm, fm = await b.institution(graph, "VM"), await b.institution(graph, "FM")
    issue = await b.issue(graph, "Atvērtie dati", {vm: "LEAD", fm: "INVOLVED"})
    ids = {
        name: await b.person(graph, name, institution)
        for name, institution in (
            ("Lead", vm),
            ("Anna", fm),
            ("Boss", fm),
            ("Cilda", fm),
            ("Dace", fm),
            ("Edgars", fm),
        )
    }
    ids["team"] = await b.team(graph, "Atvērto datu komanda", issue, ids["Lead"])
    # This process numbers what it recorded in the background, holding the activity counter's
    # lock: done before a blocking call to a hub, whose own numbering would wait for it.
    await graph.settled()
    return ids


def email_of(name: str) -> str:
    return f"{name.lower()}@example.lv"


def invite(hub: Hub, people: dict[str, str], name: str) -> str:
    invitation_id: str = hub.as_user(email_of("Lead")).data(
        INVITE, {"team": people["team"], "person": people[name]}
    )["inviteMember"]["id"]
    return invitation_id


async def outbox(graph: Graph) -> list[dict[str, Any]]:
    rows = await graph.read(
        "MATCH (o:Outbox)-[:TO]->(p:Person) RETURN o {.notice, .status, .attempts, .messageId, to: p.name} AS o"
        " ORDER BY o.to"
    )
    return [r["o"] for r in rows]


async def settled(graph: Graph, count: int, timeout_s: float = 120) -> list[dict[str, Any]]:
    """The outbox once `count` items are no longer PENDING (the worker has been through them)."""
    deadline = time.monotonic() + timeout_s
    while True:
        items = await outbox(graph)
        if len(items) >= count and all(i["status"] != "PENDING" for i in items):
            return items
        assert time.monotonic() < deadline, f"outbox not settled: {items}"
        time.sleep(0.2)


def quiet_for(mail: MailServer, seconds: float) -> None:
    """Several of the runners' polls pass: whatever they would send again has been sent."""
    time.sleep(seconds)


# --- One e-mail, in the recipient's language ------------------------------------------------------


async def test_an_invitation_sends_one_email_in_each_recipients_language(
    start: StartHub, mail: MailServer, people: dict[str, str], graph: Graph
) -> None:
    hub = start()
    chose = hub.as_user(email_of("Anna")).data(SET_SETTINGS, {"input": {"language": "EN"}})
    assert chose["setMyNotificationSettings"]["notificationSettings"]["language"] == "EN"
    invite(hub, people, "Anna")
    invite(hub, people, "Boss")  # has chosen nothing: Latvian

    [english] = mail.wait_for(1, to=email_of("Anna"))
    [latvian] = mail.wait_for(1, to=email_of("Boss"))
    assert english["Subject"] == "Invitation to join the team “Atvērto datu komanda”"
    assert english["Content-Language"] == "en"
    assert "Role: expert. Allocation: 30%." in text_of(english)
    assert "Invited by: Lead." in text_of(english)
    assert latvian["Subject"] == "Uzaicinājums pievienoties komandai “Atvērto datu komanda”"
    assert latvian["Content-Language"] == "lv"
    assert "Loma: eksperts. Noslodze: 30 %." in text_of(latvian)
    assert f"{hub.settings.effective_public_url}/teams/{people['team']}" in text_of(latvian)

    await settled(graph, 2)
    quiet_for(mail, 2)
    assert len(mail.messages()) == 2
    items = await outbox(graph)
    assert [(i["to"], i["status"]) for i in items] == [("Anna", "SENT"), ("Boss", "SENT")]
    assert {i["messageId"] for i in items} == {english["Message-ID"], latvian["Message-ID"]}


# --- Restart: nothing lost, nothing doubled -------------------------------------------------------


async def test_a_hub_killed_between_the_commit_and_the_send_loses_and_duplicates_nothing(
    start: StartHub, mail: MailServer, people: dict[str, str], graph: Graph
) -> None:
    mail.refusing = True  # the first hub's sends fail: the invitation is committed, its e-mail not sent
    first = start()
    invite(first, people, "Anna")
    wait_until(lambda: mail.refusals >= 1, timeout_s=120)
    first.process.kill()  # no shutdown: its lease and any claim it held are left to expire
    first.process.wait(timeout=30)
    assert mail.messages() == []

    mail.refusing = False
    start()
    [message] = mail.wait_for(1, timeout_s=180)
    [item] = await settled(graph, 1)
    quiet_for(mail, 2)
    assert mail.messages() == [message]
    assert (item["to"], item["status"], item["messageId"]) == ("Anna", "SENT", message["Message-ID"])


async def test_a_hub_stopped_before_its_runner_came_round_leaves_the_email_to_the_next(
    start: StartHub, mail: MailServer, people: dict[str, str], graph: Graph
) -> None:
    first = start(HUB_JOBS_RUNNER="false")  # the commit happens; no runner of this hub sends it
    invite(first, people, "Anna")
    first.process.kill()
    first.process.wait(timeout=30)
    assert [i["status"] for i in await outbox(graph)] == ["PENDING"]

    start()
    [message] = mail.wait_for(1, timeout_s=120)
    await settled(graph, 1)
    quiet_for(mail, 2)
    assert mail.messages() == [message]


# --- Two runners ---------------------------------------------------------------------------------


async def test_two_hubs_with_runners_deliver_each_message_once(
    start: StartHub, mail: MailServer, people: dict[str, str], graph: Graph
) -> None:
    one, two = start(), start()
    invitees = ["Anna", "Boss", "Cilda", "Dace", "Edgars"]
    for n, name in enumerate(invitees):
        invite(one if n % 2 else two, people, name)
    received = mail.wait_for(len(invitees), timeout_s=120)
    await settled(graph, len(invitees))
    quiet_for(mail, 2)
    received = mail.messages()
    assert sorted(str(m["To"]) for m in received) == sorted(f"{n} <{email_of(n)}>" for n in invitees)
    assert len({m["Message-ID"] for m in received}) == len(invitees)
    lease = await graph.read("MATCH (l:Lease {name: 'jobs'}) RETURN l.holder AS holder")
    assert lease[0]["holder"] is not None  # one of the two holds it; the other waits


# --- Preferences, the digest and `hub jobs` ---------------------------------------------------------


async def test_never_and_digest_are_honoured_and_the_digest_gathers_the_days_items(
    start: StartHub, mail: MailServer, people: dict[str, str], graph: Graph, hub_env: dict[str, str]
) -> None:
    hub = start(HUB_JOBS_RUNNER="false")  # the jobs run by `hub jobs`, as a CronJob runs them
    anna, boss = hub.as_user(email_of("Anna")), hub.as_user(email_of("Boss"))
    anna.data(SET_SETTINGS, {"input": {"preferences": [{"kind": "INVITATION", "delivery": "DIGEST"}]}})
    boss.data(SET_SETTINGS, {"input": {"preferences": [{"kind": "INVITATION", "delivery": "NEVER"}]}})
    other = await b.team(graph, "Otrā komanda", (await issue_of(graph, people["team"])), people["Lead"])
    await graph.settled()
    invite(hub, people, "Anna")
    invite(hub, people, "Boss")
    hub.as_user(email_of("Lead")).data(INVITE, {"team": other, "person": people["Anna"]})

    delivered = jobs(hub.env, "--force", "deliver-notifications")
    assert "deliver-notifications: OK 1 skipped, 2 waiting" in delivered
    assert mail.messages() == []
    digest = jobs(hub.env, "--force", "notification-digest", "--force", "deliver-notifications")
    assert "notification-digest: OK 2 items in 1 digests" in digest
    assert "deliver-notifications: OK 1 sent" in digest

    [message] = mail.messages()
    assert message["To"] == f"Anna <{email_of('Anna')}>"
    assert message["Subject"].startswith("Sadarbe: dienas kopsavilkums, ")
    text = text_of(message)
    assert "Jaunumi, kas jums ir Sadarbē (paziņojumi: 2):" in text
    assert "• Uzaicinājums pievienoties komandai “Atvērto datu komanda”" in text
    assert "• Uzaicinājums pievienoties komandai “Otrā komanda”" in text
    assert sorted((i["to"], i["notice"], i["status"]) for i in await outbox(graph)) == [
        ("Anna", "DIGEST", "SENT"),
        ("Anna", "INVITATION", "GATHERED"),
        ("Anna", "INVITATION", "GATHERED"),
        ("Boss", "INVITATION", "SKIPPED"),
    ]


async def issue_of(graph: Graph, team_id: str) -> str:
    rows = await graph.read("MATCH (:ProjectTeam {id: $id})-[:ADDRESSES]->(i) RETURN i.id AS id", id=team_id)
    issue_id: str = rows[0]["id"]
    return issue_id


def jobs(env: dict[str, str], *args: str) -> str:
    """`hub jobs ARGS` as a CronJob runs it: its output, once it exited with 0."""
    done = subprocess.run(
        [sys.executable, "-m", "hub", "jobs", *args],
        env={**os.environ, **env},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


# --- Settings in the API ---------------------------------------------------------------------------


def test_settings_read_as_the_defaults_until_chosen_and_only_by_the_person(
    start: StartHub, people: dict[str, str]
) -> None:
    hub = start(HUB_JOBS_RUNNER="false")
    anna = hub.as_user(email_of("Anna"))
    fresh = anna.data(MY_SETTINGS)["me"]["person"]["notificationSettings"]
    assert fresh["language"] == "LV"
    assert {p["kind"]: (p["delivery"], p["isDefault"]) for p in fresh["preferences"]} == {
        "INVITATION": ("IMMEDIATELY", True),
        "CONSENT_REQUEST": ("IMMEDIATELY", True),
        "MENTION": ("DIGEST", True),
        "TASK_ASSIGNED": ("IMMEDIATELY", True),
        "MANDATE_ENDING": ("IMMEDIATELY", True),
        "REPORTING_DEADLINE": ("IMMEDIATELY", True),
    }
    changed = anna.data(
        SET_SETTINGS, {"input": {"language": "EN", "preferences": [{"kind": "MENTION", "delivery": "NEVER"}]}}
    )["setMyNotificationSettings"]
    assert changed["notificationSettings"]["language"] == "EN"
    assert [p for p in changed["notificationSettings"]["preferences"] if not p["isDefault"]] == [
        {"kind": "MENTION", "delivery": "NEVER", "isDefault": False}
    ]
    # Another person (even an administrator) sees no one's settings but their own.
    seen = hub.data(
        "query($id: ID!) { node(id: $id) { ... on Person { notificationSettings { language } } } }",
        {"id": people["Anna"]},
    )
    assert seen["node"] == {"notificationSettings": None}


def test_a_kind_named_twice_is_refused_and_nothing_changes(start: StartHub, people: dict[str, str]) -> None:
    hub = start(HUB_JOBS_RUNNER="false")
    anna = hub.as_user(email_of("Anna"))
    twice = [{"kind": "MENTION", "delivery": "NEVER"}, {"kind": "MENTION", "delivery": "DIGEST"}]
    error = anna.error(SET_SETTINGS, {"input": {"language": "EN", "preferences": twice}})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "names a kind more than once" in error["message"]
    assert anna.data(MY_SETTINGS)["me"]["person"]["notificationSettings"]["language"] == "LV"
