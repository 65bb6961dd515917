import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useQuery } from "urql";
import { graphql } from "../gql";
import { ErrorNote } from "./common";

const FeedQuery = graphql(`
  query Feed($scopeId: ID, $first: Int) {
    activities(scopeId: $scopeId, first: $first) {
      nodes {
        id
        seq
        at
        verb
        summary
        actor {
          id
          name
        }
      }
    }
  }
`);

// Until the `subs` branch's subscriptions land (issueActivity / teamActivity / myFeed), the feed
// refreshes the real `activities` query on an interval. Items are keyed by id so nothing repeats.
const REFRESH_MS = 2000;

type Item = { id: string; seq: number; at: string; verb: string; summary: string; actor?: { name: string } | null };

export function LiveFeed({ scopeId, title }: { scopeId?: string; title?: string }) {
  const { t, i18n } = useTranslation();
  const [paused, setPaused] = useState(false);
  const [result, refresh] = useQuery({ query: FeedQuery, variables: { scopeId, first: 20 } });
  const [shown, setShown] = useState<Item[]>([]);
  const [announce, setAnnounce] = useState("");
  const seen = useRef<Set<string> | null>(null);

  useEffect(() => {
    if (paused) return;
    const timer = setInterval(() => refresh({ requestPolicy: "network-only" }), REFRESH_MS);
    return () => clearInterval(timer);
  }, [paused, refresh]);

  useEffect(() => {
    const nodes = result.data?.activities.nodes;
    if (!nodes || paused) return;
    const fresh = seen.current ? nodes.filter((n) => !seen.current!.has(n.id)) : [];
    seen.current = new Set(nodes.map((n) => n.id));
    setShown([...nodes].sort((a, b) => b.seq - a.seq));
    if (fresh.length) setAnnounce(t("feed.newItems", { count: fresh.length }));
  }, [result.data, paused, t]);

  const format = new Intl.DateTimeFormat(i18n.language, { dateStyle: "short", timeStyle: "short" });
  return (
    <section className="feed" aria-labelledby={`feed-${scopeId ?? "all"}`}>
      <div className="feed-head">
        <h2 id={`feed-${scopeId ?? "all"}`}>{title ?? t("feed.title")}</h2>
        <button type="button" aria-pressed={paused} onClick={() => setPaused((p) => !p)}>
          {paused ? t("feed.resume") : t("feed.pause")}
        </button>
      </div>
      <p className="sr-only" aria-live={paused ? "off" : "polite"} role="status">
        {paused ? t("feed.paused") : announce}
      </p>
      {paused && <p className="muted">{t("feed.paused")}</p>}
      <ErrorNote error={result.error} />
      {shown.length === 0 && !result.fetching && <p>{t("feed.empty")}</p>}
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
