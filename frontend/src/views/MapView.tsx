import { useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useSearchParams } from "react-router";
import { useClient, useQuery } from "urql";
import cytoscape, { type Core } from "cytoscape";
import { graphql } from "../gql";
import type { IssueStatus } from "../gql/graphql";
import { ErrorNote, PageTitle } from "../components/common";
import { LookupsQuery, instName } from "./lookups";
import { buildMap, type MapData, type MapIssue, type MapNode } from "../map/model";
import type { CombinedError } from "urql";

// One request per refresh: the hub's issueMap answers with the matching subgraph as nodes and edges.
const IssueMapQuery = graphql(`
  query IssueMapForView($filter: IssueMapFilter!) {
    issueMap(filter: $filter) {
      nodes {
        id
        kind
        label
        code
        status
      }
      edges {
        kind
        source
        target
        stake
      }
    }
  }
`);

// The map is refreshed in place on an interval: nodes are added and removed, positions kept.
const REFRESH_MS = 5000;
const STATUSES: IssueStatus[] = ["PROPOSED", "ACTIVE", "ON_HOLD", "RESOLVED"];

// Shapes and outline styles carry the kind, so colour is never the only cue; all colours have at
// least 3:1 contrast against the white background.
const STYLE: cytoscape.StylesheetJson = [
  {
    selector: "node",
    style: {
      label: "data(label)",
      "font-size": 11,
      "min-zoomed-font-size": 8,
      "text-valign": "bottom",
      "text-margin-y": 3,
      color: "#1b1b1b",
      width: 18,
      height: 18,
      "border-width": 2,
      "border-color": "#1b1b1b",
    },
  },
  { selector: 'node[kind = "institution"]', style: { shape: "diamond", "background-color": "#0b5cad", width: 26, height: 26 } },
  { selector: 'node[kind = "issue"]', style: { shape: "round-rectangle", "background-color": "#a4262c" } },
  { selector: 'node[kind = "team"]', style: { shape: "triangle", "background-color": "#2e6b30" } },
  { selector: 'node[kind = "person"]', style: { shape: "ellipse", "background-color": "#6b4f00", width: 10, height: 10 } },
  { selector: "node:selected", style: { "border-width": 5, "border-color": "#000", "underlay-color": "#ffbf47", "underlay-opacity": 0.9, "underlay-padding": 6 } },
  { selector: "edge", style: { width: 1, "line-color": "#767676", "curve-style": "haystack" } },
  { selector: 'edge[kind = "CONSULTED"]', style: { "line-style": "dashed" } },
];

function toElements(data: MapData): cytoscape.ElementDefinition[] {
  return [
    ...data.nodes.map((n) => ({ group: "nodes" as const, data: { id: n.id, label: n.label, kind: n.kind }, position: { x: n.x, y: n.y } })),
    ...data.edges.map((e) => ({ group: "edges" as const, data: { id: e.id, source: e.source, target: e.target, kind: e.kind } })),
  ];
}

/** Add what is new and remove what is gone; nodes that stay keep their place and the viewport. */
function patch(cy: Core, data: MapData): void {
  const wanted = new Set([...data.nodes.map((n) => n.id), ...data.edges.map((e) => e.id)]);
  cy.batch(() => {
    cy.elements().filter((el) => !wanted.has(el.id())).remove();
    const fresh = toElements(data).filter((el) => cy.getElementById(el.data.id!).empty());
    cy.add(fresh);
    for (const n of data.nodes) cy.getElementById(n.id).data("label", n.label);
  });
}

interface IssueMapAnswer {
  nodes: { id: string; kind: string; label: string; code?: string | null; status?: string | null }[];
  edges: { kind: string; source: string; target: string; stake?: string | null }[];
}

/** issueMap's nodes and edges as the issues-with-institutions-and-teams that the layout takes. */
function toIssues(map: IssueMapAnswer): MapIssue[] {
  const byId = new Map(map.nodes.map((n) => [n.id, n]));
  const issues = new Map<string, MapIssue>();
  for (const n of map.nodes)
    if (n.kind === "ISSUE") issues.set(n.id, { id: n.id, title: n.label, status: n.status ?? "", affected: [], teams: [] });
  const teams = new Map<string, MapIssue["teams"][number]>();
  for (const e of map.edges) {
    const issue = issues.get(e.kind === "ADDRESSES" ? e.target : e.source);
    const other = byId.get(e.kind === "ADDRESSES" ? e.source : e.target);
    if (!issue || !other) continue;
    if (e.kind === "AFFECTS") {
      const code = other.code ?? other.label;
      issue.affected.push({ stake: e.stake ?? "", institution: { id: other.id, code, nameLv: other.label, nameEn: other.label } });
    } else if (e.kind === "ADDRESSES") {
      const team = { id: other.id, name: other.label, members: [] };
      teams.set(team.id, team);
      issue.teams.push(team);
    }
  }
  for (const e of map.edges) {
    const person = byId.get(e.source);
    if (e.kind === "MEMBER_OF" && person) teams.get(e.target)?.members.push({ person: { id: person.id, name: person.label } });
  }
  return [...issues.values()];
}

