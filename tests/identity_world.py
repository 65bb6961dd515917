"""A small world with one person per role, for authorisation and leak specs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graph.driver import Graph, run
from tests import builders

ROLES = ("anonymous", "civil", "member", "lead", "cog", "admin")


@dataclass
class World:
    ids: dict[str, Any]
    emails: dict[str, str | None]


async def grant(graph: Graph, person_id: str, roles: list[str]) -> None:
    await graph.write(
        lambda tx: run(tx, "MATCH (p:Person {id: $id}) SET p.roles = $roles", id=person_id, roles=roles)
    )


async def build(graph: Graph) -> World:
    fm = await builders.institution(graph, "FM")
    vk = await builders.institution(graph, "VK")
    people = {
        role: await builders.person(graph, role.capitalize() + " Person", fm["id"], email=f"{role}@t.lv")
        for role in ("civil", "member", "lead", "cog", "admin", "target")
    }
    await grant(graph, people["admin"]["id"], ["ADMIN"])
    await grant(graph, people["cog"]["id"], ["COG_STAFF"])
    skill = await builders.skill(graph, "Policy analysis")
    issue = await builders.issue(graph, "Budget reform")
    other = await builders.issue(graph, "Tax reform")
    team = await builders.team(graph, "Budget team", issue["id"], people["lead"]["id"])
    await builders.add_member(graph, team["id"], people["member"]["id"])
    ids = {f"{k}Id": v["id"] for k, v in people.items()} | {
        "fmId": fm["id"],
        "vkId": vk["id"],
        "skillId": skill["id"],
        "issueId": issue["id"],
        "otherIssueId": other["id"],
        "teamId": team["id"],
    }
    emails: dict[str, str | None] = {r: f"{r}@t.lv" for r in ROLES} | {"anonymous": None}
    return World(ids, emails)
