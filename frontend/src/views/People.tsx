import { useTranslation } from "react-i18next";
import { Link, useParams, useSearchParams } from "react-router";
import { useQuery } from "urql";
import { graphql } from "../gql";
import { Badge, ErrorNote, Loading, PageTitle } from "../components/common";
import { LookupsQuery, instName } from "./lookups";
import { collator } from "../i18n";

const PeopleQuery = graphql(`
  query People($filter: PersonFilter) {
    people(filter: $filter, first: 50) {
      totalCount
      nodes {
        id
        name
        title
        institution {
          id
          nameLv
          nameEn
        }
        skills {
          level
          skill {
            id
            name
          }
        }
      }
    }
  }
`);

export function PeopleFilter({
  params,
  setParams,
}: {
  params: URLSearchParams;
  setParams: (p: URLSearchParams) => void;
}) {
  const { t, i18n } = useTranslation();
  const [lookups] = useQuery({ query: LookupsQuery });
  const sort = collator(i18n.language);
  const institutions = [...(lookups.data?.institutions.nodes ?? [])].sort((a, b) =>
    sort.compare(instName(a, i18n.language), instName(b, i18n.language)),
  );
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next);
  };
  return (
    <form className="filters" aria-label={t("people.filter")} onSubmit={(e) => e.preventDefault()}>
      <label>
        {t("people.text")}
        <input type="text" value={params.get("text") ?? ""} onChange={(e) => set("text", e.target.value)} />
      </label>
      <label>
        {t("people.skill")}
        <select value={params.get("skill") ?? ""} onChange={(e) => set("skill", e.target.value)}>
          <option value="">{t("common.all")}</option>
          {lookups.data?.skills.nodes.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t("people.minLevel")}
        <select value={params.get("level") ?? "1"} onChange={(e) => set("level", e.target.value)}>
          {[1, 2, 3, 4, 5].map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t("people.institution")}
        <select value={params.get("institution") ?? ""} onChange={(e) => set("institution", e.target.value)}>
          <option value="">{t("common.all")}</option>
          {institutions.map((i) => (
            <option key={i.id} value={i.id}>
              {instName(i, i18n.language)}
            </option>
          ))}
        </select>
      </label>
    </form>
  );
}

export function usePeopleSearch(params: URLSearchParams) {
  const filter = {
    text: params.get("text") || null,
    skillId: params.get("skill") || null,
    minSkillLevel: Number(params.get("level") ?? "1"),
    institutionId: params.get("institution") || null,
  };
  return useQuery({ query: PeopleQuery, variables: { filter } });
}

export function PeopleTable({ people }: { people: NonNullable<ReturnType<typeof usePeopleSearch>[0]["data"]>["people"]["nodes"] }) {
  const { t, i18n } = useTranslation();
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">{t("people.name")}</th>
          <th scope="col">{t("people.titleField")}</th>
          <th scope="col">{t("people.institution")}</th>
          <th scope="col">{t("people.skills")}</th>
        </tr>
      </thead>
      <tbody>
        {people.map((p) => (
          <tr key={p.id}>
            <td>
              <Link to={`/people/${p.id}`}>{p.name}</Link>
            </td>
            <td>{p.title ?? ""}</td>
            <td>{p.institution ? instName(p.institution, i18n.language) : ""}</td>
            <td>
              {p.skills
                .slice(0, 4)
                .map((s) => `${s.skill.name} (${s.level})`)
                .join(", ")}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function PeopleView() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const [result] = usePeopleSearch(params);
  return (
    <>
      <PageTitle>{t("people.title")}</PageTitle>
      <PeopleFilter params={params} setParams={setParams} />
      <ErrorNote error={result.error} />
      <Loading show={result.fetching && !result.data}>
        {result.data && (
          <>
            <p role="status">{t("people.count", { count: result.data.people.totalCount })}</p>
            <PeopleTable people={result.data.people.nodes} />
          </>
        )}
      </Loading>
    </>
  );
}

const PersonQuery = graphql(`
  query Person($id: ID!) {
    person(id: $id) {
      id
      name
      email
      title
      languages
      institution {
        id
        nameLv
        nameEn
      }
      skills {
        level
        skill {
          id
          name
        }
      }
      memberships {
        role
        allocation
        team {
          id
          name
          status
        }
      }
    }
  }
`);

export function PersonView() {
  const { t, i18n } = useTranslation();
  const { id = "" } = useParams();
  const [result] = useQuery({ query: PersonQuery, variables: { id } });
  const person = result.data?.person;
  if (result.data && !person) return <PageTitle>{t("common.notFound")}</PageTitle>;
  const current = person?.memberships.filter((m) => m.team.status !== "CLOSED") ?? [];
  const total = current.reduce((sum, m) => sum + m.allocation, 0);
  return (
    <>
      <ErrorNote error={result.error} />
      <Loading show={!person && result.fetching}>
        {person && (
          <>
            <PageTitle>{person.name}</PageTitle>
            <dl className="facts">
              <dt>{t("people.titleField")}</dt>
              <dd>{person.title ?? t("common.none")}</dd>
              <dt>{t("people.institution")}</dt>
              <dd>{person.institution ? instName(person.institution, i18n.language) : t("common.none")}</dd>
              <dt>{t("people.email")}</dt>
              <dd>
                <a href={`mailto:${person.email}`}>{person.email}</a>
              </dd>
              <dt>{t("people.languages")}</dt>
              <dd>{person.languages.join(", ")}</dd>
            </dl>
            <h2>{t("people.skills")}</h2>
            <ul>
              {person.skills.map((s) => (
                <li key={s.skill.id}>
                  {s.skill.name} — {t("people.level", { level: s.level })}
                </li>
              ))}
            </ul>
            <h2>{t("people.teams")}</h2>
            <p>{t("people.totalAllocation", { percent: total })}</p>
            <table>
              <thead>
                <tr>
                  <th scope="col">{t("teams.name")}</th>
                  <th scope="col">{t("teams.role")}</th>
                  <th scope="col">{t("teams.allocation")}</th>
                  <th scope="col">{t("teams.status")}</th>
                </tr>
              </thead>
              <tbody>
                {current.map((m) => (
                  <tr key={m.team.id}>
                    <td>
                      <Link to={`/teams/${m.team.id}`}>{m.team.name}</Link>
                    </td>
                    <td>{t(`enums.Role.${m.role}`)}</td>
                    <td>{m.allocation}%</td>
                    <td>
                      <Badge group="TeamStatus" value={m.team.status} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </Loading>
    </>
  );
}
