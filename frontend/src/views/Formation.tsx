import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useSearchParams } from "react-router";
import { instName } from "./lookups";
import { useMutation, useQuery } from "urql";
import { graphql } from "../gql";
import { ErrorNote, PageTitle } from "../components/common";
import { InviteForm, Suggestions, TeamOptions } from "./Suggestions";
import { PeopleFilter, PeopleTable, usePeopleSearch } from "./People";

const IssueOptions = graphql(`
  query IssueOptions {
    issues(first: 100, orderBy: TITLE, descending: false) {
      nodes {
        id
        title
      }
    }
  }
`);

const CreateTeam = graphql(`
  mutation CreateTeam($input: TeamInput!) {
    createTeam(input: $input) {
      team {
        id
      }
    }
  }
`);

export function FormationView() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const [people] = usePeopleSearch(params);
  const [issues] = useQuery({ query: IssueOptions });
  const [created, createTeam] = useMutation(CreateTeam);
  const [name, setName] = useState("");
  const [lead, setLead] = useState("");
  const issueId = params.get("issue") ?? "";
  const teamId = params.get("team") ?? "";
  const [teams] = useQuery({ query: TeamOptions });

  async function submit(e: FormEvent) {
    e.preventDefault();
    const result = await createTeam({ input: { name, issueId, leadPersonId: lead } });
    if (result.data) navigate(`/teams/${result.data.createTeam.team.id}`);
  }

  return (
    <>
      <PageTitle>{t("formation.title")}</PageTitle>
      <p>{t("formation.intro")}</p>
      <section aria-labelledby="form-team">
        <h2 id="form-team">{t("teams.formTeam")}</h2>
        <form className="stack" onSubmit={submit}>
          <ErrorNote error={created.error ?? issues.error} />
          <label>
            {t("teams.issue")}
            <select
              required
              value={issueId}
              onChange={(e) => {
                const next = new URLSearchParams(params);
                next.set("issue", e.target.value);
                setParams(next);
              }}
            >
              <option value="">—</option>
              {issues.data?.issues.nodes.map((i) => (
                <option key={i.id} value={i.id}>
                  {i.title}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t("teams.name")}
            <input required value={name} onChange={(e) => setName(e.target.value)} />
          </label>
          <label>
            {t("enums.Role.LEAD")}
            <select required value={lead} onChange={(e) => setLead(e.target.value)}>
              <option value="">—</option>
              {people.data?.people.nodes.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="primary" disabled={created.fetching}>
            {t("common.create")}
          </button>
        </form>
      </section>
      <section aria-labelledby="choose-team">
        <h2 id="choose-team">{t("formation.chooseTeam")}</h2>
        <ErrorNote error={teams.error} />
        <label className="stack">
          {t("formation.team")}
          <select
            value={teamId}
            data-testid="formation-team"
            onChange={(e) => {
              const next = new URLSearchParams(params);
              if (e.target.value) next.set("team", e.target.value);
              else next.delete("team");
              setParams(next);
            }}
          >
            <option value="">—</option>
            {teams.data?.teams.nodes.map((team) => (
              <option key={team.id} value={team.id}>
                {team.name}
              </option>
            ))}
          </select>
        </label>
        {teamId && (
          <p>
            <Link to={`/teams/${teamId}`}>{t("work.openTeam")}</Link>
          </p>
        )}
      </section>
      {teamId && <Suggestions teamId={teamId} skillId={params.get("skill") ?? ""} />}
      <section aria-labelledby="search-people">
        <h2 id="search-people">{t("formation.searchPeople")}</h2>
        <PeopleFilter params={params} setParams={setParams} />
        <ErrorNote error={people.error} />
        {people.data && (
          <>
            <p role="status">{t("people.count", { count: people.data.people.totalCount })}</p>
            {teamId ? (
              <table data-testid="search-results">
                <thead>
                  <tr>
                    <th scope="col">{t("people.name")}</th>
                    <th scope="col">{t("people.institution")}</th>
                    <th scope="col">{t("people.skills")}</th>
                    <th scope="col">{t("formation.invite")}</th>
                  </tr>
                </thead>
                <tbody>
                  {people.data.people.nodes.map((p) => (
                    <tr key={p.id}>
                      <td>
                        <Link to={`/people/${p.id}`}>{p.name}</Link>
                      </td>
                      <td>{p.institution ? instName(p.institution, i18n.language) : ""}</td>
                      <td>
                        {p.skills
                          .slice(0, 4)
                          .map((sk) => `${sk.skill.name} (${sk.level})`)
                          .join(", ")}
                      </td>
                      <td>
                        <InviteForm teamId={teamId} person={p} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <PeopleTable people={people.data.people.nodes} />
            )}
          </>
        )}
      </section>
    </>
  );
}
