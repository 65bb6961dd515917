import { useTranslation } from "react-i18next";
import { PageTitle } from "../components/common";
import { signInHref } from "../auth/SignInControl";

// /auth/login and /auth/logout are the hub's routes (OIDC): plain links and forms, so the browser
// follows the redirects and receives or loses the session cookie.
export function SignInView() {
  const { t } = useTranslation();
  return (
    <>
      <PageTitle>{t("auth.title")}</PageTitle>
      <p>{t("auth.intro")}</p>
      <p>
        <a className="button" href={signInHref("/")}>
          {t("auth.signIn")}
        </a>
      </p>
    </>
  );
}

export function SignedOutView() {
  const { t } = useTranslation();
  return (
    <>
      <PageTitle>{t("auth.signedOutTitle")}</PageTitle>
      <p>{t("auth.signedOutText")}</p>
      <a href={signInHref("/")}>{t("auth.signIn")}</a>
    </>
  );
}
