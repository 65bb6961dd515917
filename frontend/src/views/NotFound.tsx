import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { PageTitle } from "../components/common";

export function NotFoundView() {
  const { t } = useTranslation();
  return (
    <>
      <PageTitle>{t("common.notFound")}</PageTitle>
      <p>{t("common.notFoundText")}</p>
      <Link to="/">{t("nav.dashboard")}</Link>
    </>
  );
}
