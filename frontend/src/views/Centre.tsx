import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { useQuery } from "urql";
import { graphql } from "../gql";
import { Badge, ErrorNote, Loading, PageTitle } from "../components/common";

const CentreQuery = graphql(`
  query Centre {
    hotspots(limit: 10) {
      institutionId
      name
      code
      activeIssues
      activeMemberships
      score
    }
    overload(maxTeams: 3) {
      personId
      name
      allocation
      teamCount
    }
    teamHealth(inactiveDays: 30, invitationDays: 7) {
      teamId
      name
      status
      problems
      lastActivityAt
      unansweredInvitations
    }
    directionMatrix {
      directionId
      number
      title
      cells {
        institutionId
        code
        name
        activeIssues
        activeTeams
      }
    }
  }
`);

/** Heat as a shade plus the number itself (never colour alone); shades stay light enough for dark text. */
function heat(value: number, max: number): { background: string; color: string } {
  const share = max ? value / max : 0;
  return { background: `hsl(350 60% ${Math.round(97 - share * 27)}%)`, color: "#1b1b1b" };
}

export function CentreView() {
  const { t, i18n } = useTranslation();
  const [result] = useQuery({ query: CentreQuery });
  const d = result.data;
  const date = new Intl.DateTimeFormat(i18n.language, { dateStyle: "medium" });
  const columns = d?.directionMatrix[0]?.cells ?? [];
  const max = Math.max(0, ...(d?.directionMatrix.flatMap((r) => r.cells.map((c) => c.activeIssues)) ?? []));
  return (
    <>
      <PageTitle>{t("centre.title")}</PageTitle>
      <ErrorNote error={result.error} />
      <Loading show={result.fetching && !d}>
        {d && (
          <>
            <div className="grid2">
              <section aria-labelledby="hotspots-h">
                <h2 id="hotspots-h">{t("centre.hotspots")}</h2>
                <p className="muted">{t("centre.hotspotsHelp")}</p>
                <table data-testid="hotspots">
                  <thead>
                    <tr>
                      <th scope="col">{t("people.institution")}</th>
                      <th scope="col">{t("centre.activeIssues")}</th>
                      <th scope="col">{t("centre.activeSeats")}</th>
                      <th scope="col">{t("centre.score")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.hotspots.map((h) => (
                      <tr key={h.institutionId}>
                        <td>
                          <Link to={`/people?institution=${encodeURIComponent(h.institutionId)}`}>{h.name}</Link>
                        </td>
                        <td>{h.activeIssues}</td>
                        <td>{h.activeMemberships}</td>
                        <td>{h.score}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </section>
              <section aria-labelledby="overload-h">
                <h2 id="overload-h">{t("centre.overload")}</h2>
                {d.overload.length === 0 ? (
                  <p>{t("centre.noOverload")}</p>
                ) : (
                  <table data-testid="overload">
                    <thead>
                      <tr>
                        <th scope="col">{t("people.name")}</th>
                        <th scope="col">{t("people.allocation")}</th>
                        <th scope="col">{t("centre.activeTeams")}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {d.overload.map((o) => (
                        <tr key={o.personId}>
                          <td>
                            <Link to={`/people/${o.personId}`}>{o.name}</Link>
                          </td>
                          <td>{o.allocation}%</td>
                          <td>{o.teamCount}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </section>
            </div>
            <section aria-labelledby="health-h">
              <h2 id="health-h">{t("centre.health")}</h2>
              {d.teamHealth.length === 0 ? (
                <p>{t("centre.allHealthy")}</p>
              ) : (
                <table data-testid="team-health">
                  <thead>
                    <tr>
                      <th scope="col">{t("teams.name")}</th>
                      <th scope="col">{t("teams.status")}</th>
                      <th scope="col">{t("centre.problems")}</th>
                      <th scope="col">{t("centre.lastActivity")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.teamHealth.map((h) => (
                      <tr key={h.teamId}>
                        <td>
                          <Link to={`/teams/${h.teamId}`}>{h.name}</Link>
                        </td>
                        <td>
                          <Badge group="TeamStatus" value={h.status} />
                        </td>
                        <td>
                          {h.problems
                            .map((p) =>
                              p === "UNANSWERED_INVITATIONS"
                                ? t("enums.TeamProblem.UNANSWERED_INVITATIONS", { count: h.unansweredInvitations })
                                : t(`enums.TeamProblem.${p}`),
                            )
                            .join("; ")}
                        </td>
                        <td>{h.lastActivityAt ? date.format(new Date(h.lastActivityAt)) : t("common.none")}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </section>
            <section aria-labelledby="heatmap-h">
              <h2 id="heatmap-h">{t("centre.heatmap")}</h2>
              <p className="muted">{t("centre.heatmapHelp")}</p>
              <div className="scroll-x" tabIndex={0} role="region" aria-labelledby="heatmap-h">
                <table className="heatmap" data-testid="heatmap">
                  <thead>
                    <tr>
                      <th scope="col">{t("issues.direction")}</th>
                      {columns.map((c) => (
                        <th scope="col" key={c.institutionId}>
                          <abbr title={c.name}>{c.code}</abbr>
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {d.directionMatrix.map((row) => (
                      <tr key={row.directionId}>
                        <th scope="row">
                          {row.number}. {row.title}
                        </th>
                        {row.cells.map((c) => (
                          <td
                            key={c.institutionId}
                            style={heat(c.activeIssues, max)}
                            aria-label={t("centre.cell", {
                              issues: c.activeIssues,
                              teams: c.activeTeams,
                              ministry: c.name,
                            })}
                          >
                            {c.activeIssues}/{c.activeTeams}
                          </td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </section>
          </>
        )}
      </Loading>
    </>
  );
}
