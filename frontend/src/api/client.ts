// The one place that talks to the hub: GraphQL over HTTP (session cookie + CSRF header) and
// subscriptions over graphql-transport-ws with automatic reconnect. The WebSocket is signed in by
// the same HttpOnly session cookie: the hub accepts it on the upgrade only from its own origin
// (so no token is ever exposed to scripts), and closes the socket with 4403 when the session ends.
import {
  Client,
  cacheExchange,
  fetchExchange,
  makeOperation,
  mapExchange,
  subscriptionExchange,
  type CombinedError,
  type Operation,
} from "urql";
import { retryExchange } from "@urql/exchange-retry";
import { Kind, print, type DocumentNode } from "graphql";
import { createClient as createWsClient, type Client as WsClient, type SubscribePayload } from "graphql-ws";

/** Sent on every HTTP request so the hub can refuse cross-site form posts (CSRF). */
export const CSRF_HEADER = { "X-Requested-With": "sadarbe" } as const;

/** graphql-transport-ws close code: no or expired sign-in. */
export const FORBIDDEN = 4403;

/**
 * Read-your-writes across hub replicas: the hub answers a write with an opaque bookmark, and every
 * later request sends it back so its reads start after that write, whichever replica and Neo4j
 * cluster member answer. Kept for this page load only.
 */
export const BOOKMARK_HEADER = "Sadarbe-Bookmark";

export function bookmarkedFetch(base: typeof fetch = globalThis.fetch.bind(globalThis)) {
  let bookmark: string | null = null;
  const send = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const headers = new Headers(init?.headers);
    if (bookmark) headers.set(BOOKMARK_HEADER, bookmark);
    return base(input, { ...init, headers });
  };
  const fetchWithBookmark = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    let response = await send(input, init);
    if (response.status === 400 && bookmark && (await refusedBookmark(response))) {
      // Not a bookmark this deployment signed (its secret was changed): ask again without it.
      bookmark = null;
      response = await send(input, init);
    }
    bookmark = response.headers.get(BOOKMARK_HEADER) ?? bookmark;
    return response;
  };
  /** After BAD_BOOKMARK from the database (it was replaced since the write): start afresh. */
  const forget = () => {
    bookmark = null;
  };
  return { fetch: fetchWithBookmark, forget };
}

async function refusedBookmark(response: Response): Promise<boolean> {
  const body = await response.clone().json().catch(() => null);
  return body?.errors?.[0]?.extensions?.code === "BAD_BOOKMARK";
}

