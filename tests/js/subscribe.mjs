// The npm graphql-ws reference client against a live hub.
//   node subscribe.mjs <ws-url> <query> <variables-json> <count>
// The connection_init payload (the client's `connectionParams`) is the JSON in the
// HUB_CONNECTION_PARAMS environment variable, e.g. {"authorization": "Bearer <JWT>"}.
// Prints one JSON line per `next` result, then {"done": true}; a closed socket prints
// {"closed": code, "reason": "..."}, an error {"error": ...}, completion {"complete": true}.
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const [url, query, variables, count] = process.argv.slice(2);
const out = (value) => process.stdout.write(JSON.stringify(value) + "\n");
const client = createClient({
  url,
  webSocketImpl: WebSocket,
  retryAttempts: 0,
  lazy: false,
  connectionParams: process.env.HUB_CONNECTION_PARAMS ? JSON.parse(process.env.HUB_CONNECTION_PARAMS) : undefined,
  on: { closed: (event) => out({ closed: event.code, reason: event.reason }) },
});
let received = 0;

client.subscribe(
  { query, variables: JSON.parse(variables) },
  {
    next: (result) => {
      out(result);
      received += 1;
      if (received >= Number(count)) {
        out({ done: true });
        client.dispose();
        process.exit(0);
      }
    },
    error: (err) => {
      out({ error: err && typeof err.code === "number" ? { code: err.code } : err });
      setTimeout(() => process.exit(0), 100);
    },
    complete: () => {
      out({ complete: true });
      setTimeout(() => process.exit(0), 100);
    },
  },
);
