"""Notification settings in the API: the signed-in person's language for messages and how they
want each kind of notification (graph/notification_settings.py)."""

from __future__ import annotations

import strawberry

from graph import notification_settings as ns
from graph.driver import Record
from graph.errors import Unauthenticated
from hub.api.base import GQLInfo, to_model

strawberry.enum(ns.Language, name="Language", description="The language of the messages a person receives.")
strawberry.enum(ns.NotificationKind, description="A kind of notification a person chooses how to receive.")
strawberry.enum(
    ns.Delivery, name="NotificationDelivery", description="How a person wants a kind of notification."
)


@strawberry.type
class NotificationPreference:
    kind: ns.NotificationKind
    delivery: ns.Delivery
    is_default: bool = strawberry.field(description="The person has not chosen: the kind's default applies.")


@strawberry.type(description="The signed-in person's e-mail notification settings.")
class NotificationSettings:
    language: ns.Language
    preferences: list[NotificationPreference] = strawberry.field(description="Every kind, in a fixed order.")


def settings_of(stored: Record) -> NotificationSettings:
    return NotificationSettings(
        language=ns.language_of(stored),
        preferences=[
            NotificationPreference(
                kind=kind, delivery=delivery, is_default=stored.get(ns.property_of(kind)) is None
            )
            for kind, delivery in ns.preferences_of(stored).items()
        ],
    )


@strawberry.input
class NotificationPreferenceInput:
    kind: ns.NotificationKind
    delivery: ns.Delivery


@strawberry.input(description="Only what is given changes; kinds not named keep their delivery.")
class NotificationSettingsInput:
    language: ns.Language | None = strawberry.UNSET
    preferences: list[NotificationPreferenceInput] | None = strawberry.UNSET


def _person_id(info: GQLInfo) -> str:
    person_id = info.context.viewer.person_id
    if person_id is None:
        raise Unauthenticated("sign in as a person to have notification settings")
    return person_id


@strawberry.type
class NotificationQuery:
    @strawberry.field(description="The signed-in person's notification settings.")
    async def my_notification_settings(self, info: GQLInfo) -> NotificationSettings:
        stored = await info.context.loaders.one(ns.of_people).load(_person_id(info))
        return settings_of(stored or {})


@strawberry.type
class NotificationMutation:
    @strawberry.mutation(
        description="Set the signed-in person's message language and notification deliveries."
    )
    async def set_my_notification_settings(
        self, info: GQLInfo, input: NotificationSettingsInput
    ) -> NotificationSettings:
        person_id = _person_id(info)
        data = to_model(ns.SettingsInput, input)
        stored = await ns.update(info.context.graph, person_id, data, info.context.actor_id)
        return settings_of(stored)
