// Benchmark peer: the Neo4j GraphQL Library 7 on Apollo Server, over the hub's Neo4j and data.
// Environment: NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD, PEER_PORT (127.0.0.1 only).
// `node server.js --print-schema` prints the generated schema and exits (no database needed).
// Prints one line `READY http://127.0.0.1:PORT/` once it accepts requests.
import { readFileSync } from "node:fs";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { Neo4jGraphQL } from "@neo4j/graphql";
import { printSchema } from "graphql";
import neo4j from "neo4j-driver";

const typeDefs = readFileSync(new URL("./type-defs.graphql", import.meta.url), "utf8");
const printOnly = process.argv.includes("--print-schema");

const driver = printOnly
  ? undefined
  : neo4j.driver(
      process.env.NEO4J_URI ?? "bolt://127.0.0.1:7687",
      neo4j.auth.basic(process.env.NEO4J_USER ?? "neo4j", process.env.NEO4J_PASSWORD ?? ""),
      // The same pool size as the hub's default (NEO4J_POOL_SIZE=50).
      { maxConnectionPoolSize: 50 },
    );

const schema = await new Neo4jGraphQL({ typeDefs, driver }).getSchema();
if (printOnly) {
  console.log(printSchema(schema));
  process.exit(0);
}

await driver.verifyConnectivity();
const server = new ApolloServer({ schema });
const port = Number(process.env.PEER_PORT ?? 4000);
const { url } = await startStandaloneServer(server, { listen: { host: "127.0.0.1", port } });
console.log(`READY ${url}`);

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, async () => {
    await server.stop();
    await driver.close();
    process.exit(0);
  });
}
