// Live activity over graphql-transport-ws: history from `activities(scopeId)`, then the scope's
// subscription from the history's `liveCursor`, so the hub replays whatever was committed after the
// history was read. Every automatic reconnect resumes right after the last event seen (its
// `cursor`), so nothing is lost or repeated across a dropped socket or a hub restart.
import { createContext, createElement, useContext, useEffect, useRef, useState, type ReactNode } from "react";
import type { Client as WsClient } from "graphql-ws";
import { useQuery } from "urql";
import { graphql } from "../gql";
import { subscribePayload } from "../api/client";

export type LiveStatus = "connecting" | "live" | "reconnecting";

/** The app's one graphql-ws client and the state of its socket (shared by every feed). */
export const WsContext = createContext<{ ws: WsClient | null; status: LiveStatus }>({ ws: null, status: "connecting" });

export function WsProvider({ ws, children }: { ws: WsClient; children: ReactNode }) {
  const [status, setStatus] = useState<LiveStatus>("connecting");
  useEffect(() => {
    const offConnected = ws.on("connected", () => setStatus("live"));
    const offClosed = ws.on("closed", () => setStatus((s) => (s === "live" ? "reconnecting" : s)));
    return () => {
      offConnected();
      offClosed();
    };
  }, [ws]);
  return createElement(WsContext.Provider, { value: { ws, status } }, children);
}

// One feed item, as the history and every scope's subscription select it.
export const LiveItem = graphql(`
  fragment LiveItem on Activity {
    id
    seq
    at
    verb
    summary
    actor {
      id
      name
    }
  }
`);

export const LiveEventFields = graphql(`
  fragment LiveEventFields on LiveActivity {
    cursor
    replayed
    activity {
      ...LiveItem
    }
  }
`);

const History = graphql(`
  query LiveHistory($scopeId: ID, $first: Int) {
    activities(scopeId: $scopeId, first: $first) {
      liveCursor
      nodes {
        ...LiveItem
      }
    }
  }
`);

const TeamLive = graphql(`
  subscription TeamLive($id: ID!, $after: String) {
    teamActivity(teamId: $id, after: $after) {
      ...LiveEventFields
    }
  }
`);

const IssueLive = graphql(`
  subscription IssueLive($id: ID!, $after: String) {
    issueActivity(issueId: $id, after: $after) {
      ...LiveEventFields
    }
  }
`);

const InstitutionLive = graphql(`
  subscription InstitutionLive($id: ID!, $after: String) {
    institutionActivity(institutionId: $id, after: $after) {
      ...LiveEventFields
    }
  }
`);

const MyLive = graphql(`
  subscription MyLive($id: ID, $after: String) {
    myFeed(personId: $id, after: $after) {
      ...LiveEventFields
    }
  }
`);

export type ScopeKind = "team" | "issue" | "institution" | "my";

const DOCUMENTS = { team: TeamLive, issue: IssueLive, institution: InstitutionLive, my: MyLive };

export interface FeedItem {
  id: string;
  seq: number;
  at: string;
  verb: string;
  summary: string;
  actor?: { id: string; name: string } | null;
}

type LiveEvent = { cursor: string; replayed: boolean; activity: FeedItem };

const KEEP = 50;
const RETRY_MS = 2000;
// Errors that retrying cannot fix: the request itself is wrong or not allowed.
const PERMANENT = new Set([
  "BAD_USER_INPUT",
  "NOT_FOUND",
  "FORBIDDEN",
  "UNAUTHENTICATED",
  "GRAPHQL_VALIDATION_FAILED",
  "PERSISTED_QUERY_NOT_FOUND", // the hub runs another build's documents: a reload fetches this one
]);

