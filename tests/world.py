"""A small hand-built government for the mapping, insights and network specifications.

Directions d1, d2. Institutions: VK (State Chancellery), FM, VM (ministries), VID (agency under FM).
Issues: tax (ACTIVE, d1; FM lead, VID involved, VK consulted), health (ACTIVE, d2; VM lead, FM
involved; depends on tax), old (RESOLVED, d1; VK lead).
Teams: t_tax PUBLIC on tax (juris@FM lead 60, ilze@VID 50, anna@VK expert 20);
t_health INTERNAL on health (peteris@VM lead 50, juris 50, ilze 10);
t_secret RESTRICTED on health (zane@VM lead 80, liga@FM 40, juris 10).
"""

from __future__ import annotations

from graph.access import Viewer
from graph.driver import Graph
from tests import handbuilt as build

OUTSIDER = Viewer(person_id="anna", signed_in=True)  # not on t_secret
MEMBER = Viewer(person_id="zane", signed_in=True)  # on t_secret


async def build_world(graph: Graph) -> None:
    await build.direction(graph, "d1", 1, "Gudra pārvaldība")
    await build.direction(graph, "d2", 2, "Cilvēkkapitāls")
    await build.institution(graph, "inst_vk", "Valsts kanceleja", kind="CENTRE_OF_GOVERNMENT", code="VK")
    await build.institution(graph, "inst_fm", "Finanšu ministrija", code="FM")
    await build.institution(graph, "inst_vm", "Veselības ministrija", code="VM")
    await build.institution(
        graph, "inst_vid", "Valsts ieņēmumu dienests", kind="AGENCY", code="VID", parent="inst_fm"
    )
    for id, name, inst in [
        ("anna", "Anna Ozola", "inst_vk"),
        ("juris", "Juris Kalniņš", "inst_fm"),
        ("liga", "Līga Liepa", "inst_fm"),
        ("peteris", "Pēteris Zariņš", "inst_vm"),
        ("zane", "Zane Krūmiņa", "inst_vm"),
        ("ilze", "Ilze Bērziņa", "inst_vid"),
    ]:
        await build.person(graph, id, name, inst)
    await build.issue(
        graph,
        "tax",
        "Nodokļu datu apmaiņa",
        direction_id="d1",
        affects={"inst_fm": "LEAD", "inst_vid": "INVOLVED", "inst_vk": "CONSULTED"},
    )
    await build.issue(
        graph,
        "health",
        "Veselības datu sadarbība",
        direction_id="d2",
        affects={"inst_vm": "LEAD", "inst_fm": "INVOLVED"},
        depends_on=["tax"],
    )
    await build.issue(
        graph, "old", "Arhīvu reforma", status="RESOLVED", direction_id="d1", affects={"inst_vk": "LEAD"}
    )
    await build.team(
        graph,
        "t_tax",
        "Datu apmaiņas komanda",
        "tax",
        members=[("juris", "LEAD", 60), ("ilze", "MEMBER", 50), ("anna", "EXPERT", 20)],
    )
    await build.team(
        graph,
        "t_health",
        "Veselības darba grupa",
        "health",
        visibility="INTERNAL",
        members=[("peteris", "LEAD", 50), ("juris", "MEMBER", 50), ("ilze", "MEMBER", 10)],
    )
    await build.team(
        graph,
        "t_secret",
        "Slepenā grupa",
        "health",
        visibility="RESTRICTED",
        members=[("zane", "LEAD", 80), ("liga", "MEMBER", 40), ("juris", "MEMBER", 10)],
    )
