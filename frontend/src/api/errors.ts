// API errors become sentences in the reader's language; raw JSON never reaches the page.
import type { CombinedError } from "urql";
import type { TFunction } from "i18next";
import en from "../i18n/en";

// Every code with a sentence in the messages is shown as that sentence; anything else as the
// generic "unexpected error". tests/test_web_error_messages.py checks each code the hub can send
// has one.
const { title: _title, field: _field, ...codes } = en.errors;
const KNOWN = new Set(Object.keys(codes));

export interface ShownError {
  code: string;
  field?: string;
  /** The error's extensions, for sentences that name a figure (the map's node count and cap). */
  details?: Record<string, unknown>;
}

export function describeError(error: CombinedError): ShownError {
  if (error.networkError) return { code: "NETWORK" };
  const first = error.graphQLErrors[0];
  const code = String(first?.extensions?.code ?? "INTERNAL_SERVER_ERROR");
  const field = first?.extensions?.field as string | undefined;
  if (!KNOWN.has(code)) return { code: "INTERNAL_SERVER_ERROR" };
  return { code, field: field ?? undefined, details: first?.extensions };
}

export function errorText(error: CombinedError, t: TFunction): string {
  const shown = describeError(error);
  const message = t(`errors.${shown.code}`, shown.details ?? {});
  return shown.field ? `${message} (${t("errors.field")}: ${shown.field})` : message;
}

/** True when the hub's schema has no such field yet (a feature built on another branch). */
export function isMissingApi(error: CombinedError | undefined): boolean {
  return !!error?.graphQLErrors.some(
    (e) => e.extensions?.code === "GRAPHQL_VALIDATION_FAILED" && /Cannot query field/.test(e.message),
  );
}
