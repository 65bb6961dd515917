// The npm graphql-http server audit (GraphQL-over-HTTP conformance) against a live hub.
//   node audit.mjs <http-url-of-/graphql>
// Prints one JSON line per audit: {id, name, status ("ok" | "warn" | "notice" | "error"), reason?, httpStatus?}.
import { auditServer } from "graphql-http";

const [url] = process.argv.slice(2);
for (const result of await auditServer({ url })) {
  const line = { id: result.id, name: result.name, status: result.status };
  if (result.status !== "ok") {
    line.reason = result.reason;
    line.httpStatus = result.response.status;
    line.contentType = result.response.headers.get("content-type");
    line.body = (await result.response.text()).slice(0, 300);
  }
  process.stdout.write(JSON.stringify(line) + "\n");
}
