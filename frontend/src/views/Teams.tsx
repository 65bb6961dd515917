import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { useQuery } from "urql";
import { graphql } from "../gql";
import { Badge, ErrorNote, Loading, PageTitle } from "../components/common";
import { TeamWork } from "./TeamWork";
import { LiveFeed } from "../components/LiveFeed";

const TeamsQuery = graphql(`
  query Teams {
    teams(first: 100) {
      totalCount
      nodes {
        id
        name
        status
        visibility
        endDate
        issue {
          id
          title
        }
        members {
          role
        }
      }
    }
  }
`);

export function TeamsView() {
  const { t } = useTranslation();
  const [result] = useQuery({ query: TeamsQuery });
  return (
    <>
      <PageTitle>{t("teams.title")}</PageTitle>
      <ErrorNote error={result.error} />
      <Loading show={result.fetching && !result.data}>
        {result.data && (
          <>
            <p role="status">{t("teams.count", { count: result.data.teams.totalCount })}</p>
            <table>
              <thead>
                <tr>
                  <th scope="col">{t("teams.name")}</th>
                  <th scope="col">{t("teams.issue")}</th>
                  <th scope="col">{t("teams.status")}</th>
                  <th scope="col">{t("teams.visibility")}</th>
                  <th scope="col">{t("teams.members")}</th>
                </tr>
              </thead>
              <tbody>
                {result.data.teams.nodes.map((team) => (
                  <tr key={team.id}>
                    <td>
                      <Link to={`/teams/${team.id}`}>{team.name}</Link>
                    </td>
                    <td>{team.issue && <Link to={`/issues/${team.issue.id}`}>{team.issue.title}</Link>}</td>
                    <td>
                      <Badge group="TeamStatus" value={team.status} />
                    </td>
                    <td>{t(`enums.Visibility.${team.visibility}`)}</td>
                    <td>{team.members.length}</td>
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

const TeamQuery = graphql(`
  query Team($id: ID!) {
    team(id: $id) {
      id
      name
      mandate
      status
      visibility
      endDate
      legalBasis {
        orderNumber
        orderDate
      }
      issue {
        id
        title
      }
      members {
        role
        allocation
        person {
          id
          name
          institution {
            id
            code
          }
        }
      }
    }
  }
`);

export function TeamView() {
  const { t } = useTranslation();
  const { id = "" } = useParams();
  const [result] = useQuery({ query: TeamQuery, variables: { id } });
  const team = result.data?.team;
  if (result.data && !team) return <PageTitle>{t("common.notFound")}</PageTitle>;
  return (
    <>
      <ErrorNote error={result.error} />
      <Loading show={!team && result.fetching}>
        {team && (
          <>
            <PageTitle>{team.name}</PageTitle>
            <dl className="facts">
              <dt>{t("teams.status")}</dt>
              <dd>
                <Badge group="TeamStatus" value={team.status} />
              </dd>
              <dt>{t("teams.visibility")}</dt>
              <dd>{t(`enums.Visibility.${team.visibility}`)}</dd>
              <dt>{t("teams.issue")}</dt>
              <dd>{team.issue ? <Link to={`/issues/${team.issue.id}`}>{team.issue.title}</Link> : t("common.none")}</dd>
              <dt>{t("teams.endDate")}</dt>
              <dd>{team.endDate ?? t("common.none")}</dd>
              <dt>{t("teams.legalBasis")}</dt>
              <dd>
                {team.legalBasis
                  ? `${team.legalBasis.orderNumber}${team.legalBasis.orderDate ? ` (${team.legalBasis.orderDate})` : ""}`
                  : t("common.none")}
              </dd>
            </dl>
            {team.mandate && <p>{team.mandate}</p>}
            <div className="grid2">
              <div>
                <h2>{t("teams.members")}</h2>
                <table>
                  <thead>
                    <tr>
                      <th scope="col">{t("people.name")}</th>
                      <th scope="col">{t("people.institution")}</th>
                      <th scope="col">{t("teams.role")}</th>
                      <th scope="col">{t("teams.allocation")}</th>
                    </tr>
                  </thead>
                  <tbody data-testid="members">
                    {team.members.map((m) => (
                      <tr key={m.person.id}>
                        <td>
                          <Link to={`/people/${m.person.id}`}>{m.person.name}</Link>
                        </td>
                        <td>{m.person.institution?.code ?? ""}</td>
                        <td>{t(`enums.Role.${m.role}`)}</td>
                        <td>{m.allocation}%</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <TeamWork teamId={team.id} />
              </div>
              <LiveFeed kind="team" scopeId={team.id} />
            </div>
          </>
        )}
      </Loading>
    </>
  );
}