export function wsUrl(location: Location = window.location): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/graphql`;
}

export function createWs(url: string = wsUrl()): WsClient {
  return createWsClient({
    url,
    lazy: true,
    // Keep trying for ever with capped, jittered backoff: a hub restart must not end the feeds.
    retryAttempts: Number.POSITIVE_INFINITY,
    // 4403: nobody is signed in, or the session expired; retrying cannot help until sign-in.
    shouldRetry: (event) => !(event instanceof CloseEvent && event.code === FORBIDDEN),
    retryWait: async (retries) => {
      const base = Math.min(1000 * 2 ** retries, 15000);
      await new Promise((resolve) => setTimeout(resolve, base / 2 + Math.random() * (base / 2)));
    },
  });
}

/**
 * Trusted documents: every document the app sends was registered at build time (codegen.ts: its id
 * is in the document's `__meta__.hash`, its text in dist/persisted-documents.json, which the hub
 * loads). The app sends the id as `documentId` (GraphQL over HTTP, appendix "Persisted Documents")
 * over HTTP and graphql-ws alike, so a hub that runs only registered documents for browser sessions
 * (HUB_TRUSTED_DOCUMENTS_ONLY) serves it. A document without an id (none is) is sent as text.
 */
export function documentIdOf(document: DocumentNode): string | undefined {
  return (document as { __meta__?: { hash?: string } }).__meta__?.hash;
}

/** urql sends `documentId` instead of `query` for a document with no definitions and a `documentId`. */
export const documentIdExchange = mapExchange({
  onOperation(operation: Operation) {
    const documentId = documentIdOf(operation.query);
    if (!documentId) return operation;
    const query = { kind: Kind.DOCUMENT, definitions: [], documentId } as DocumentNode;
    return makeOperation(operation.kind, { ...operation, query }, operation.context);
  },
});

/** What graphql-ws sends for a document: its id (`query` is empty: the protocol requires a string). */
export function subscribePayload<V extends Record<string, unknown>>(
  document: DocumentNode,
  variables: V,
): SubscribePayload & { documentId?: string; variables: V } {
  const documentId = documentIdOf(document);
  return documentId ? { query: "", documentId, variables } : { query: print(document), variables };
}

/** A fresh random key (128 bits, hex) for one user action's mutation. */
export function newIdempotencyKey(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Every mutation carries an `Idempotency-Key` header: fresh for each mutation the page starts (one
 * user action), and the same on its retries, which resend this very operation. A write the hub
 * committed but could not confirm (the answer lost on the way, the database gone mid-commit) is
 * then answered with its first result instead of being written twice.
 */
export const idempotencyExchange = mapExchange({
  onOperation(operation: Operation) {
    if (operation.kind !== "mutation") return operation;
    const given = operation.context.fetchOptions;
    const options = (typeof given === "function" ? given() : given) ?? {};
    const headers = { ...(options.headers as Record<string, string>), "Idempotency-Key": newIdempotencyKey() };
    return makeOperation(operation.kind, operation, {
      ...operation.context,
      fetchOptions: { ...options, headers },
    });
  },
});

/** Worth trying a mutation again with its key: the hub was not reached or its database was away. */
export function retryable(error: CombinedError, operation: Operation): boolean {
  return (
    operation.kind === "mutation" &&
    (!!error.networkError || error.graphQLErrors.some((e) => e.extensions?.code === "DATABASE_UNAVAILABLE"))
  );
}

export function createApiClient(ws: WsClient = createWs()): Client {
  const bookmarks = bookmarkedFetch();
  return new Client({
    url: "/graphql",
    fetch: bookmarks.fetch,
    exchanges: [
      cacheExchange,
      mapExchange({
        onResult(result) {
          if (result.error?.graphQLErrors.some((e) => e.extensions?.code === "BAD_BOOKMARK")) bookmarks.forget();
        },
      }),
      idempotencyExchange, // before the retries: a retry keeps its operation's key
      retryExchange({ initialDelayMs: 500, maxDelayMs: 4000, maxNumberAttempts: 3, retryIf: retryable }),
      documentIdExchange, // after the cache, which reads the document; a subscription's id goes over graphql-ws
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query || "" }; // `documentId` instead (above)
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
    fetchOptions: () => ({ credentials: "same-origin", headers: { ...CSRF_HEADER } }),
    requestPolicy: "cache-and-network",
    preferGetMethod: false, // the hub accepts GraphQL over POST only (CSRF)
  });
}

/**
 * Subscribe so that every automatic reconnect resumes after the last event seen: graphql-ws re-sends
 * the same payload object when it retries, so the `after` variable is updated in place on each event.
 * For the `subs` branch's `teamActivity` / `issueActivity` / `myFeed` / `issueMapChanges(after:)`.
 */
export function subscribeFromCursor<T>(
  ws: WsClient,
  document: DocumentNode,
  variables: Record<string, unknown>,
  cursorOf: (data: T) => string | null | undefined,
  onData: (data: T) => void,
  onError: (error: unknown) => void = () => {},
): () => void {
  const payload = subscribePayload(document, { ...variables });
  return ws.subscribe<T>(payload, {
    next(result) {
      if (!result.data) return;
      const cursor = cursorOf(result.data as T);
      if (cursor) payload.variables.after = cursor;
      onData(result.data as T);
    },
    error: onError,
    complete() {},
  });
}
