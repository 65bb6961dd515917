import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { LiveFeed } from "../components/LiveFeed";
import { NotAvailable, PageTitle } from "../components/common";

export function Dashboard() {
  const { t } = useTranslation();
  return (
    <>
      <PageTitle>{t("dashboard.title")}</PageTitle>
      <p>
        {t("dashboard.signInFirst")} <Link to="/signin">{t("auth.signIn")}</Link>
      </p>
      <div className="grid2">
        <div>
          <NotAvailable heading={t("dashboard.myTeams")} what="sign-in (me)" />
          <NotAvailable heading={t("dashboard.invitations")} what="invitations (teamwork)" />
        </div>
        <LiveFeed title={t("dashboard.recentActivity")} />
      </div>
    </>
  );
}
