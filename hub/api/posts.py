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
    body: str
    created_at: datetime
    updated_at: datetime | None
    author: Annotated[Person, strawberry.lazy("hub.api.people")] | None
    mentions: list[Annotated[Person, strawberry.lazy("hub.api.people")]] = strawberry.field(
        description="People mentioned, explicitly or as @email in the body."
    )
    reply_to: Post | None = strawberry.field(description="The post this one answers, for a reply.")
    replies: list[Post] = strawberry.field(description="Replies, oldest first.")


@strawberry.input
class PostInput:
    team_id: strawberry.ID
    body: str = POST.field()
    mentioned_person_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    reply_to_id: strawberry.ID | None = strawberry.field(
        default=None, description="Reply to this top-level post of the same team."
    )


async def _create(ctx: Context, args: Args, returning: Returning | None) -> object:
    data = validate(posts.PostInput, args["input"])
    return await posts.create(ctx.graph, data, ctx.actor_id, ctx.viewer, returning=projection_of(returning))


@writes(createPost=Write(_create, projected=True, confirms_caller=True))
@strawberry.type
class PostMutation:
    @strawberry.mutation(description="Post to a team's thread; @email tokens in the body also mention.")
    def create_post(self, input: PostInput) -> Post:
        return answered_by_planner()
