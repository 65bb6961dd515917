import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate, useSearchParams } from "react-router";
import { useMutation, useQuery } from "urql";
import { graphql } from "../gql";
import { ErrorNote, NotAvailable, PageTitle } from "../components/common";
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
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const [people] = usePeopleSearch(params);
  const [issues] = useQuery({ query: IssueOptions });
  const [created, createTeam] = useMutation(CreateTeam);
  const [name, setName] = useState("");
  const [lead, setLead] = useState("");
  const issueId = params.get("issue") ?? "";

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
      <section aria-labelledby="search-people">
        <h2 id="search-people">{t("formation.searchPeople")}</h2>
        <PeopleFilter params={params} setParams={setParams} />
        <ErrorNote error={people.error} />
        {people.data && (
          <>
            <p role="status">{t("people.count", { count: people.data.people.totalCount })}</p>
            <PeopleTable people={people.data.people.nodes} />
          </>
        )}
      </section>
      <NotAvailable heading={t("formation.suggestions")} what="suggestMembers, inviteMember (teamwork)" />
    </>
  );
}
