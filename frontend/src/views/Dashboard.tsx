import { useTranslation } from "react-i18next";
import { Link, useLocation } from "react-router";
import { useMutation, useQuery } from "urql";
import { graphql } from "../gql";
import { signInHref } from "../auth/SignInControl";
import { LiveFeed } from "../components/LiveFeed";
import { Badge, ErrorNote, Loading, PageTitle } from "../components/common";

const DashboardMe = graphql(`
  query DashboardMe {
    me {
      person {
        id
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

/** The signed-in person's own teams, invitations and feed. */
export function Dashboard() {
  const { t } = useTranslation();
  const location = useLocation();
  const [me] = useQuery({ query: DashboardMe });
  const signedIn = me.data?.me;
  const personId = signedIn?.person?.id;
  return (
    <>
      <PageTitle>{t("dashboard.title")}</PageTitle>
      <ErrorNote error={me.error} />
      <Loading show={me.fetching && !me.data} />
      {personId ? (
        <MyPanels personId={personId} />
      ) : signedIn ? (
        <p>{t("dashboard.noPerson")}</p>
      ) : me.data ? (
        <p>
          {t("dashboard.signInFirst")}{" "}
          <a href={signInHref(location.pathname + location.search)}>{t("auth.signIn")}</a>
        </p>
      ) : null}
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
