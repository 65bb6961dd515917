import { useContext, useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useSearchParams } from "react-router";
import { useClient, useQuery } from "urql";
import { graphql } from "../gql";
import type { IssueStatus } from "../gql/graphql";
import { ErrorNote, PageTitle } from "../components/common";
import { LookupsQuery, instName } from "./lookups";
import { buildMap, type Kind, type MapIssue, type MapNode } from "../map/model";
import { createMapRenderer, type MapRenderer } from "../map/render";
import { WsContext } from "../live/useLiveActivity";
import { subscribePayload } from "../api/client";
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

// Any change to the drawn map (a node or edge added, changed or removed) makes the page read the
// map again and patch the picture in place: nodes are added and removed, the view stays put.
const MapChanges = graphql(`
  subscription IssueMapLive($filter: MapFilterInput) {
    issueMapChanges(filter: $filter) {
      cursor
      op
    }
  }
`);
/** Changes often come in bursts (one activity, several edges): one read after the burst. */
const SETTLE_MS = 400;
/** A safety net for changes missed while the subscription was down; it resumes with a re-read. */
const FALLBACK_REFRESH_MS = 60_000;
const STATUSES: IssueStatus[] = ["PROPOSED", "ACTIVE", "ON_HOLD", "RESOLVED"];

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

/** When the last issueMap request started, how long it took and how long reading it took. */
let loadTimes = { requestStart: 0, request: 0, toIssues: 0 };

function useMapIssues(
  filter: { status: IssueStatus | null; directionId: string | null; institutionId: string | null },
  withPeople: boolean,
) {
  const client = useClient();
  const { ws } = useContext(WsContext);
  const [issues, setIssues] = useState<MapIssue[] | null>(null);
  const [error, setError] = useState<CombinedError | undefined>();
  const key = JSON.stringify([filter, withPeople]);
  useEffect(() => {
    let stopped = false;
    async function load() {
      const asked = performance.now();
      const result = await client
        .query(IssueMapQuery, { filter: { ...filter, includePeople: withPeople } }, { requestPolicy: "network-only" })
        .toPromise();
      if (stopped) return;
      if (result.error || !result.data) {
        setError(result.error);
        return;
      }
      setError(undefined);
      const answered = performance.now();
      setIssues(toIssues(result.data.issueMap));
      loadTimes = { requestStart: asked, request: answered - asked, toIssues: performance.now() - answered };
    }
    void load();
    let pending: ReturnType<typeof setTimeout> | undefined;
    const soon = () => {
      clearTimeout(pending);
      pending = setTimeout(() => void load(), SETTLE_MS);
    };
    const timer = setInterval(() => void load(), FALLBACK_REFRESH_MS);
    const live = { directionId: filter.directionId, institutionId: filter.institutionId, statuses: filter.status ? [filter.status] : null };
    let connectedOnce = false;
    // Reconnected: whatever changed while the socket was down is only in a fresh read.
    const offConnected = ws?.on("connected", () => {
      if (connectedOnce) soon();
      connectedOnce = true;
    });
    const unsubscribe = ws?.subscribe(subscribePayload(MapChanges, { filter: live }), {
      next: soon,
      error: () => {}, // the fallback refresh keeps the map current
      complete: () => {},
    });
    return () => {
      stopped = true;
      clearTimeout(pending);
      clearInterval(timer);
      unsubscribe?.();
      offConnected?.();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, ws, key]);
  return { issues, error };
}

/** What the browser tests and benchmarks/map_render.py read: the picture, and timings per phase. */
export interface MapProbe {
  drawMs: number;
  /** The nodes of a kind with where they are drawn, in pixels from the canvas' top left corner. */
  nodes: (kind: Kind) => { id: string; label: string; x: number; y: number }[];
  panBy: (dx: number, dy: number) => void;
  stats: () => { nodes: number; edges: number; drawMs: number; phases: Record<string, number> };
  drawing: () => { frames: number; ms: number; fullFrames: number; fullMs: number };
  drawFull: () => number;
}

declare global {
  interface Window {
    __sadarbeMap?: MapProbe;
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
  const data = useMemo(() => {
    if (!issues) return null;
    const started = performance.now();
    return { ...buildMap(issues, withPeople), layoutMs: performance.now() - started };
  }, [issues, withPeople]);
  const container = useRef<HTMLDivElement>(null);
  const mapRef = useRef<MapRenderer | null>(null);
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
    if (mapRef.current) {
      mapRef.current.patch(data);
      return;
    }
    const started = performance.now();
    let created = started;
    const map = createMapRenderer(container.current, data, {
      onSelect: setSelected,
      onOpen: (id) => navigate(hrefRef.current(id)),
      onDrawn: () => {
        const drawn = performance.now();
        const ms = Math.round(drawn - started);
        setDrawMs(ms);
        // pageToDrawn: from the start of navigation (loading the app, the request, the layout).
        const phases = { ...loadTimes, layout: data.layoutMs, create: created - started, firstFrame: drawn - created, pageToDrawn: drawn };
        window.__sadarbeMap = {
          drawMs: ms,
          nodes: map.nodes,
          panBy: map.panBy,
          drawing: map.drawing,
          drawFull: map.drawFull,
          stats: () => ({ ...map.counts(), drawMs: ms, phases }),
        };
      },
    });
    created = performance.now();
    mapRef.current = map;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [data, view]);

  useEffect(
    () => () => {
      mapRef.current?.kill();
      mapRef.current = null;
      window.__sadarbeMap = undefined;
    },
    [view],
  );

  useEffect(() => mapRef.current?.select(selected), [selected]);

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
  // The renderer's double-click handler outlives renders: it reads the latest nodes through this.
  const hrefRef = useRef(hrefOf);
  hrefRef.current = hrefOf;
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
            <button type="button" onClick={() => mapRef.current?.zoom(1.5)}>
              {t("map.zoomIn")}
            </button>
            <button type="button" onClick={() => mapRef.current?.zoom(1 / 1.5)}>
              {t("map.zoomOut")}
            </button>
            <button type="button" onClick={() => mapRef.current?.fit()}>
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
