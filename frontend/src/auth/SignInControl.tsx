import { useTranslation } from "react-i18next";
import { useLocation } from "react-router";
import { useQuery } from "urql";
import { graphql } from "../gql";

const MeQuery = graphql(`
  query Me {
    me {
      email
      admin
      person {
        id
        name
      }
    }
  }
`);

/** The hub's sign-in route (OIDC authorization code flow); `next` brings the person back here. */
export function signInHref(path: string): string {
  return `/auth/login?next=${encodeURIComponent(path)}`;
}

/**
 * The header's sign-in control: who is signed in and a sign-out button, or a sign-in link. Sign-in
 * and sign-out are full-page navigations: the hub sets or clears the HttpOnly session cookie, and
 * the reload reconnects the WebSocket with the new session.
 */
export function SignInControl() {
  const { t } = useTranslation();
  const location = useLocation();
  const [{ data, fetching }] = useQuery({ query: MeQuery, requestPolicy: "network-only" });
  if (fetching && !data) return null;
  const me = data?.me;
  if (!me) {
    return (
      <a className="button" href={signInHref(location.pathname + location.search)} data-testid="sign-in">
        {t("auth.signIn")}
      </a>
    );
  }
  const name = me.person?.name ?? me.email ?? "";
  return (
    <form method="post" action="/auth/logout" className="signed-in">
      <span data-testid="signed-in-as">{t("auth.signedInAs", { name })}</span>{" "}
      <button type="submit" data-testid="sign-out">
        {t("auth.signOut")}
      </button>
    </form>
  );
}
