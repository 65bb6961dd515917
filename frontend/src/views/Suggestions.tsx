// Team formation's second half: for a chosen team, the hub's suggestions with their reasons, and
// an invite form beside each suggestion and each searched person.
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { useMutation, useQuery } from "urql";
import { graphql } from "../gql";
import { ErrorNote, Loading } from "../components/common";
import { instName } from "./lookups";

export const TeamOptions = graphql(`
  query TeamOptions {
    teams(first: 100) {
      nodes {
        id
        name
        status
      }
    }
  }
`);

const SuggestQuery = graphql(`
  query Suggest($teamId: ID!, $skills: [ID!], $limit: Int!) {
    suggestMembers(teamId: $teamId, skills: $skills, limit: $limit) {
      score
      freeCapacity
      matchedSkills {
        level
        skill {
          id
          name
        }
      }
      institutionGap {
        stake
        institution {
          id
          nameLv
          nameEn
        }
      }
      person {
        id
        name
        institution {
          id
          nameLv
          nameEn
        }
      }
    }
  }
`);

// Selects no Person on purpose: urql's document cache re-runs every query that holds a returned
// typename, and the suggestions (which leave out people with a pending invitation) hold Person. A
// refetch there would drop the row, and its "invited" confirmation, from under the lead's eyes.
const Invite = graphql(`
  mutation InviteMember($input: InvitationInput!) {
    inviteMember(input: $input) {
      id
      status
    }
  }
`);

const ROLES = ["MEMBER", "EXPERT", "OBSERVER"] as const;

/** Allocation and role for one person, then the invitation itself. */
export function InviteForm({ teamId, person }: { teamId: string; person: { id: string; name: string } }) {
  const { t } = useTranslation();
  const [allocation, setAllocation] = useState("20");
  const [role, setRole] = useState<(typeof ROLES)[number]>("MEMBER");
  const [invited, invite] = useMutation(Invite);
  async function submit(e: FormEvent) {
    e.preventDefault();
    await invite({ input: { teamId, personId: person.id, allocation: Number(allocation), role } });
  }
  if (invited.data) {
    return (
      <p role="status" data-testid={`invited-${person.id}`}>
        {t("formation.invited")}
      </p>
    );
  }
  return (
    <form className="row" onSubmit={submit} aria-label={t("work.inviteFor", { name: person.name })}>
      <ErrorNote error={invited.error} />
      <label>
        {t("teams.allocation")} (%)
        <input
          type="number"
          min={1}
          max={100}
          required
          size={4}
          value={allocation}
          onChange={(e) => setAllocation(e.target.value)}
        />
      </label>
      <label>
        {t("teams.role")}
        <select value={role} onChange={(e) => setRole(e.target.value as (typeof ROLES)[number])}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {t(`enums.Role.${r}`)}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className="primary" disabled={invited.fetching}>
        {t("formation.invite")}
      </button>
    </form>
  );
}

export function Suggestions({ teamId, skillId }: { teamId: string; skillId: string }) {
  const { t, i18n } = useTranslation();
  const [result] = useQuery({
    query: SuggestQuery,
    variables: { teamId, skills: skillId ? [skillId] : null, limit: 10 },
  });
  const list = result.data?.suggestMembers ?? [];
  return (
    <section aria-labelledby="suggestions-h">
      <h2 id="suggestions-h">{t("formation.suggestions")}</h2>
      <ErrorNote error={result.error} />
      <Loading show={result.fetching && !result.data}>
        {result.data && list.length === 0 && <p>{t("work.noSuggestions")}</p>}
        <ol className="suggestions" data-testid="suggestions">
          {list.map((s) => (
            <li key={s.person.id}>
              <h3>
                <Link to={`/people/${s.person.id}`}>{s.person.name}</Link>{" "}
                <span className="muted">
                  {s.person.institution ? instName(s.person.institution, i18n.language) : ""} ·{" "}
                  {t("work.score", { score: s.score })}
                </span>
              </h3>
              <p className="sr-only">{t("formation.reasons")}:</p>
              <ul className="reasons" aria-label={t("formation.reasons")}>
                {s.matchedSkills.length > 0 && (
                  <li>
                    {t("work.matchedSkills")}:{" "}
                    {s.matchedSkills.map((m) => t("work.skillLevel", { name: m.skill.name, level: m.level })).join(", ")}
                  </li>
                )}
                {s.institutionGap && (
                  <li>
                    {t("work.fillsGap", {
                      institution: instName(s.institutionGap.institution, i18n.language),
                      stake: t(`enums.Stake.${s.institutionGap.stake}`),
                    })}
                  </li>
                )}
                <li>{t("work.freeCapacity", { percent: s.freeCapacity })}</li>
              </ul>
              <InviteForm teamId={teamId} person={s.person} />
            </li>
          ))}
        </ol>
      </Loading>
    </section>
  );
}
