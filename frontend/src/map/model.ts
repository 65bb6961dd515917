// The issue map's data model and a deterministic O(n) layout: positions are computed once here, so
// the browser never runs a force simulation (which took tens of seconds for 5,000 nodes).

export type Kind = "issue" | "institution" | "team" | "person";
export interface MapNode {
  id: string;
  kind: Kind;
  label: string;
  href: string;
  x: number;
  y: number;
  status?: string;
}
export interface MapEdge {
  id: string;
  source: string;
  target: string;
  kind: string;
}
export interface MapData {
  nodes: MapNode[];
  edges: MapEdge[];
}

export interface MapIssue {
  id: string;
  title: string;
  status: string;
  affected: { stake: string; institution: { id: string; code: string; nameLv: string; nameEn: string } }[];
  teams: { id: string; name: string; members: { person: { id: string; name: string } }[] }[];
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0) / 4294967295;
}

function around(cx: number, cy: number, r: number, key: string): [number, number] {
  const angle = hash(key) * 2 * Math.PI;
  const dist = r * (0.5 + 0.5 * hash(`${key}/r`));
  return [cx + Math.cos(angle) * dist, cy + Math.sin(angle) * dist];
}

/** Institutions on a ring; each issue near the centre of the institutions it affects; teams and
 *  people around their issue and team. The same input always gives the same picture. */
export function buildMap(issues: MapIssue[], withPeople: boolean): MapData {
  const nodes: MapNode[] = [];
  const edges: MapEdge[] = [];
  const institutions = new Map<string, MapIssue["affected"][number]["institution"]>();
  for (const issue of issues) for (const a of issue.affected) institutions.set(a.institution.id, a.institution);
  const ring = [...institutions.values()].sort((a, b) => a.code.localeCompare(b.code));
  const radius = Math.max(600, Math.sqrt(issues.length) * 160);
  const pos = new Map<string, [number, number]>();
  ring.forEach((inst, i) => {
    const angle = (i / Math.max(ring.length, 1)) * 2 * Math.PI;
    const p: [number, number] = [Math.cos(angle) * radius, Math.sin(angle) * radius];
    pos.set(inst.id, p);
    nodes.push({ id: inst.id, kind: "institution", label: inst.code, href: `/people?institution=${encodeURIComponent(inst.id)}`, x: p[0], y: p[1] });
  });
  const seenPeople = new Set<string>();
  for (const issue of issues) {
    const points = issue.affected.map((a) => pos.get(a.institution.id)!);
    const cx = points.length ? (points.reduce((s, p) => s + p[0], 0) / points.length) * 0.55 : 0;
    const cy = points.length ? (points.reduce((s, p) => s + p[1], 0) / points.length) * 0.55 : 0;
    const [ix, iy] = around(cx, cy, radius * 0.25, issue.id);
    nodes.push({ id: issue.id, kind: "issue", label: issue.title, href: `/issues/${issue.id}`, x: ix, y: iy, status: issue.status });
    for (const a of issue.affected)
      edges.push({ id: `${issue.id}>${a.institution.id}`, source: issue.id, target: a.institution.id, kind: a.stake });
    for (const team of issue.teams) {
      const [tx, ty] = around(ix, iy, 90, team.id);
      nodes.push({ id: team.id, kind: "team", label: team.name, href: `/teams/${team.id}`, x: tx, y: ty });
      edges.push({ id: `${team.id}>${issue.id}`, source: team.id, target: issue.id, kind: "WORKS_ON" });
      if (!withPeople) continue;
      for (const m of team.members) {
        if (!seenPeople.has(m.person.id)) {
          seenPeople.add(m.person.id);
          const [px, py] = around(tx, ty, 60, m.person.id);
          nodes.push({ id: m.person.id, kind: "person", label: m.person.name, href: `/people/${m.person.id}`, x: px, y: py });
        }
        edges.push({ id: `${m.person.id}>${team.id}`, source: m.person.id, target: team.id, kind: "MEMBER" });
      }
    }
  }
  return { nodes, edges };
}