/** The feed's items newest first, the connection status, and the error code the hub sent, if any. */
export function useLiveActivity(kind: ScopeKind, id: string) {
  const { ws, status } = useContext(WsContext);
  const [history, refetch] = useQuery({ query: History, variables: { scopeId: id, first: 20 } });
  const [items, setItems] = useState<FeedItem[]>([]);
  const [generation, setGeneration] = useState(0);
  // Where the subscription starts, once the history is read: its `liveCursor` (null: from now).
  const [start, setStart] = useState<{ after: string | null } | null>(null);
  const [errorCode, setErrorCode] = useState<string | null>(null);
  const byId = useRef(new Map<string, FeedItem>());
  // The last cursor survives resubscribing (after an error ends a subscription), not a scope change.
  const cursor = useRef<string | null>(null);
  const refetchRef = useRef(refetch);
  refetchRef.current = refetch;

  const merge = (list: FeedItem[]) => {
    for (const item of list) byId.current.set(item.id, item);
    const sorted = [...byId.current.values()].sort((a, b) => b.seq - a.seq).slice(0, KEEP);
    byId.current = new Map(sorted.map((i) => [i.id, i]));
    setItems(sorted);
  };

  useEffect(() => {
    byId.current = new Map();
    cursor.current = null;
    setStart(null);
    setItems([]);
  }, [kind, id]);

  useEffect(() => {
    if (!history.data) return;
    merge(history.data.activities.nodes);
    // Only a subscription waiting for its start takes it: a later re-read is merged, nothing more.
    const after = history.data.activities.liveCursor ?? null;
    setStart((s) => s ?? { after });
  }, [history.data]);

  useEffect(() => {
    // No history to start from: the feed goes live from now rather than not at all.
    if (history.error && !history.data) setStart((s) => s ?? { after: null });
  }, [history.error, history.data]);

  useEffect(() => {
    if (!ws || !start) return;
    // graphql-ws re-sends this very payload object on every retry: updating `after` in place makes
    // each reconnect resume after the last event delivered.
    const payload = subscribePayload(DOCUMENTS[kind], { id, after: cursor.current ?? start.after });
    const reread = () => refetchRef.current({ requestPolicy: "network-only" });
    let connectedOnce = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const offConnected = ws.on("connected", () => {
      // Reconnected before any event arrived: no cursor to resume from, so re-read the history.
      if (connectedOnce && payload.variables.after === null) reread();
      connectedOnce = true;
    });
    // A subscription the hub ended (an error, or completion) is started again from the cursor.
    let disposed = false;
    const again = (ms: number) => {
      if (disposed) return;
      retry = setTimeout(() => setGeneration((g) => g + 1), ms);
    };
    // How soon to start again once the hub ends the subscription; null: never (retrying cannot help).
    let restartIn: number | null = RETRY_MS;
    // `ended`: the subscription is over (an `error` message); otherwise `complete` follows.
    const failed = (code: string, ended: boolean) => {
      if (code === "RESYNC_REQUIRED") {
        // The history moved on (pruned, or a restored database): re-read it, and start again from
        // the new history's cursor once it is read.
        cursor.current = null;
        restartIn = null;
        setStart(null);
        reread();
      } else {
        setErrorCode(code);
        if (PERMANENT.has(code)) restartIn = null;
      }
      if (ended && restartIn !== null) again(restartIn);
    };
    const unsubscribe = ws.subscribe<Record<string, LiveEvent>>(payload, {
      next(result) {
        if (result.errors?.length) {
          // An error after the subscription started comes as a `next` with errors, then `complete`.
          failed(String(result.errors[0].extensions?.code ?? "INTERNAL_SERVER_ERROR"), false);
          return;
        }
        const event = result.data && Object.values(result.data)[0];
        if (!event) return;
        payload.variables.after = event.cursor;
        cursor.current = event.cursor;
        setErrorCode(null);
        merge([event.activity]);
      },
      error(error) {
        const list = Array.isArray(error) ? (error as { extensions?: { code?: unknown } }[]) : [];
        failed(String(list[0]?.extensions?.code ?? "NETWORK"), true);
      },
      complete() {
        // The hub ended the subscription (after an error, or shutting down): start it again.
        if (restartIn !== null) again(restartIn);
      },
    });
    // Started again without a cursor: re-read the history (after subscribing, so nothing falls between).
    if (generation > 0 && payload.variables.after === null) reread();
    return () => {
      disposed = true;
      clearTimeout(retry);
      unsubscribe();
      offConnected();
    };
  }, [ws, kind, id, generation, start]);

  return { items, status, errorCode, historyError: history.error, loading: history.fetching && !history.data };
}
