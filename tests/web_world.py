"""A small hand-built graph for the web app's and the benchmark's read documents: readable ids,
fixed times, one public and one restricted team on the same issue, a pending invitation, a post
with a reply, a decision, a task and four numbered activities (one about the restricted team).

    FM (ministry) ← VID (agency, subordinate) · VARAM (ministry) · VK (centre of government)
    Zane (FM, law 4, data 2)  Anna (VARAM, data 5)  Boris (VID, law 3)  Dace (VID, law 2)  Olga (FM)
    issue_reg "Shared registers" (ACTIVE, HIGH, direction 3): FM LEAD, VARAM INVOLVED, VID CONSULTED;
        depends on issue_tax "Tax data" (PROPOSED): VID LEAD
    team_reg "Register team" (ACTIVE, PUBLIC): Zane LEAD 40, Anna EXPERT 20; Boris invited (pending)
    team_audit "Audit team" (FORMING, RESTRICTED): Zane LEAD 10, Boris MEMBER 10
"""

from __future__ import annotations

from graph.access import Viewer
from graph.driver import Graph
from tests.handbuilt import cypher

ANNA = Viewer.signed_in_as("person_anna", "anna@varam.gov.lv")
BORIS = Viewer.signed_in_as("person_boris", "boris@vid.gov.lv")

