import type { CodegenConfig } from "@graphql-codegen/cli";

// Typed documents from the hub's committed schema: `npm run codegen` after `hub schema`.
const config: CodegenConfig = {
  schema: "../schema.graphql",
  documents: ["src/**/*.{ts,tsx}", "!src/gql/**/*"],
  ignoreNoDocuments: true,
  generates: {
    "./src/gql/": {
      preset: "client",
      config: { enumsAsTypes: true, scalars: { DateTime: "string", Date: "string", JSON: "unknown" } },
      presetConfig: { fragmentMasking: false },
    },
  },
};
export default config;
