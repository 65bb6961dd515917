"""Team posts: the discussion thread, with @mentions and one level of replies."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph import posts
from graph.validation import validate
from hub.api.base import Node
from hub.api.context import Context
from hub.api.planning import Args, Returning, Write, answered_by_planner, maps, projection_of, writes
from hub.api.text_limits import POST

if TYPE_CHECKING:
    from hub.api.people import Person


@maps(posts.POST)
@strawberry.type(description="A post in a team's thread; a reply points to the post it answers.")
class Post(Node):
    body: str = strawberry.field(description="The text as written; line breaks kept, no markup.")
    created_at: datetime = strawberry.field(description="When it was posted.")
    updated_at: datetime | None = strawberry.field(
        description="When the post last changed: its creation time unless it was changed since."
    )
    author: Annotated[Person, strawberry.lazy("hub.api.people")] | None = strawberry.field(
        description="Who wrote it; null for an account without a person."
    )
    mentions: list[Annotated[Person, strawberry.lazy("hub.api.people")]] = strawberry.field(
        description="People mentioned, explicitly or as @email in the body."
    )
    reply_to: Post | None = strawberry.field(description="The post this one answers, for a reply.")
    replies: list[Post] = strawberry.field(description="Replies, oldest first.")


@strawberry.input(description="A post for a team's thread (its members, or an administrator).")
class PostInput:
    team_id: strawberry.ID = strawberry.field(description="The team whose thread it goes to.")
    body: str = POST.field("The text.")
    mentioned_person_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        description="People to mention (at most 50) besides any @email in the body; the post reaches their feeds.",
    )
    reply_to_id: strawberry.ID | None = strawberry.field(
        default=None, description="Reply to this top-level post of the same team."
    )


async def _create(ctx: Context, args: Args, returning: Returning | None) -> object:
    data = validate(posts.PostInput, args["input"])
    return await posts.create(ctx.graph, data, ctx.actor_id, ctx.viewer, returning=projection_of(returning))


@writes(createPost=Write(_create, projected=True, confirms_caller=True))
@strawberry.type
class PostMutation:
    @strawberry.mutation(
        description="Post to a team's thread; @email tokens in the body also mention (a member of the "
        "team, or an administrator)."
    )
    def create_post(
        self,
        input: Annotated[
            PostInput,
            strawberry.argument(description="The team, the text, whom it mentions and what it answers."),
        ],
    ) -> Post:
        return answered_by_planner()