_WORLD = """
CREATE (fm:Institution:Entity {id: 'inst_fm', code: 'FM', nameLv: 'Finanšu ministrija',
        nameEn: 'Ministry of Finance', kind: 'MINISTRY', createdAt: datetime('2026-01-10T08:00:00Z')})
CREATE (vid:Institution:Entity {id: 'inst_vid', code: 'VID', nameLv: 'Valsts ieņēmumu dienests',
        nameEn: 'State Revenue Service', kind: 'AGENCY', createdAt: datetime('2026-01-10T08:00:00Z')})
CREATE (varam:Institution:Entity {id: 'inst_varam', code: 'VARAM',
        nameLv: 'Viedās administrācijas un reģionālās attīstības ministrija',
        nameEn: 'Ministry of Smart Administration and Regional Development', kind: 'MINISTRY',
        createdAt: datetime('2026-01-10T08:00:00Z')})
CREATE (vk:Institution:Entity {id: 'inst_vk', code: 'VK', nameLv: 'Valsts kanceleja', nameEn: 'State Chancellery',
        kind: 'CENTRE_OF_GOVERNMENT', createdAt: datetime('2026-01-10T08:00:00Z')})
CREATE (vid)-[:SUBORDINATE_TO]->(fm)
CREATE (dir:PlanDirection:Entity {id: 'dir_3', number: 3, titleLv: 'Digitālā valsts', titleEn: 'Digital state'})
CREATE (law:Skill:Entity {id: 'skill_law', key: 'law', name: 'Law', createdAt: datetime('2026-01-10T08:00:00Z')})
CREATE (data:Skill:Entity {id: 'skill_data', key: 'data', name: 'Data', createdAt: datetime('2026-01-10T08:00:00Z')})
CREATE (zane:Person:Entity {id: 'person_zane', name: 'Zane Ozola', email: 'zane@fm.gov.lv', title: 'Head of unit',
        languages: ['lv', 'en'], createdAt: datetime('2026-01-11T08:00:00Z')})-[:WORKS_AT]->(fm)
CREATE (anna:Person:Entity {id: 'person_anna', name: 'Anna Liepa', email: 'anna@varam.gov.lv',
        languages: ['lv'], createdAt: datetime('2026-01-11T08:00:00Z')})-[:WORKS_AT]->(varam)
CREATE (boris:Person:Entity {id: 'person_boris', name: 'Boris Kalns', email: 'boris@vid.gov.lv', title: 'Analyst',
        languages: ['lv'], createdAt: datetime('2026-01-11T08:00:00Z')})-[:WORKS_AT]->(vid)
CREATE (dace:Person:Entity {id: 'person_dace', name: 'Dace Vilka', email: 'dace@vid.gov.lv',
        languages: ['lv'], createdAt: datetime('2026-01-11T08:00:00Z')})-[:WORKS_AT]->(vid)
CREATE (olga:Person:Entity {id: 'person_olga', name: 'Olga Straume', email: 'olga@fm.gov.lv',
        languages: ['lv'], createdAt: datetime('2026-01-11T08:00:00Z')})-[:WORKS_AT]->(fm)
CREATE (zane)-[:HAS_SKILL {level: 4}]->(law), (zane)-[:HAS_SKILL {level: 2}]->(data),
       (anna)-[:HAS_SKILL {level: 5}]->(data), (boris)-[:HAS_SKILL {level: 3}]->(law),
       (dace)-[:HAS_SKILL {level: 2}]->(law)
CREATE (tax:HorizontalIssue:Entity {id: 'issue_tax', title: 'Tax data', description: '', status: 'PROPOSED',
        priority: 'MEDIUM', createdAt: datetime('2026-02-01T08:00:00Z'), updatedAt: datetime('2026-02-01T08:00:00Z')})
CREATE (tax)-[:AFFECTS {stake: 'LEAD'}]->(vid)
CREATE (reg:HorizontalIssue:Entity {id: 'issue_reg', title: 'Shared registers',
        description: 'Who keeps which register', status: 'ACTIVE', priority: 'HIGH',
        createdAt: datetime('2026-02-01T08:00:00Z'), updatedAt: datetime('2026-03-04T08:00:00.123456Z')})
CREATE (reg)-[:UNDER_DIRECTION]->(dir), (reg)-[:DEPENDS_ON]->(tax),
       (reg)-[:AFFECTS {stake: 'LEAD'}]->(fm), (reg)-[:AFFECTS {stake: 'INVOLVED'}]->(varam),
       (reg)-[:AFFECTS {stake: 'CONSULTED'}]->(vid)
CREATE (team:ProjectTeam:Entity {id: 'team_reg', name: 'Register team', mandate: 'Map the registers',
        status: 'ACTIVE', visibility: 'PUBLIC', legalBasisNumber: 'MK-12', legalBasisDate: date('2026-03-01'),
        startDate: date('2026-03-02'), endDate: date('2026-12-31'), reportingDeadlines: [date('2026-06-30')],
        createdAt: datetime('2026-03-01T09:00:00Z'), updatedAt: datetime('2026-03-01T09:00:00Z')})-[:ADDRESSES]->(reg)
CREATE (zane)-[:MEMBER_OF {role: 'LEAD', allocation: 40, since: date('2026-03-02')}]->(team),
       (anna)-[:MEMBER_OF {role: 'EXPERT', allocation: 20, since: date('2026-03-05')}]->(team)
CREATE (audit:ProjectTeam:Entity {id: 'team_audit', name: 'Audit team', mandate: 'Audit the registers',
        status: 'FORMING', visibility: 'RESTRICTED', createdAt: datetime('2026-03-02T09:00:00Z'),
        updatedAt: datetime('2026-03-02T09:00:00Z')})-[:ADDRESSES]->(reg)
CREATE (zane)-[:MEMBER_OF {role: 'LEAD', allocation: 10, since: date('2026-03-02')}]->(audit),
       (boris)-[:MEMBER_OF {role: 'MEMBER', allocation: 10, since: date('2026-03-03')}]->(audit)
CREATE (inv:Invitation:Entity {id: 'inv_boris', role: 'MEMBER', allocation: 15, message: 'Join us', status: 'PENDING',
        expiresAt: datetime('2099-01-01T00:00:00Z'), createdAt: datetime('2026-03-04T09:00:00Z')})
CREATE (inv)-[:TO_JOIN]->(team), (inv)-[:INVITES]->(boris), (inv)-[:SENT_BY]->(zane)
CREATE (kickoff:Post:Entity {id: 'post_kickoff', body: 'Kick-off', createdAt: datetime('2026-03-03T10:00:00Z')})
CREATE (kickoff)-[:IN_TEAM]->(team), (kickoff)-[:WRITTEN_BY]->(zane), (kickoff)-[:MENTIONS]->(anna)
CREATE (reply:Post:Entity {id: 'post_reply', body: 'Thanks', createdAt: datetime('2026-03-03T11:30:00.5Z')})
CREATE (reply)-[:IN_TEAM]->(team), (reply)-[:WRITTEN_BY]->(anna), (reply)-[:REPLY_TO]->(kickoff)
CREATE (decision:Decision:Entity {id: 'dec_list', text: 'Adopt the register list', date: date('2026-04-01'),
        legalBasis: 'MK-12', createdAt: datetime('2026-04-01T12:00:00Z')})-[:IN_TEAM]->(team)
CREATE (decision)-[:RECORDED_BY]->(zane)
CREATE (task:Task:Entity {id: 'task_draft', title: 'Draft the list', status: 'IN_PROGRESS', dueDate: date('2026-05-01'),
        createdAt: datetime('2026-04-01T12:00:00Z')})-[:IN_TEAM]->(team)
CREATE (task)-[:ASSIGNED_TO]->(anna)
CREATE (a1:Activity:Entity {id: 'act_1', seq: 1, at: datetime('2026-03-01T09:00:00Z'), verb: 'team.created',
        summary: 'Team created: Register team', targetId: 'team_reg', actorId: 'person_zane'})
CREATE (a1)-[:IN_SCOPE]->(team), (a1)-[:IN_SCOPE]->(reg), (a1)-[:BY]->(zane)
CREATE (a2:Activity:Entity {id: 'act_2', seq: 2, at: datetime('2026-03-03T10:00:00Z'), verb: 'post.created',
        summary: 'Register team: new post', targetId: 'post_kickoff', actorId: 'person_zane'})
CREATE (a2)-[:IN_SCOPE]->(team), (a2)-[:IN_SCOPE]->(reg), (a2)-[:IN_SCOPE]->(anna), (a2)-[:BY]->(zane)
CREATE (a3:Activity:Entity {id: 'act_3', seq: 3, at: datetime('2026-03-02T09:00:00Z'), verb: 'team.created',
        summary: 'Team created: Audit team', targetId: 'team_audit', actorId: 'person_zane'})
CREATE (a3)-[:IN_SCOPE]->(audit), (a3)-[:IN_SCOPE]->(reg), (a3)-[:BY]->(zane)
CREATE (a4:Activity:Entity {id: 'act_4', seq: 4, at: datetime('2026-03-04T08:00:00.123456Z'), verb: 'issue.updated',
        summary: 'Issue updated: Shared registers', targetId: 'issue_reg', actorId: 'person_zane',
        before: '{"status": "PROPOSED"}', after: '{"status": "ACTIVE"}'})
CREATE (a4)-[:IN_SCOPE]->(reg), (a4)-[:BY]->(zane)
CREATE (:Counter {name: 'activity', epoch: 'web', value: 4})
"""


async def build(graph: Graph) -> None:
    await cypher(graph, _WORLD)
