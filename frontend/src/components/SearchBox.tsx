import { useEffect, useId, useState } from "react";
import { useNavigate } from "react-router";
import { useTranslation } from "react-i18next";
import { useQuery } from "urql";
import { graphql } from "../gql";

// Type-ahead over the hub's one ranked full-text `search` (diacritics optional, last word a prefix).
const SearchQuery = graphql(`
  query TypeAhead($text: String!) {
    search(text: $text, first: 10) {
      kind
      id
      title
      subtitle
    }
  }
`);

type Kind = "person" | "issue" | "team" | "institution" | "skill";
type Hit = { id: string; label: string; subtitle?: string | null; kind: Kind; to: string };

const ROUTE: Record<Kind, (id: string) => string> = {
  person: (id) => `/people/${id}`,
  issue: (id) => `/issues/${id}`,
  team: (id) => `/teams/${id}`,
  institution: (id) => `/people?institution=${encodeURIComponent(id)}`,
  skill: (id) => `/people?skill=${encodeURIComponent(id)}`,
};

export function SearchBox() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const id = useId();
  const [text, setText] = useState("");
  const [debounced, setDebounced] = useState("");
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);

  useEffect(() => {
    const timer = setTimeout(() => setDebounced(text.trim()), 200);
    return () => clearTimeout(timer);
  }, [text]);

  const [result] = useQuery({ query: SearchQuery, variables: { text: debounced }, pause: debounced.length < 2 });
  const d = debounced.length >= 2 ? result.data : undefined;
  const hits: Hit[] = (d?.search ?? []).map((r) => {
    const kind = r.kind.toLowerCase() as Kind;
    return { id: r.id, label: r.title, subtitle: r.subtitle, kind, to: ROUTE[kind](r.id) };
  });
  const expanded = open && debounced.length >= 2;

  function go(hit: Hit) {
    setOpen(false);
    setText("");
    navigate(hit.to);
  }

  return (
    <div className="search" role="search">
      <label htmlFor={`${id}-input`} className="sr-only">
        {t("search.label")}
      </label>
      <input
        id={`${id}-input`}
        type="search"
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={`${id}-list`}
        aria-activedescendant={expanded && active >= 0 ? `${id}-opt-${active}` : undefined}
        placeholder={t("search.placeholder")}
        value={text}
        autoComplete="off"
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
          setActive(-1);
        }}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown") {
            e.preventDefault();
            setOpen(true);
            setActive((a) => Math.min(a + 1, hits.length - 1));
          } else if (e.key === "ArrowUp") {
            e.preventDefault();
            setActive((a) => Math.max(a - 1, 0));
          } else if (e.key === "Enter" && active >= 0 && hits[active]) {
            e.preventDefault();
            go(hits[active]);
          } else if (e.key === "Escape") {
            setOpen(false);
          }
        }}
      />
      <ul id={`${id}-list`} role="listbox" aria-label={t("search.results")} hidden={!expanded} className="search-list">
        {expanded && hits.length === 0 && !result.fetching && (
          <li role="option" aria-disabled="true" aria-selected="false">
            {t("search.noResults")}
          </li>
        )}
        {hits.map((hit, i) => (
          <li
            key={hit.id}
            id={`${id}-opt-${i}`}
            role="option"
            aria-selected={i === active}
            className={i === active ? "active" : undefined}
            onMouseDown={(e) => {
              e.preventDefault();
              go(hit);
            }}
          >
            <span className="kind">{t(`search.kind.${hit.kind}`)}</span> {hit.label}
            {hit.subtitle && <span className="muted"> — {hit.subtitle}</span>}
          </li>
        ))}
      </ul>
    </div>
  );
}
