"""Whole pages in one Cypher round trip: the team page and the issue page.

Each query's result already is the GraphQL response's `data` (field names, nesting, order), so
the hub serialises it without executing the selection field by field (hub/api/compiled.py says
which documents these answer). They return exactly what the resolvers return for the same
documents (tests/test_compiled_pages.py): same visibility rules (TEAM_VISIBLE, the activity
rule), same orderings, same limits. Dates and times are strings made by Neo4j, so the rows are
JSON as the driver decodes them (`Graph.read_values`): no walk over them in Python.
"""

from __future__ import annotations

from typing import LiteralString, NamedTuple

from graph.access import TEAM_VISIBLE, Viewer
from graph.activity import ACTIVITY_VISIBLE
from graph.driver import Graph, Record
from graph.identity import CALLER, caller_key
from graph.pagination import Page, PageRequest, encode_cursor


def _two(part: LiteralString) -> LiteralString:
    return "right('0' + toString(" + part + "), 2)"


# `a.at` as the DateTime scalar writes it (Python's `isoformat()`: seconds always, microseconds
# only when not zero, the offset as ±HH:MM), made by Neo4j: hydrating each DateTime into the
# driver's temporal type and then a Python datetime cost about a sixth of the hub's CPU on a
# team page. tests/test_compiled_pages.py compares the result with the resolvers'.
_ACTIVITY_AT: LiteralString = (
    "toString(date(a.at)) + 'T' + "
    + _two("a.at.hour")
    + " + ':' + "
    + _two("a.at.minute")
    + " + ':' + "
    + _two("a.at.second")
    + " + CASE a.at.microsecond WHEN 0 THEN '' ELSE '.' + right('00000' + toString(a.at.microsecond), 6) END"
    + " + CASE WHEN a.at.offsetSeconds < 0 THEN '-' ELSE '+' END + "
    + _two("abs(a.at.offsetSeconds) / 3600")
    + " + ':' + "
    + _two("abs(a.at.offsetSeconds) % 3600 / 60")
)

# The latest activities in one entity's feed, as `activities(scopeId: $id, first: $first)`
# answers them: newest first, those about teams the viewer may not see left out.
_ACTIVITIES: LiteralString = (
    """
    CALL () {
      MATCH (a:Activity)-[:IN_SCOPE]->(:Entity {id: $id})
      WHERE """
    + ACTIVITY_VISIBLE
    + """
      WITH a ORDER BY a.seq DESC
      WITH collect(a) AS matched
      RETURN {totalCount: size(matched),
              nodes: [a IN matched[0..$first] | a {.id, .seq, at: """
    + _ACTIVITY_AT
    + """, .verb, .summary}]} AS activities
    }
    """
)

_INSTITUTION: LiteralString = "{.id, .code, .nameEn}"

# The caller as graph/identity.py `viewer_for_sign_in` reads them, in the page's own read: a hub
# that took the caller from its cache (hub/auth/callers.py) serves the page only when this still
# says the same, so a changed role or an archived person counts from the next read on.
_CALLER: LiteralString = "CALL () { RETURN " + CALLER + " AS caller }\n"


class Answer(NamedTuple):
    """A page's `data`, and who its caller was when it was read (`identity.viewer_from_rows`)."""

    data: Record
    caller: list[Record]


_TEAM_PAGE: LiteralString = (
    _CALLER
    + """
    CALL () {
      OPTIONAL MATCH (t:ProjectTeam {id: $id})
      WHERE """
    + TEAM_VISIBLE
    + """
      RETURN CASE WHEN t IS NULL THEN null ELSE t {
        .id, .name, .mandate, .status, .visibility,
        startDate: toString(t.startDate), endDate: toString(t.endDate),
        legalBasis: CASE WHEN t.legalBasisNumber IS NULL THEN null
                         ELSE {orderNumber: t.legalBasisNumber, orderDate: toString(t.legalBasisDate)} END,
        issue: head(COLLECT {
          MATCH (t)-[:ADDRESSES]->(i:HorizontalIssue)
          RETURN i {.id, .title, affected: COLLECT {
            MATCH (i)-[s:AFFECTS]->(inst:Institution)
            WITH s, inst ORDER BY CASE s.stake WHEN 'LEAD' THEN 0 WHEN 'INVOLVED' THEN 1 ELSE 2 END, inst.code
            RETURN {stake: s.stake, institution: inst """
    + _INSTITUTION
    + """}
          }}
        }),
        members: COLLECT {
          MATCH (t)<-[m:MEMBER_OF]-(p:Person)
          WITH m, p
          ORDER BY CASE m.role WHEN 'LEAD' THEN 0 WHEN 'MEMBER' THEN 1 WHEN 'EXPERT' THEN 2 ELSE 3 END, p.name
          RETURN {role: m.role, allocation: m.allocation, since: toString(m.since),
                  person: p {.id, .name, .title, .email,
                             institution: head([(p)-[:WORKS_AT]->(inst:Institution) | inst """
    + _INSTITUTION
    + """])}}
        }
      } END AS team
    }
    """
    + _ACTIVITIES
    + "RETURN caller, team, activities"
)


