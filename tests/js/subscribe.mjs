// The npm graphql-ws reference client against a live hub.
//   node subscribe.mjs <ws-url> <query> <variables-json> <count>
// Prints one JSON line per `next` result, then {"done": true}; on a closed socket or an error
// prints {"closed": code, "reason": "..."} or {"error": ...} and exits.
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const [url, query, variables, count] = process.argv.slice(2);
const client = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false });
let received = 0;
const out = (value) => process.stdout.write(JSON.stringify(value) + "\n");

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
      if (err && typeof err.code === "number") out({ closed: err.code, reason: err.reason });
      else out({ error: err });
      process.exit(0);
    },
    complete: () => {
      out({ complete: true });
      process.exit(0);
    },
  },
);
