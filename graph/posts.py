"""Team posts: a discussion thread per team, with @mentions and one level of replies.

    (Post)-[:IN_TEAM]->(ProjectTeam), (Post)-[:WRITTEN_BY]->(Person) when the author is known,
    (Post)-[:REPLY_TO]->(Post) for a reply, (Post)-[:MENTIONS]->(Person).

Mentions are the explicit `mentionedPersonIds` plus every `@name@example.lv` token in the body
that is a known person's email (other tokens stay plain text). A mention puts the post's Activity
in that person's feed, and an e-mail notification in the outbox for those who may read the post;
it still lives under the team, so a restricted team's post stays hidden from everyone who is not
a member.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Final, LiteralString

from pydantic import Field, StringConstraints

from graph import activity, identity, locks, membership, outbox
from graph.access import TEAM_VISIBLE, Viewer, team_visible
from graph.checked_writes import write_checked
from graph.driver import Graph, Record
from graph.errors import Conflict, NotFound
from graph.ids import new_id
from graph.model import Key, Order, Reach, entity
from graph.planner import Projection
from graph.validation import Input, PublicId

Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10000)]

# "@" + an email, not preceded by a word character (so a bare address is not a mention).
_MENTION = re.compile(r"(?<![\w@.])@([\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,})")


class PostInput(Input):
    team_id: PublicId
    body: Body
    mentioned_person_ids: Annotated[list[PublicId], Field(max_length=50)] = []
    reply_to_id: PublicId | None = None


def mentioned_emails(body: str) -> list[str]:
    """The `@email` tokens in a post, lower-cased, in order of first appearance."""
    return list(dict.fromkeys(m.lower() for m in _MENTION.findall(body)))


_NODE: Final[LiteralString] = (
    "n {.*, teamId: t.id, authorId: head([(n)-[:WRITTEN_BY]->(a) | a.id]),"
    " replyToId: head([(n)-[:REPLY_TO]->(r) | r.id]),"
    " mentionIds: COLLECT { MATCH (n)-[:MENTIONS]->(m:Person) RETURN m.id ORDER BY m.name }}"
)


def in_visible_team(n: LiteralString) -> LiteralString:
    """The rule of what lives in a team (posts, decisions, tasks): whoever sees the team sees it."""
    return "EXISTS { MATCH (" + n + ")-[:IN_TEAM]->(home:ProjectTeam) WHERE " + team_visible("home") + " }"


POST = entity(
    "Post",
    {
        "author": Reach("MATCH ({n})-[:WRITTEN_BY]->({author}:Person)", "Person", "author", many=False),
        "mentions": Reach(
            "MATCH ({n})-[:MENTIONS]->({person}:Person)", "Person", "person", order="{person}.name"
        ),
        "replyTo": Reach("MATCH ({n})-[:REPLY_TO]->({post}:Post)", "Post", "post", many=False),
        "replies": Reach(
            "MATCH ({n})<-[:REPLY_TO]-({reply}:Post)", "Post", "reply", order="{reply}.createdAt, {reply}.id"
        ),
    },
    visible=in_visible_team,
)

# A team's thread: top-level posts, newest first.
NEWEST_POSTS: Final = Order(
    "NEWEST", (Key("{node}.createdAt", "datetime", descending=True),), id_descending=True
)


def _check_parent(parent: Record | None, data: PostInput) -> None:
    """The post replied to: visible, of the same team, and not itself a reply."""
    if parent is None:
        raise NotFound("Post", str(data.reply_to_id), "replyToId")
    if parent["teamId"] != data.team_id:
        raise Conflict("replyToId", "is a post of another team")
    if parent["isReply"]:
        raise Conflict("replyToId", "is itself a reply; reply to the post it answers")


async def create(
    graph: Graph,
    data: PostInput,
    actor_id: str | None,
    viewer: Viewer,
    *,
    returning: Projection | None = None,
) -> Any:
    """One statement reads what posting depends on, checks the rules (`_check_post`) and, when
    they hold, makes the post and its Activity; returns the post, or with `returning`, the API's
    selection of it."""
    post_id = new_id("Post")

    return await write_checked(
        graph,
        _CREATE,
        write="createPost",
        explain=lambda refused: _check_post(refused, data, actor_id),
        viewer=viewer,
        verb="post.replied" if data.reply_to_id else "post.created",
        actor_id=actor_id,
        target_id=post_id,
        returning=returning,
        id=post_id,
        body=data.body,
        teamId=data.team_id,
        lockIds=[data.team_id],
        replyToId=data.reply_to_id,
        actorId=actor_id,
        mentionIds=list(dict.fromkeys(data.mentioned_person_ids)),
        emails=mentioned_emails(body=data.body),
        summaryTail="reply posted" if data.reply_to_id else "new post",
        **viewer.params(),
    )


# Posting in one statement: the team's write lock first (graph/locks.py: whether it is closed and
# who is on it are read after a concurrent closing or leaving committed), the post replied to and
# the team, each as the viewer sees it (null when missing or hidden), the acting person's standing, the mentioned ids that are no live
# person, the people the post mentions (by id or by an @email in the body), and the caller; the
# post and its Activity when `_check_post`'s rules hold.
_CREATE: Final[LiteralString] = (
    locks.BY_ID
    + "WITH head(COLLECT { MATCH (n:Post {id: $replyToId})-[:IN_TEAM]->(t:ProjectTeam) WHERE "
    + TEAM_VISIBLE
    + " RETURN {teamId: t.id, isReply: EXISTS { (n)-[:REPLY_TO]->() }} }) AS parent"
    " OPTIONAL MATCH (t:ProjectTeam {id: $teamId}) WHERE "
    + TEAM_VISIBLE
    + """
    WITH parent, t, """
    + membership.STANDING
    + """ AS standing,
      [id IN $mentionIds WHERE NOT EXISTS {
         MATCH (m:Entity {id: id}) WHERE 'Person' IN labels(m) AND m.archivedAt IS NULL }] AS missingMentions,
      COLLECT {
        CALL () {
          UNWIND $mentionIds AS id MATCH (m:Entity {id: id}) WHERE 'Person' IN labels(m) RETURN m
          UNION
          UNWIND $emails AS email MATCH (m:Person {email: email}) RETURN m
        }
        RETURN m.id ORDER BY m.name
      } AS mentioned, """
    + identity.CALLER
    + """ AS caller
    WITH parent, t, standing, missingMentions, mentioned, caller,
         t IS NOT NULL AND size(missingMentions) = 0 AND t.status <> 'CLOSED'
         AND ($replyToId IS NULL OR (parent IS NOT NULL AND parent.teamId = $teamId AND NOT parent.isReply))
         AND """
    + membership.BELONGS
    + " AND "
    + identity.CONFIRMED
    + """ AS allowed
    OPTIONAL CALL (t, mentioned, allowed) {
      WITH t, mentioned WHERE allowed
      CREATE (n:Post:Entity {id: $id, body: $body, createdAt: datetime(), updatedAt: datetime()})
      CREATE (n)-[:IN_TEAM]->(t)
      WITH n, t, mentioned
      OPTIONAL MATCH (repliedTo:Post {id: $replyToId})
      FOREACH (_ IN CASE WHEN repliedTo IS NULL THEN [] ELSE [1] END | CREATE (n)-[:REPLY_TO]->(repliedTo))
      WITH n, t, mentioned
      OPTIONAL MATCH (author:Person {id: $actorId})
      FOREACH (_ IN CASE WHEN author IS NULL THEN [] ELSE [1] END | CREATE (n)-[:WRITTEN_BY]->(author))
      WITH n, t, mentioned
      CALL (n, mentioned) {
        UNWIND mentioned AS mentionId
        MATCH (m:Entity {id: mentionId})
        CREATE (n)-[:MENTIONS]->(m)
      }
      WITH t, """
    + _NODE
    + """ AS node
      WITH node, t, t.name + ': ' + $summaryTail AS activitySummary,
           [t.id, head([(t)-[:ADDRESSES]->(i) | i.id])] + node.mentionIds AS activityScope,
           null AS activityBefore, node AS activityAfter"""
    + activity.RECORD
    + """
      WITH node, 'MENTION' AS notifyNotice, node.id AS notifySubject, node.teamId AS notifyTeam,
           COLLECT { MATCH (recipient:Person) WHERE recipient.id IN node.mentionIds AND """
    + outbox.SEES_TEAM
    + """
                     RETURN recipient.id } AS notifyRecipients"""
    + outbox.NOTIFY
    + """
      RETURN node AS written
    }
    RETURN written, CASE WHEN written IS NULL THEN {parent: parent, team: t {.*}, standing: standing,
                                                    missingMentions: missingMentions, caller: caller} END AS refused"""
)


def _check_post(facts: Record, data: PostInput, actor_id: str | None) -> None:
    """The rules of posting, in order, on what `_CREATE` read: the first that fails raises."""
    team = facts["team"]
    if team is None:  # missing, or a team the viewer may not see
        raise NotFound("ProjectTeam", data.team_id, "teamId")
    membership.require_membership(facts["standing"], actor_id, "post")
    if facts["missingMentions"]:
        raise NotFound("Person", facts["missingMentions"][0], "mentionedPersonIds")
    if data.reply_to_id is not None:
        _check_parent(facts["parent"], data)
    if team["status"] == "CLOSED":
        raise Conflict("teamId", "the team is closed")