async def team_page(graph: Graph, id: str, viewer: Viewer, first: int) -> Answer:
    """`team(id)` with its issue's affected institutions and its members (lead first, each with
    their institution), and `activities(scopeId: id, first)`; the team is null when the viewer
    may not see it."""
    await graph.settled()  # this process's writes' activity is numbered, so shown
    rows = await graph.read_values(_TEAM_PAGE, id=id, first=first, **caller_key(viewer), **viewer.params())
    row = rows[0]
    return Answer({"team": row["team"], "activities": row["activities"]}, row["caller"])


_ISSUE_PAGE: LiteralString = (
    _CALLER
    + """
    CALL () {
      OPTIONAL MATCH (i:HorizontalIssue {id: $id})
      RETURN CASE WHEN i IS NULL THEN null ELSE i {
        .id, .title, .description, .status, .priority,
        direction: head([(i)-[:UNDER_DIRECTION]->(d:PlanDirection) | d {.id, .number, .titleEn}]),
        affected: COLLECT {
          MATCH (i)-[s:AFFECTS]->(inst:Institution)
          WITH s, inst ORDER BY CASE s.stake WHEN 'LEAD' THEN 0 WHEN 'INVOLVED' THEN 1 ELSE 2 END, inst.code
          RETURN {stake: s.stake, institution: inst """
    + _INSTITUTION
    + """}
        },
        teams: COLLECT {
          MATCH (i)<-[:ADDRESSES]-(t:ProjectTeam)
          WHERE t.archivedAt IS NULL AND """
    + TEAM_VISIBLE
    + """
          WITH t ORDER BY t.name
          RETURN t {.id, .name, .status, .visibility}
        }
      } END AS issue
    }
    """
    + _ACTIVITIES
    + "RETURN caller, issue, activities"
)


async def issue_page(graph: Graph, id: str, viewer: Viewer, first: int) -> Answer:
    """`issue(id)` with its direction, affected institutions (lead first) and the teams on it the
    viewer may see (by name), and `activities(scopeId: id, first)`."""
    await graph.settled()
    rows = await graph.read_values(_ISSUE_PAGE, id=id, first=first, **caller_key(viewer), **viewer.params())
    row = rows[0]
    return Answer({"issue": row["issue"], "activities": row["activities"]}, row["caller"])


# People by skill and institution, as `people(filter: {skillId, institutionId}, first)` answers it
# with the default filter and order (graph/people.py `list_page`): live people at the institution
# holding the skill (any level), by name then id, each with their institution and their skills
# strongest first. The page is cut in Cypher; the cursor is made in Python (graph/pagination.py).
_PEOPLE_SEARCH: LiteralString = (
    _CALLER
    + """
    OPTIONAL CALL () {
    MATCH (:Institution {id: $institutionId})<-[:WORKS_AT]-(n:Person)
    WHERE n.archivedAt IS NULL
      AND EXISTS { MATCH (n)-[h:HAS_SKILL]->(:Skill {id: $skillId}) WHERE h.level >= 1 }
    WITH n ORDER BY n.name, n.id
    WITH collect(n) AS matched
    UNWIND matched[0..$first + 1] AS n
    CALL (n) {
      RETURN n {.id, .name, .title, .email,
                institution: head([(n)-[:WORKS_AT]->(inst:Institution) | inst """
    + _INSTITUTION
    + """]),
                skills: COLLECT {
                  MATCH (n)-[h:HAS_SKILL]->(s:Skill)
                  WITH h, s ORDER BY h.level DESC, s.key
                  RETURN {level: h.level, skill: s {.id, .name}}
                }} AS person
    }
    RETURN size(matched) AS total, collect(person) AS rows
    }
    RETURN caller, total, rows
    """
)


async def people_search(
    graph: Graph, skill_id: str, institution_id: str, first: int, viewer: Viewer
) -> Answer:
    """`people(filter: {skillId, institutionId}, first)` with totalCount, pageInfo {hasNextPage
    endCursor} and each person's institution and skills (strongest first): `{"people": ...}`.
    People carry no per-viewer rule; the viewer is only the caller to re-read."""
    rows = await graph.read_values(
        _PEOPLE_SEARCH, skillId=skill_id, institutionId=institution_id, first=first, **caller_key(viewer)
    )
    row = rows[0]
    # No match leaves no row to collect over (the optional call's values are null): an empty page.
    found = {"total": row["total"] or 0, "rows": row["rows"] or []}
    page = Page.from_row(found, PageRequest(first=first, skip=0))
    people = {
        "totalCount": page.total,
        "pageInfo": {
            "hasNextPage": page.has_next,
            "endCursor": encode_cursor(len(page.rows) - 1) if page.rows else None,
        },
        "nodes": page.rows,
    }
    return Answer({"people": people}, row["caller"])
