import { useTranslation } from "react-i18next";
import { NotAvailable, PageTitle } from "../components/common";

export function CentreView() {
  const { t } = useTranslation();
  return (
    <>
      <PageTitle>{t("centre.title")}</PageTitle>
      <div className="grid2">
        <NotAvailable heading={t("centre.hotspots")} what="hotspots (mapping)" />
        <NotAvailable heading={t("centre.overload")} what="overload (mapping)" />
        <NotAvailable heading={t("centre.health")} what="teamHealth (mapping)" />
        <NotAvailable heading={t("centre.heatmap")} what="directionMatrix (mapping)" />
      </div>
    </>
  );
}
