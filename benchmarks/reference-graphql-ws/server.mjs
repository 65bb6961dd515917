// Reference server: the npm graphql-ws package over `ws`, an in-memory pub/sub, and the same
// subscription shape as the hub's institutionActivity. POST /publish {institutionId} emits one
// event stamped with the current time (no database: it measures the WebSocket/GraphQL layer).
//   node server.mjs <port>
import http from "node:http";
import { buildSchema } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";

const schema = buildSchema(`
  type Activity { seq: Int!, verb: String!, summary: String!, targetId: ID!, at: String! }
  type LiveActivity { cursor: String!, replayed: Boolean!, activity: Activity! }
  type Query { ok: Boolean }
  type Subscription { institutionActivity(institutionId: ID!, after: String): LiveActivity! }
`);

// In-memory pub/sub: topic -> set of push functions.
const topics = new Map();
let seq = 0;

function subscribeTopic(topic) {
  const queue = [];
  let wake = null;
  const push = (value) => {
    queue.push(value);
    if (wake) { wake(); wake = null; }
  };
  if (!topics.has(topic)) topics.set(topic, new Set());
  topics.get(topic).add(push);
  return {
    [Symbol.asyncIterator]() { return this; },
    async next() {
      while (queue.length === 0) await new Promise((r) => (wake = r));
      return { value: queue.shift(), done: false };
    },
    async return() {
      topics.get(topic)?.delete(push);
      return { value: undefined, done: true };
    },
  };
}

const roots = {
  ok: () => true,
  institutionActivity: ({ institutionId }) => subscribeTopic(institutionId),
};

const server = http.createServer((req, res) => {
  if (req.method === "POST" && req.url === "/publish") {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const { institutionId } = JSON.parse(body);
      seq += 1;
      const event = {
        institutionActivity: {
          cursor: `ref:${seq}`,
          replayed: false,
          activity: { seq, verb: "institution.updated", summary: "Institution updated", targetId: institutionId, at: new Date().toISOString() },
        },
      };
      for (const push of topics.get(institutionId) ?? []) push(event);
      res.end(JSON.stringify({ seq }));
    });
    return;
  }
  if (req.url === "/healthz") { res.end('{"status":"ok"}'); return; }
  res.statusCode = 404;
  res.end();
});

const wss = new WebSocketServer({ server, path: "/graphql" });
useServer(
  {
    schema,
    roots: { query: roots, subscription: roots },
  },
  wss,
);
server.listen(Number(process.argv[2] || 4000), "127.0.0.1");
