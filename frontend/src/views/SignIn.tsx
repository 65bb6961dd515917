import { useTranslation } from "react-i18next";
import { PageTitle, NotAvailable } from "../components/common";

// The identity branch provides /auth/login?next= (OIDC) and /auth/logout; these are plain links so
// the browser follows the redirects and receives the session cookie.
export function SignInView() {
  const { t } = useTranslation();
  return (
    <>
      <PageTitle>{t("auth.title")}</PageTitle>
      <p>{t("auth.intro")}</p>
      <p>
        <a className="button" href={`/auth/login?next=${encodeURIComponent("/")}`}>
          {t("auth.signIn")}
        </a>{" "}
        <a href="/auth/logout">{t("auth.signOut")}</a>
      </p>
      <NotAvailable what="OIDC sign-in (identity)" />
    </>
  );
}

export function SignedOutView() {
  const { t } = useTranslation();
  return (
    <>
      <PageTitle>{t("auth.signedOutTitle")}</PageTitle>
      <a href="/auth/login?next=%2F">{t("auth.signIn")}</a>
    </>
  );
}
