"""Notification settings in the API: a person's language for messages and how they want each kind
of notification (graph/notification_settings.py), read as `Person.notificationSettings` (their
own only) and set with `setMyNotificationSettings`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from graph import notification_settings as ns
from graph.errors import Unauthenticated
from graph.validation import validate
from hub.api.base import described_enum
from hub.api.context import Context
from hub.api.planning import Args, Returning, Write, answered_by_planner, maps, writes

if TYPE_CHECKING:
    from hub.api.people import Person

described_enum(
    ns.Language,
    "The language of the e-mails a person receives.",
    LV="Latvian (the default).",
    EN="English.",
)
described_enum(
    ns.NotificationKind,
    "A kind of e-mail notification a person chooses how to receive.",
    INVITATION="An invitation to join a team, a reminder before it expires, and one they sent expiring "
    "unanswered.",
    CONSENT_REQUEST="A manager's consent asked for a member of their institution to join a team.",
    MENTION="A mention in a team's post.",
    TASK_ASSIGNED="A task assigned to them.",
    MANDATE_ENDING="A team they are on nearing the end of its mandate.",
    REPORTING_DEADLINE="A reporting deadline nearing on a team they lead.",
)
described_enum(
    ns.Delivery,
    "How a person wants a kind of notification.",
    name="NotificationDelivery",
    IMMEDIATELY="An e-mail of its own, as soon as it happens.",
    DIGEST="Gathered into the daily digest.",
    NEVER="No e-mail (the hub still shows it).",
)


@maps(ns.NOTIFICATION_PREFERENCE)
@strawberry.type(description="How a person receives one kind of notification.")
class NotificationPreference:
    kind: ns.NotificationKind = strawberry.field(description="The kind of notification.")
    delivery: ns.Delivery = strawberry.field(description="How it reaches the person.")
    is_default: bool = strawberry.field(
        description="True when the person has not chosen: the kind's default applies."
    )


@maps(ns.NOTIFICATION_SETTINGS)
@strawberry.type(description="A person's e-mail notification settings.")
class NotificationSettings:
    language: ns.Language = strawberry.field(description="The language of their e-mails.")
    preferences: list[NotificationPreference] = strawberry.field(
        description="Every kind of notification, in a fixed order."
    )


@strawberry.input(description="A kind of notification and how to receive it.")
class NotificationPreferenceInput:
    kind: ns.NotificationKind = strawberry.field(description="The kind of notification.")
    delivery: ns.Delivery = strawberry.field(description="How it should reach the person.")


@strawberry.input(description="Only what is given changes; kinds not named keep their delivery.")
class NotificationSettingsInput:
    language: ns.Language | None = strawberry.field(
        default=strawberry.UNSET, description="The language of the person's e-mails."
    )
    preferences: list[NotificationPreferenceInput] | None = strawberry.field(
        default=strawberry.UNSET, description="Deliveries to change, each kind at most once."
    )


async def _set(ctx: Context, args: Args, _: Returning | None) -> object:
    person_id = ctx.viewer.person_id
    if person_id is None:
        raise Unauthenticated("sign in as a person to have notification settings")
    given = {k: v for k, v in args["input"].items() if v is not None}
    return await ns.update(ctx.graph, person_id, validate(ns.SettingsInput, given), ctx.actor_id)


@writes(setMyNotificationSettings=Write(_set))
@strawberry.type
class NotificationMutation:
    @strawberry.mutation(
        description="Set the signed-in person's e-mail language and how they receive each kind of "
        "notification; returns the person, whose `notificationSettings` show the result."
    )
    def set_my_notification_settings(
        self,
        input: Annotated[
            NotificationSettingsInput, strawberry.argument(description="The settings to change.")
        ],
    ) -> Annotated[Person, strawberry.lazy("hub.api.people")]:
        return answered_by_planner()
