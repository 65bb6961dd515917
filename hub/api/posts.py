"""Team posts: the discussion thread, with @mentions and one level of replies."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph import people, posts
from graph.driver import Record
from hub.api.base import GQLInfo, Node, from_record, to_model
from hub.api.context import Context
from hub.api.text_limits import POST

if TYPE_CHECKING:
    from hub.api.people import Person


@strawberry.type(description="A post in a team's thread; a reply points to the post it answers.")
class Post(Node):
    body: str
    created_at: datetime
    updated_at: datetime | None
    team_id: strawberry.Private[str]
    author_id: strawberry.Private[str | None]
    reply_to_id: strawberry.Private[str | None]
    mention_ids: strawberry.Private[list[str]]

    @strawberry.field
    async def author(self, info: GQLInfo) -> Annotated[Person, strawberry.lazy("hub.api.people")] | None:
        from hub.api.people import person

        if self.author_id is None:
            return None
        record = await info.context.loaders.one(people.by_ids).load(self.author_id)
        return person(record) if record else None

    @strawberry.field(description="People mentioned, explicitly or as @email in the body.")
    async def mentions(self, info: GQLInfo) -> list[Annotated[Person, strawberry.lazy("hub.api.people")]]:
        from hub.api.people import person

        records = await info.context.loaders.one(people.by_ids).load_many(self.mention_ids)
        return [person(r) for r in records if r]

    @strawberry.field(description="The post this one answers, for a reply.")
    async def reply_to(self, info: GQLInfo) -> Post | None:
        if self.reply_to_id is None:
            return None
        record = await info.context.loaders.one(posts.by_ids, info.context.viewer).load(self.reply_to_id)
        return post(record) if record else None

    @strawberry.field(description="Replies, oldest first.")
    async def replies(self, info: GQLInfo) -> list[Post]:
        rows = await info.context.loaders.many(posts.replies_of, info.context.viewer).load(self.id)
        return [post(r) for r in rows]


def post(record: Record) -> Post:
    return from_record(Post, record)


@strawberry.input
class PostInput:
    team_id: strawberry.ID
    body: str = POST.field()
    mentioned_person_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    reply_to_id: strawberry.ID | None = strawberry.field(
        default=None, description="Reply to this top-level post of the same team."
    )


# The resolver of a hot mutation, also called by hub/api/early_mutations.py.
async def create_post(ctx: Context, input: PostInput) -> Post:
    data = to_model(posts.PostInput, input)
    return post(await posts.create(ctx.graph, data, ctx.actor_id, ctx.viewer))


@strawberry.type
class PostMutation:
    @strawberry.mutation(description="Post to a team's thread; @email tokens in the body also mention.")
    async def create_post(self, info: GQLInfo, input: PostInput) -> Post:
        return await create_post(info.context, input)
