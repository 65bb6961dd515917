import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { ErrorNote } from "./common";
import { useLiveActivity, type FeedItem, type ScopeKind } from "../live/useLiveActivity";

/**
 * A live region over one scope's subscription. Pausing freezes what is shown and silences the
 * announcements; events keep arriving underneath and appear on resume.
 */
export function LiveFeed({ kind, scopeId, title }: { kind: ScopeKind; scopeId: string; title?: string }) {
  const { t, i18n } = useTranslation();
  const live = useLiveActivity(kind, scopeId);
  const [paused, setPaused] = useState(false);
  const [frozen, setFrozen] = useState<FeedItem[]>([]);
  const [announce, setAnnounce] = useState("");
  const seen = useRef<Set<string> | null>(null);

  useEffect(() => {
    if (paused) return;
    // The first render and history are not news; later arrivals are counted and announced politely.
    if (seen.current && !live.loading) {
      const added = live.items.filter((i) => !seen.current!.has(i.id)).length;
      if (added) setAnnounce(t("feed.newItems", { count: added }));
    }
    if (!live.loading) seen.current = new Set(live.items.map((i) => i.id));
  }, [live.items, live.loading, paused, t]);

  const shown = paused ? frozen : live.items;
  const headingId = `feed-${kind}-${scopeId}`;
  const format = new Intl.DateTimeFormat(i18n.language, { dateStyle: "short", timeStyle: "short" });
  return (
    <section className="feed" aria-labelledby={headingId}>
      <div className="feed-head">
        <h2 id={headingId}>{title ?? t("feed.title")}</h2>
        <span className="muted" data-testid="feed-status">
          {live.status === "live" ? t("feed.live") : live.status === "reconnecting" ? t("feed.reconnecting") : t("feed.connecting")}
        </span>
        <button
          type="button"
          aria-pressed={paused}
          onClick={() => {
            if (!paused) setFrozen(live.items);
            setPaused(!paused);
          }}
        >
          {paused ? t("feed.resume") : t("feed.pause")}
        </button>
      </div>
      <p className="sr-only" aria-live={paused ? "off" : "polite"} role="status">
        {paused ? t("feed.paused") : announce}
      </p>
      {paused && <p className="muted">{t("feed.paused")}</p>}
      <ErrorNote error={live.historyError} />
      {live.errorCode && (
        <div role="alert" className="error">
          <strong>{t("errors.title")}: </strong>
          {t(`errors.${live.errorCode}`, { defaultValue: t("errors.INTERNAL_SERVER_ERROR") })}
        </div>
      )}
      {shown.length === 0 && !live.loading && <p>{t("feed.empty")}</p>}
      <ol className="feed-items" data-testid="feed">
        {shown.map((item) => (
          <li key={item.id} data-verb={item.verb}>
            <time dateTime={item.at}>{format.format(new Date(item.at))}</time> <span>{item.summary}</span>
            {item.actor && <span className="muted"> — {t("feed.by", { name: item.actor.name })}</span>}
          </li>
        ))}
      </ol>
    </section>
  );
}
