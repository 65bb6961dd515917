import { readFileSync } from "node:fs";
import { defineConfig, type Plugin } from "vite";
import react from "@vitejs/plugin-react";

// The trusted-documents manifest codegen wrote (codegen.ts) ships in dist/, beside the app that
// sends its ids: the hub loads it from there (hub/api/trusted_documents.py), and a wheel carries it.
const MANIFEST = "persisted-documents.json";

function trustedDocuments(): Plugin {
  return {
    name: "sadarbe-trusted-documents",
    apply: "build",
    generateBundle() {
      this.emitFile({ type: "asset", fileName: MANIFEST, source: readFileSync(`src/gql/${MANIFEST}`, "utf8") });
    },
  };
}

export default defineConfig({
  plugins: [react(), trustedDocuments()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false },
  server: { proxy: { "/graphql": { target: "http://127.0.0.1:8000", ws: true }, "/auth": "http://127.0.0.1:8000" } },
});