function useMapIssues(
  filter: { status: IssueStatus | null; directionId: string | null; institutionId: string | null },
  withPeople: boolean,
) {
  const client = useClient();
  const [issues, setIssues] = useState<MapIssue[] | null>(null);
  const [error, setError] = useState<CombinedError | undefined>();
  const key = JSON.stringify([filter, withPeople]);
  useEffect(() => {
    let stopped = false;
    async function load() {
      const result = await client
        .query(IssueMapQuery, { filter: { ...filter, includePeople: withPeople } }, { requestPolicy: "network-only" })
        .toPromise();
      if (stopped) return;
      if (result.error || !result.data) {
        setError(result.error);
        return;
      }
      setError(undefined);
      setIssues(toIssues(result.data.issueMap));
    }
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, key]);
  return { issues, error };
}

declare global {
  interface Window {
    __sadarbeMap?: { cy: Core; drawMs: number; nodes: number };
  }
}

export default function MapView() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const [lookups] = useQuery({ query: LookupsQuery });
  const view = params.get("view") === "list" ? "list" : "graph";
  const withPeople = params.get("people") === "1";
  const filter = {
    status: (params.get("status") as IssueStatus) || null,
    directionId: params.get("direction") || null,
    institutionId: params.get("institution") || null,
  };
  const { issues, error } = useMapIssues(filter, withPeople);
  const data = useMemo(() => (issues ? buildMap(issues, withPeople) : null), [issues, withPeople]);
  const container = useRef<HTMLDivElement>(null);
  const cyRef = useRef<Core | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [drawMs, setDrawMs] = useState<number | null>(null);
  const lng = i18n.language;

  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  // Create the graph once per view; later data only patches it.
  useEffect(() => {
    if (view !== "graph" || !container.current || !data) return;
    if (cyRef.current) {
      patch(cyRef.current, data);
      return;
    }
    const started = performance.now();
    const large = data.nodes.length > 1500;
    const cy = cytoscape({
      // Large maps: labels only on the selected node keep drawing and panning fast.
      container: container.current,
      elements: toElements(data),
      style: large ? [...STYLE, { selector: "node", style: { label: "" } }, { selector: "node:selected", style: { label: "data(label)" } }] : STYLE,
      layout: { name: "preset" },
      textureOnViewport: true,
      hideEdgesOnViewport: large,
      motionBlur: false,
      pixelRatio: 1,
      minZoom: 0.02,
      maxZoom: 4,
    });
    cy.on("tap", "node", (e) => setSelected(e.target.id()));
    cy.on("dbltap", "node", (e) => {
      const node = cyRef.current && e.target.id();
      if (node) navigate(hrefOf(node));
    });
    cy.on("tap", (e) => {
      if (e.target === cy) setSelected(null);
    });
    cyRef.current = cy;
    cy.one("render", () => {
      const ms = Math.round(performance.now() - started);
      setDrawMs(ms);
      window.__sadarbeMap = { cy, drawMs: ms, nodes: cy.nodes().length };
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [data, view]);

  useEffect(
    () => () => {
      cyRef.current?.destroy();
      cyRef.current = null;
    },
    [view],
  );

  useEffect(() => {
    const cy = cyRef.current;
    if (!cy) return;
    cy.$(":selected").unselect();
    if (selected) cy.getElementById(selected).select();
  }, [selected]);

  const byId = useMemo(() => new Map((data?.nodes ?? []).map((n) => [n.id, n])), [data]);
  const degree = useMemo(() => {
    const d = new Map<string, number>();
    for (const e of data?.edges ?? []) {
      d.set(e.source, (d.get(e.source) ?? 0) + 1);
      d.set(e.target, (d.get(e.target) ?? 0) + 1);
    }
    return d;
  }, [data]);
  const hrefOf = (id: string) => byId.get(id)?.href ?? "/map";
  const chosen: MapNode | undefined = selected ? byId.get(selected) : undefined;

  return (
    <>
      <PageTitle>{t("map.title")}</PageTitle>
      <form className="filters" aria-label={t("map.filters")} onSubmit={(e) => e.preventDefault()}>
        <fieldset className="segmented">
          <legend>{t("map.view")}</legend>
          {(["graph", "list"] as const).map((v) => (
            <label key={v}>
              <input type="radio" name="view" value={v} checked={view === v} onChange={() => set("view", v === "list" ? "list" : "")} />
              {t(`map.${v}`)}
            </label>
          ))}
        </fieldset>
        <label>
          {t("issues.direction")}
          <select value={params.get("direction") ?? ""} onChange={(e) => set("direction", e.target.value)} data-testid="map-direction">
            <option value="">{t("common.all")}</option>
            {lookups.data?.planDirections.map((d) => (
              <option key={d.id} value={d.id}>
                {d.number}. {lng === "en" ? d.titleEn : d.titleLv}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("issues.status")}
          <select value={params.get("status") ?? ""} onChange={(e) => set("status", e.target.value)} data-testid="map-status">
            <option value="">{t("common.all")}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`enums.IssueStatus.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("people.institution")}
          <select value={params.get("institution") ?? ""} onChange={(e) => set("institution", e.target.value)} data-testid="map-institution">
            <option value="">{t("common.all")}</option>
            {lookups.data?.institutions.nodes.map((i) => (
              <option key={i.id} value={i.id}>
                {instName(i, lng)}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={withPeople} onChange={(e) => set("people", e.target.checked ? "1" : "")} />
          {t("map.showPeople")}
        </label>
      </form>
      <ErrorNote error={error} />
      {data && (
        <p role="status" data-testid="map-counts">
          {t("map.nodes", { count: data.nodes.length })}, {t("map.edges", { count: data.edges.length })}
          {drawMs !== null && view === "graph" ? ` · ${t("map.drawn", { ms: drawMs })}` : ""}
        </p>
      )}
      {view === "graph" ? (
        <div className="map-wrap">
          <div className="map-tools">
            <button type="button" onClick={() => cyRef.current?.zoom({ level: cyRef.current.zoom() * 1.3, renderedPosition: center(cyRef.current) })}>
              {t("map.zoomIn")}
            </button>
            <button type="button" onClick={() => cyRef.current?.zoom({ level: cyRef.current.zoom() / 1.3, renderedPosition: center(cyRef.current) })}>
              {t("map.zoomOut")}
            </button>
            <button type="button" onClick={() => cyRef.current?.fit(undefined, 20)}>
              {t("map.fit")}
            </button>
          </div>
          <div ref={container} className="map" role="img" aria-label={t("map.graphLabel")} data-testid="map-canvas" />
          <aside className="map-side" aria-live="polite">
            <h2>{t("map.selected")}</h2>
            {chosen ? (
              <p data-testid="map-selected">
                {t(`map.kind.${chosen.kind}`)}: <Link to={chosen.href}>{chosen.label}</Link>
              </p>
            ) : (
              <p>{t("map.noneSelected")}</p>
            )}
            <h2>{t("map.legend")}</h2>
            <ul className="legend">
              <li><span aria-hidden="true" className="sym">◆</span> {t("map.kind.institution")}</li>
              <li><span aria-hidden="true" className="sym">▬</span> {t("map.kind.issue")}</li>
              <li><span aria-hidden="true" className="sym">▲</span> {t("map.kind.team")}</li>
              <li><span aria-hidden="true" className="sym">●</span> {t("map.kind.person")}</li>
              <li><span aria-hidden="true" className="sym">┄</span> {t("enums.Stake.CONSULTED")}</li>
            </ul>
          </aside>
        </div>
      ) : (
        <table data-testid="map-list">
          <thead>
            <tr>
              <th scope="col">{t("map.kind.issue")} / {t("map.kind.institution")} / {t("map.kind.team")}</th>
              <th scope="col">{t("map.view")}</th>
              <th scope="col">{t("map.links")}</th>
            </tr>
          </thead>
          <tbody>
            {data?.nodes.map((n) => (
              <tr key={n.id}>
                <td>
                  <Link to={n.href}>{n.label}</Link>
                </td>
                <td>{t(`map.kind.${n.kind}`)}</td>
                <td>{degree.get(n.id) ?? 0}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function center(cy: Core): { x: number; y: number } {
  return { x: cy.width() / 2, y: cy.height() / 2 };
}
