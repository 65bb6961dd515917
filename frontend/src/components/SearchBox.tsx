import { useEffect, useId, useState } from "react";
import { useNavigate } from "react-router";
import { useTranslation } from "react-i18next";
import { useQuery } from "urql";
import { graphql } from "../gql";

// Type-ahead over the hub's filtered lists; the `mapping` branch's single `search` query will
// replace this one document when it lands.
const SearchQuery = graphql(`
  query TypeAhead($text: String!) {
    people(filter: { text: $text }, first: 4) {
      nodes {
        id
        name
      }
    }
    issues(filter: { text: $text }, first: 4) {
      nodes {
        id
        title
      }
    }
    teams(filter: { text: $text }, first: 4) {
      nodes {
        id
        name
      }
    }
    institutions(filter: { text: $text }, first: 4) {
      nodes {
        id
        nameLv
        nameEn
      }
    }
  }
`);

type Hit = { id: string; label: string; kind: "person" | "issue" | "team" | "institution"; to: string };

export function SearchBox() {
  const { t, i18n } = useTranslation();
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
  const hits: Hit[] = d
    ? [
        ...d.people.nodes.map((n) => ({ id: n.id, label: n.name, kind: "person" as const, to: `/people/${n.id}` })),
        ...d.issues.nodes.map((n) => ({ id: n.id, label: n.title, kind: "issue" as const, to: `/issues/${n.id}` })),
        ...d.teams.nodes.map((n) => ({ id: n.id, label: n.name, kind: "team" as const, to: `/teams/${n.id}` })),
        ...d.institutions.nodes.map((n) => ({
          id: n.id,
          label: i18n.language === "en" ? n.nameEn : n.nameLv,
          kind: "institution" as const,
          to: `/people?institution=${encodeURIComponent(n.id)}`,
        })),
      ]
    : [];
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
          </li>
        ))}
      </ul>
    </div>
  );
}
