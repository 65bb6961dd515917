"""A person's notification settings: the language of their messages and, per kind of
notification, how they want it (immediately, in the daily digest, never).

Kept on the Person: `language` ('lv' or 'en'; none set reads as Latvian) and one property per
kind (`notifyInvitation`, …; none set reads as the kind's default), so a message is written from
one read of its recipient.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Final, LiteralString, cast

from pydantic import field_validator

from graph import entities
from graph.driver import Graph, Record, Tx, run
from graph.model import Reach, Value, shape
from graph.outbox import Notice
from graph.validation import Input


class Language(StrEnum):
    LV = "lv"
    EN = "en"


DEFAULT_LANGUAGE: Final = Language.LV


class NotificationKind(StrEnum):
    """What a person chooses how to receive."""

    INVITATION = "INVITATION"  # invitations to them, reminders before they expire, ones they sent expiring
    CONSENT_REQUEST = "CONSENT_REQUEST"  # a manager's consent asked for a member of their institution
    MENTION = "MENTION"
    TASK_ASSIGNED = "TASK_ASSIGNED"
    MANDATE_ENDING = "MANDATE_ENDING"
    REPORTING_DEADLINE = "REPORTING_DEADLINE"


class Delivery(StrEnum):
    IMMEDIATELY = "IMMEDIATELY"
    DIGEST = "DIGEST"
    NEVER = "NEVER"


# What needs an answer soon comes at once; mentions, which come often, in the day's digest.
DEFAULTS: Final[dict[NotificationKind, Delivery]] = {
    NotificationKind.INVITATION: Delivery.IMMEDIATELY,
    NotificationKind.CONSENT_REQUEST: Delivery.IMMEDIATELY,
    NotificationKind.MENTION: Delivery.DIGEST,
    NotificationKind.TASK_ASSIGNED: Delivery.IMMEDIATELY,
    NotificationKind.MANDATE_ENDING: Delivery.IMMEDIATELY,
    NotificationKind.REPORTING_DEADLINE: Delivery.IMMEDIATELY,
}

KIND_OF: Final[dict[Notice, NotificationKind]] = {
    Notice.INVITATION: NotificationKind.INVITATION,
    Notice.INVITATION_EXPIRING: NotificationKind.INVITATION,
    Notice.INVITATION_EXPIRED: NotificationKind.INVITATION,
    Notice.CONSENT_REQUEST: NotificationKind.CONSENT_REQUEST,
    Notice.MENTION: NotificationKind.MENTION,
    Notice.TASK_ASSIGNED: NotificationKind.TASK_ASSIGNED,
    Notice.MANDATE_ENDING: NotificationKind.MANDATE_ENDING,
    Notice.REPORTING_DEADLINE: NotificationKind.REPORTING_DEADLINE,
}


def property_of(kind: NotificationKind) -> str:
    """The Person property holding the person's choice for `kind`: `notifyTaskAssigned`, …"""
    return "notify" + "".join(word.capitalize() for word in kind.value.split("_"))


# The settings removed (a property set to null is removed), as erasure does.
CLEARED: Final[dict[str, None]] = {"language": None, **{property_of(k): None for k in NotificationKind}}


def language_of(person: Record) -> Language:
    try:
        return Language(person.get("language") or DEFAULT_LANGUAGE)
    except ValueError:
        return DEFAULT_LANGUAGE


def delivery_of(person: Record, kind: NotificationKind) -> Delivery:
    try:
        return Delivery(person.get(property_of(kind)) or DEFAULTS[kind])
    except ValueError:
        return DEFAULTS[kind]


def preferences_of(person: Record) -> dict[NotificationKind, Delivery]:
    """Every kind's delivery for the person, defaults filled in, in the kinds' order."""
    return {kind: delivery_of(person, kind) for kind in NotificationKind}


# The API's view (a person's own settings, reached from Person.notificationSettings): every kind
# with its delivery, the default where the person has not chosen, in the kinds' order. The rows
# are written from the constants above, never from input.
_PREFERENCE_ROWS = cast(
    LiteralString,
    "["
    + ", ".join(
        f"{{kind: '{kind.value}', delivery: coalesce({{p}}.{property_of(kind)}, '{DEFAULTS[kind].value}'),"
        f" isDefault: {{p}}.{property_of(kind)} IS NULL}}"
        for kind in NotificationKind
    )
    + "]",
)
NOTIFICATION_SETTINGS = shape(
    "NotificationSettings",
    ("p",),
    {
        # The GraphQL enum shows the value's name (LV, EN); none set reads as Latvian.
        "language": Value("CASE {p}.language WHEN 'en' THEN 'EN' ELSE 'LV' END"),
        "preferences": Reach("UNWIND " + _PREFERENCE_ROWS + " AS {pref}", "NotificationPreference", "pref"),
    },
)
NOTIFICATION_PREFERENCE = shape("NotificationPreference", ("pref",))


class Preference(Input):
    kind: NotificationKind
    delivery: Delivery


class SettingsInput(Input):
    language: Language | None = None
    preferences: list[Preference] = []

    @field_validator("preferences")
    @classmethod
    def _each_kind_once(cls, value: list[Preference]) -> list[Preference]:
        kinds = [p.kind for p in value]
        if len(set(kinds)) != len(kinds):
            raise ValueError("names a kind more than once")
        return value


def _settings_only(person: Record) -> Record:
    keys = {"language", *(property_of(k) for k in NotificationKind)}
    return {k: v for k, v in person.items() if k in keys}


async def _read(tx: Tx, id: str) -> Record:
    rows = await run(tx, "MATCH (p:Person {id: $id}) RETURN properties(p) AS person", id=id)
    return {"id": id, **_settings_only(rows[0]["person"])}


async def update(graph: Graph, person_id: str, data: SettingsInput, actor_id: str | None) -> Record:
    """Set the person's language and the deliveries named; the others stay as they were."""
    props: dict[str, Any] = {property_of(p.kind): p.delivery.value for p in data.preferences}
    if data.language is not None:
        props["language"] = data.language.value

    async def apply(tx: Tx, _: Record) -> None:
        await entities.set_properties(tx, person_id, props)

    return await entities.change(
        graph,
        label="Person",
        id=person_id,
        verb="person.notification_settings_set",
        actor_id=actor_id,
        read=_read,
        apply=apply,
        summary=lambda _: "notification settings changed",
    )
