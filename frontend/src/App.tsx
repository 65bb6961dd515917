import { Suspense, useEffect, useRef } from "react";
import { NavLink, Route, Routes, useLocation } from "react-router";
import { useTranslation } from "react-i18next";
import { SearchBox } from "./components/SearchBox";
import { SignInControl } from "./auth/SignInControl";
import { Dashboard } from "./views/Dashboard";
import { PeopleView, PersonView } from "./views/People";
import { IssuesView, IssueView, NewIssueView } from "./views/Issues";
import { TeamsView, TeamView } from "./views/Teams";
import { FormationView } from "./views/Formation";
import { CentreView } from "./views/Centre";
import { SignInView, SignedOutView } from "./views/SignIn";
import { AccessibilityView } from "./views/Accessibility";
import { NotFoundView } from "./views/NotFound";
// The map draws on a plain canvas (15 kB): no separate chunk to fetch before it can ask for data.
import MapView from "./views/MapView";


const NAV = [
  ["/", "nav.dashboard"],
  ["/people", "nav.people"],
  ["/issues", "nav.issues"],
  ["/teams", "nav.teams"],
  ["/formation", "nav.formation"],
  ["/map", "nav.map"],
  ["/centre", "nav.centre"],
] as const;

export function App() {
  const { t, i18n } = useTranslation();
  const location = useLocation();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  // Move focus to the new page's content after client-side navigation (screen readers hear it).
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [location.pathname]);

  const other = i18n.language === "en" ? "lv" : "en";
  return (
    <>
      <a className="skip" href="#main">
        {t("app.skip")}
      </a>
      <header className="top">
        <div className="brand">
          <NavLink to="/">{t("app.name")}</NavLink>
          <span className="tagline">{t("app.tagline")}</span>
        </div>
        <SearchBox />
        <div className="top-actions">
          <SignInControl />
          {/* Last, so it keeps its place at the right edge when the sign-in control appears. */}
          <button
            type="button"
            lang={other}
            aria-label={t("lang.switchLabel")}
            onClick={() => void i18n.changeLanguage(other)}
            data-testid="lang-switch"
          >
            {t("lang.switch")}
          </button>
        </div>
      </header>
      <nav aria-label={t("nav.main")} className="mainnav">
        <ul>
          {NAV.map(([to, key]) => (
            <li key={to}>
              <NavLink to={to} end={to === "/"}>
                {t(key)}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" ref={main} tabIndex={-1}>
        <Suspense fallback={<p role="status">{t("common.loading")}</p>}>
          <Routes>
            <Route path="/" element={<Dashboard />} />
            <Route path="/people" element={<PeopleView />} />
            <Route path="/people/:id" element={<PersonView />} />
            <Route path="/issues" element={<IssuesView />} />
            <Route path="/issues/new" element={<NewIssueView />} />
            <Route path="/issues/:id" element={<IssueView />} />
            <Route path="/teams" element={<TeamsView />} />
            <Route path="/teams/:id" element={<TeamView />} />
            <Route path="/formation" element={<FormationView />} />
            <Route path="/map" element={<MapView />} />
            <Route path="/centre" element={<CentreView />} />
            <Route path="/signin" element={<SignInView />} />
            <Route path="/signed-out" element={<SignedOutView />} />
            <Route path="/accessibility" element={<AccessibilityView />} />
            <Route path="*" element={<NotFoundView />} />
          </Routes>
        </Suspense>
      </main>
      <footer className="foot">
        <NavLink to="/accessibility">{t("nav.accessibility")}</NavLink>
      </footer>
    </>
  );
}
