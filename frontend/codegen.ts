import type { CodegenConfig } from "@graphql-codegen/cli";
import { addTypenameSelectionDocumentTransform } from "@graphql-codegen/client-preset";

// Typed documents from the hub's committed schema: `npm run codegen` after `hub schema`.
// Trusted documents: `persistedDocuments` gives every document its sha256 id (`sha256:<hex>`, in the
// document's `__meta__.hash`) and writes the id → text manifest, src/gql/persisted-documents.json,
// which the build ships in dist/ for the hub (vite.config.ts). The app sends the id, not the text
// (src/api/client.ts), so the text the hub runs is the manifest's: `__typename` is added here, as
// urql's cache would add it to a document sent as text, for its invalidation by type.
const config: CodegenConfig = {
  schema: "../schema.graphql",
  documents: ["src/**/*.{ts,tsx}", "!src/gql/**/*"],
  ignoreNoDocuments: true,
  generates: {
    "./src/gql/": {
      preset: "client",
      config: { enumsAsTypes: true, scalars: { DateTime: "string", Date: "string", JSON: "unknown" } },
      presetConfig: { fragmentMasking: false, persistedDocuments: true },
      documentTransforms: [addTypenameSelectionDocumentTransform],
    },
  },
};
export default config;
