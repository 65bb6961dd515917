import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { useMutation, useQuery } from "urql";
import { graphql } from "../gql";
import { LiveFeed } from "../components/LiveFeed";
import { Badge, ErrorNote, Loading, PageTitle } from "../components/common";

const PersonOptions = graphql(`
  query PersonOptions {
    people(first: 100) {
      nodes {
        id
        name
      }
    }
  }
`);

const MyDashboard = graphql(`
  query MyDashboard($id: ID!) {
    person(id: $id) {
      id
      name
      memberships {
        role
        allocation
        team {
          id
          name
          status
        }
      }
      invitations {
        id
        status
        role
        allocation
        message
        expiresAt
        teamName
        team {
          id
        }
        invitedBy {
          id
          name
        }
      }
    }
  }
`);

const Accept = graphql(`
  mutation AcceptInvitation($id: ID!) {
    acceptInvitation(invitationId: $id) {
      id
      status
    }
  }
`);

const Decline = graphql(`
  mutation DeclineInvitation($id: ID!) {
    declineInvitation(invitationId: $id) {
      id
      status
    }
  }
`);

// Until sign-in lands, the dashboard is shown for a person the viewer picks (remembered locally).
const VIEW_AS_KEY = "sadarbe.viewAs";

export function Dashboard() {
  const { t } = useTranslation();
  const [personId, setPersonId] = useState(() => localStorage.getItem(VIEW_AS_KEY) ?? "");
  const [people] = useQuery({ query: PersonOptions });
  const choose = (id: string) => {
    setPersonId(id);
    if (id) localStorage.setItem(VIEW_AS_KEY, id);
    else localStorage.removeItem(VIEW_AS_KEY);
  };
  return (
    <>
      <PageTitle>{t("dashboard.title")}</PageTitle>
      <p>
        {t("dashboard.signInFirst")} <Link to="/signin">{t("auth.signIn")}</Link>
      </p>
      <ErrorNote error={people.error} />
      <label className="stack">
        {t("work.viewAs")}
        <select value={personId} onChange={(e) => choose(e.target.value)} data-testid="view-as">
          <option value="">—</option>
          {people.data?.people.nodes.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
      </label>
      {personId ? <MyPanels personId={personId} /> : <p>{t("work.chooseSelf")}</p>}
    </>
  );
}

const OPEN = new Set(["PENDING"]);

function MyPanels({ personId }: { personId: string }) {
  const { t, i18n } = useTranslation();
  const [result, refetch] = useQuery({ query: MyDashboard, variables: { id: personId } });
  const [accepted, accept] = useMutation(Accept);
  const [declined, decline] = useMutation(Decline);
  const person = result.data?.person;
  const reload = () => refetch({ requestPolicy: "network-only" });
  const date = new Intl.DateTimeFormat(i18n.language, { dateStyle: "medium" });
  const open = person?.invitations.filter((i) => OPEN.has(i.status)) ?? [];
  return (
    <div className="grid2">
      <div>
        <ErrorNote error={result.error ?? accepted.error ?? declined.error} />
        <Loading show={!person && result.fetching}>
          {person && (
            <>
              <section aria-labelledby="my-teams">
                <h2 id="my-teams">{t("dashboard.myTeams")}</h2>
                {person.memberships.length === 0 ? (
                  <p>{t("work.noTeams")}</p>
                ) : (
                  <ul data-testid="my-teams">
                    {person.memberships.map((m) => (
                      <li key={m.team.id}>
                        <Link to={`/teams/${m.team.id}`}>{m.team.name}</Link> — {t(`enums.Role.${m.role}`)},{" "}
                        {m.allocation}% <Badge group="TeamStatus" value={m.team.status} />
                      </li>
                    ))}
                  </ul>
                )}
              </section>
              <section aria-labelledby="my-invitations">
                <h2 id="my-invitations">{t("dashboard.invitations")}</h2>
                {open.length === 0 ? (
                  <p>{t("work.noInvitationsToAnswer")}</p>
                ) : (
                  <ul data-testid="my-invitations" className="invitations">
                    {open.map((inv) => (
                      <li key={inv.id}>
                        <p>
                          <strong>
                            {inv.team ? <Link to={`/teams/${inv.team.id}`}>{inv.teamName}</Link> : inv.teamName}
                          </strong>{" "}
                          — {t(`enums.Role.${inv.role}`)}, {inv.allocation}%
                          {inv.invitedBy && <> · {t("work.invitedBy", { name: inv.invitedBy.name })}</>} ·{" "}
                          {t("work.expires", { date: date.format(new Date(inv.expiresAt)) })}
                        </p>
                        {inv.message && <p>{inv.message}</p>}
                        <div className="row">
                          <button
                            type="button"
                            className="primary"
                            disabled={accepted.fetching}
                            aria-label={t("work.acceptFor", { team: inv.teamName })}
                            onClick={async () => {
                              const r = await accept({ id: inv.id });
                              if (!r.error) reload();
                            }}
                          >
                            {t("work.accept")}
                          </button>
                          <button
                            type="button"
                            disabled={declined.fetching}
                            aria-label={t("work.declineFor", { team: inv.teamName })}
                            onClick={async () => {
                              const r = await decline({ id: inv.id });
                              if (!r.error) reload();
                            }}
                          >
                            {t("work.decline")}
                          </button>
                        </div>
                      </li>
                    ))}
                  </ul>
                )}
              </section>
            </>
          )}
        </Loading>
      </div>
      <LiveFeed kind="my" scopeId={personId} title={t("dashboard.feed")} />
    </div>
  );
}
