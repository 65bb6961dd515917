// API errors become sentences in the reader's language; raw JSON never reaches the page.
import type { CombinedError } from "urql";
import type { TFunction } from "i18next";

const KNOWN = new Set([
  "BAD_USER_INPUT",
  "NOT_FOUND",
  "CONFLICT",
  "FORBIDDEN",
  "UNAUTHENTICATED",
  "DATABASE_UNAVAILABLE",
  "GRAPHQL_VALIDATION_FAILED",
  "INTERNAL_SERVER_ERROR",
]);

export interface ShownError {
  code: string;
  field?: string;
}

export function describeError(error: CombinedError): ShownError {
  if (error.networkError) return { code: "NETWORK" };
  const first = error.graphQLErrors[0];
  const code = String(first?.extensions?.code ?? "INTERNAL_SERVER_ERROR");
  const field = first?.extensions?.field as string | undefined;
  return { code: KNOWN.has(code) ? code : "INTERNAL_SERVER_ERROR", field: field ?? undefined };
}

export function errorText(error: CombinedError, t: TFunction): string {
  const shown = describeError(error);
  const message = t(`errors.${shown.code}`);
  return shown.field ? `${message} (${t("errors.field")}: ${shown.field})` : message;
}

/** True when the hub's schema has no such field yet (a feature built on another branch). */
export function isMissingApi(error: CombinedError | undefined): boolean {
  return !!error?.graphQLErrors.some(
    (e) => e.extensions?.code === "GRAPHQL_VALIDATION_FAILED" && /Cannot query field/.test(e.message),
  );
}
