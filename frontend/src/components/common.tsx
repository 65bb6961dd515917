import { useEffect, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { CombinedError } from "urql";
import { errorText } from "../api/errors";

/** The page heading, also used as the document title. */
export function PageTitle({ children }: { children: string }) {
  const { t } = useTranslation();
  useEffect(() => {
    document.title = `${children} · ${t("app.name")}`;
  }, [children, t]);
  return <h1>{children}</h1>;
}

export function ErrorNote({ error }: { error?: CombinedError }) {
  const { t } = useTranslation();
  if (!error) return null;
  return (
    <div role="alert" className="error">
      <strong>{t("errors.title")}: </strong>
      {errorText(error, t)}
    </div>
  );
}

/** A feature whose API is being built on another branch: say so plainly instead of faking it. */
export function NotAvailable({ what, heading }: { what: string; heading?: string }) {
  const { t } = useTranslation();
  return (
    <section className="not-available" aria-label={heading ?? t("common.notAvailable")}>
      {heading && <h2>{heading}</h2>}
      <p>
        <strong>{t("common.notAvailable")}.</strong> {t("common.notAvailableText", { what })}
      </p>
    </section>
  );
}

export function Loading({ show, children }: { show: boolean; children?: ReactNode }) {
  const { t } = useTranslation();
  return show ? <p role="status">{t("common.loading")}</p> : <>{children}</>;
}

/** Status-like values are always text (never colour alone). */
export function Badge({ value, group }: { value: string; group: string }) {
  const { t } = useTranslation();
  return <span className={`badge badge-${value.toLowerCase()}`}>{t(`enums.${group}.${value}`)}</span>;
}
