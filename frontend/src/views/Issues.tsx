import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { useMutation, useQuery } from "urql";
import { graphql } from "../gql";
import type { IssueStatus, Priority, Stake } from "../gql/graphql";
import { Badge, ErrorNote, Loading, PageTitle } from "../components/common";
import { LiveFeed } from "../components/LiveFeed";
import { LookupsQuery, instName } from "./lookups";
import { collator } from "../i18n";

const STATUSES: IssueStatus[] = ["PROPOSED", "ACTIVE", "ON_HOLD", "RESOLVED"];
const PRIORITIES: Priority[] = ["LOW", "MEDIUM", "HIGH", "CRITICAL"];
const STAKES: Stake[] = ["LEAD", "INVOLVED", "CONSULTED"];

const IssuesQuery = graphql(`
  query Issues($filter: IssueFilter) {
    issues(filter: $filter, first: 100) {
      totalCount
      nodes {
        id
        title
        status
        priority
        direction {
          id
          number
        }
        affected {
          stake
          institution {
            id
            code
          }
        }
      }
    }
  }
`);

export function IssuesView() {
  const { t, i18n } = useTranslation();
  const [params, setParams] = useSearchParams();
  const [lookups] = useQuery({ query: LookupsQuery });
  const filter = {
    status: (params.get("status") as IssueStatus) || null,
    directionId: params.get("direction") || null,
    institutionId: params.get("institution") || null,
  };
  const [result] = useQuery({ query: IssuesQuery, variables: { filter } });
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next);
  };
  const lng = i18n.language;
  return (
    <>
      <PageTitle>{t("issues.title")}</PageTitle>
      <p>
        <Link className="button" to="/issues/new">
          {t("issues.new")}
        </Link>
      </p>
      <form className="filters" aria-label={t("map.filters")} onSubmit={(e) => e.preventDefault()}>
        <label>
          {t("issues.status")}
          <select value={params.get("status") ?? ""} onChange={(e) => set("status", e.target.value)}>
            <option value="">{t("common.all")}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`enums.IssueStatus.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("issues.direction")}
          <select value={params.get("direction") ?? ""} onChange={(e) => set("direction", e.target.value)}>
            <option value="">{t("common.all")}</option>
            {lookups.data?.planDirections.map((d) => (
              <option key={d.id} value={d.id}>
                {d.number}. {lng === "en" ? d.titleEn : d.titleLv}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("people.institution")}
          <select value={params.get("institution") ?? ""} onChange={(e) => set("institution", e.target.value)}>
            <option value="">{t("common.all")}</option>
            {lookups.data?.institutions.nodes.map((i) => (
              <option key={i.id} value={i.id}>
                {instName(i, lng)}
              </option>
            ))}
          </select>
        </label>
      </form>
      <ErrorNote error={result.error} />
      <Loading show={result.fetching && !result.data}>
        {result.data && (
          <>
            <p role="status">{t("issues.count", { count: result.data.issues.totalCount })}</p>
            <table>
              <thead>
                <tr>
                  <th scope="col">{t("issues.issueTitle")}</th>
                  <th scope="col">{t("issues.status")}</th>
                  <th scope="col">{t("issues.priority")}</th>
                  <th scope="col">{t("issues.direction")}</th>
                  <th scope="col">{t("issues.affected")}</th>
                </tr>
              </thead>
              <tbody>
                {result.data.issues.nodes.map((issue) => (
                  <tr key={issue.id}>
                    <td>
                      <Link to={`/issues/${issue.id}`}>{issue.title}</Link>
                    </td>
                    <td>
                      <Badge group="IssueStatus" value={issue.status} />
                    </td>
                    <td>{t(`enums.Priority.${issue.priority}`)}</td>
                    <td>{issue.direction ? issue.direction.number : t("issues.noDirection")}</td>
                    <td>{issue.affected.map((a) => a.institution.code).join(", ")}</td>
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

const CreateIssue = graphql(`
  mutation CreateIssue($input: IssueInput!) {
    createIssue(input: $input) {
      id
    }
  }
`);

export function NewIssueView() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const [lookups] = useQuery({ query: LookupsQuery });
  const [created, createIssue] = useMutation(CreateIssue);
  const [title, setTitle] = useState("");
  const [description, setDescription] = useState("");
  const [priority, setPriority] = useState<Priority>("MEDIUM");
  const [direction, setDirection] = useState("");
  const [affected, setAffected] = useState<{ institutionId: string; stake: Stake }[]>([]);
  const lng = i18n.language;
  const sort = collator(lng);
  const institutions = [...(lookups.data?.institutions.nodes ?? [])].sort((a, b) =>
    sort.compare(instName(a, lng), instName(b, lng)),
  );

  async function submit(e: FormEvent) {
    e.preventDefault();
    const result = await createIssue({
      input: {
        title,
        description,
        priority,
        directionId: direction || null,
        affected: affected.filter((a) => a.institutionId),
      },
    });
    if (result.data) navigate(`/issues/${result.data.createIssue.id}`);
  }

  return (
    <>
      <PageTitle>{t("issues.new")}</PageTitle>
      <form className="stack" onSubmit={submit}>
        <ErrorNote error={created.error} />
        <label>
          {t("issues.issueTitle")}
          <input name="title" required value={title} onChange={(e) => setTitle(e.target.value)} />
        </label>
        <label>
          {t("issues.description")}
          <textarea name="description" value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
        <label>
          {t("issues.priority")}
          <select name="priority" value={priority} onChange={(e) => setPriority(e.target.value as Priority)}>
            {PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {t(`enums.Priority.${p}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("issues.direction")}
          <select name="direction" value={direction} onChange={(e) => setDirection(e.target.value)}>
            <option value="">{t("issues.noDirection")}</option>
            {lookups.data?.planDirections.map((d) => (
              <option key={d.id} value={d.id}>
                {d.number}. {lng === "en" ? d.titleEn : d.titleLv}
              </option>
            ))}
          </select>
        </label>
        <fieldset>
          <legend>{t("issues.affected")}</legend>
          {affected.map((row, i) => (
            <div className="row" key={i}>
              <label>
                {t("people.institution")} {i + 1}
                <select
                  value={row.institutionId}
                  onChange={(e) =>
                    setAffected(affected.map((r, j) => (j === i ? { ...r, institutionId: e.target.value } : r)))
                  }
                >
                  <option value="">—</option>
                  {institutions.map((inst) => (
                    <option key={inst.id} value={inst.id}>
                      {instName(inst, lng)}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                {t("issues.stake")} {i + 1}
                <select
                  value={row.stake}
                  onChange={(e) =>
                    setAffected(affected.map((r, j) => (j === i ? { ...r, stake: e.target.value as Stake } : r)))
                  }
                >
                  {STAKES.map((s) => (
                    <option key={s} value={s}>
                      {t(`enums.Stake.${s}`)}
                    </option>
                  ))}
                </select>
              </label>
              <button type="button" onClick={() => setAffected(affected.filter((_, j) => j !== i))}>
                {t("common.remove")}
              </button>
            </div>
          ))}
          <button
            type="button"
            onClick={() => setAffected([...affected, { institutionId: "", stake: affected.length ? "INVOLVED" : "LEAD" }])}
          >
            {t("issues.addAffected")}
          </button>
        </fieldset>
        <button type="submit" className="primary" disabled={created.fetching}>
          {t("common.create")}
        </button>
      </form>
    </>
  );
}

const IssueQuery = graphql(`
  query Issue($id: ID!) {
    issue(id: $id) {
      id
      title
      description
      status
      priority
      direction {
        id
        number
        titleLv
        titleEn
      }
      affected {
        stake
        institution {
          id
          nameLv
          nameEn
        }
      }
      dependsOn {
        id
        title
      }
      teams {
        id
        name
        status
        members {
          role
        }
      }
    }
  }
`);

export function IssueView() {
  const { t, i18n } = useTranslation();
  const { id = "" } = useParams();
  const [result] = useQuery({ query: IssueQuery, variables: { id } });
  const issue = result.data?.issue;
  const lng = i18n.language;
  if (result.data && !issue) return <PageTitle>{t("common.notFound")}</PageTitle>;
  return (
    <>
      <ErrorNote error={result.error} />
      <Loading show={!issue && result.fetching}>
        {issue && (
          <>
            <PageTitle>{issue.title}</PageTitle>
            <dl className="facts">
              <dt>{t("issues.status")}</dt>
              <dd>
                <Badge group="IssueStatus" value={issue.status} />
              </dd>
              <dt>{t("issues.priority")}</dt>
              <dd>{t(`enums.Priority.${issue.priority}`)}</dd>
              <dt>{t("issues.direction")}</dt>
              <dd>
                {issue.direction
                  ? `${issue.direction.number}. ${lng === "en" ? issue.direction.titleEn : issue.direction.titleLv}`
                  : t("issues.noDirection")}
              </dd>
            </dl>
            {issue.description && <p>{issue.description}</p>}
            <div className="grid2">
              <div>
                <h2>{t("issues.affected")}</h2>
                <table>
                  <thead>
                    <tr>
                      <th scope="col">{t("people.institution")}</th>
                      <th scope="col">{t("issues.stake")}</th>
                    </tr>
                  </thead>
                  <tbody data-testid="affected">
                    {issue.affected.map((a) => (
                      <tr key={a.institution.id}>
                        <td>
                          <Link to={`/people?institution=${encodeURIComponent(a.institution.id)}`}>
                            {instName(a.institution, lng)}
                          </Link>
                        </td>
                        <td>{t(`enums.Stake.${a.stake}`)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <h2>{t("issues.teams")}</h2>
                <ul>
                  {issue.teams.map((team) => (
                    <li key={team.id}>
                      <Link to={`/teams/${team.id}`}>{team.name}</Link> — <Badge group="TeamStatus" value={team.status} />
                      , {t("people.count", { count: team.members.length })}
                    </li>
                  ))}
                </ul>
                <p>
                  <Link to={`/formation?issue=${encodeURIComponent(issue.id)}`}>{t("teams.formTeam")}</Link>
                </p>
                {issue.dependsOn.length > 0 && (
                  <>
                    <h2>{t("issues.dependsOn")}</h2>
                    <ul>
                      {issue.dependsOn.map((d) => (
                        <li key={d.id}>
                          <Link to={`/issues/${d.id}`}>{d.title}</Link>
                        </li>
                      ))}
                    </ul>
                  </>
                )}
              </div>
              <LiveFeed kind="issue" scopeId={issue.id} />
            </div>
          </>
        )}
      </Loading>
    </>
  );
}
