import { useTranslation } from "react-i18next";
import { PageTitle } from "../components/common";

// Paziņojums par piekļūstamību pēc MK noteikumu Nr. 445 (2020) parauga; tekstu saturs ir valodas
// dokuments, tāpēc abas versijas ir šeit pilnā apjomā, nevis pa atslēgām.
function Latvian() {
  return (
    <>
      <p>
        Sadarbes centrs apņemas nodrošināt savas tīmekļa vietnes piekļūstamību saskaņā ar Ministru kabineta
        2020. gada 14. jūlija noteikumiem Nr. 445 “Kārtība, kādā iestādes ievieto informāciju internetā”.
        Šis paziņojums par piekļūstamību attiecas uz tīmekļa lietotni “Sadarbe”.
      </p>
      <h2>Atbilstības statuss</h2>
      <p>
        Tīmekļa vietne daļēji atbilst standarta LVS EN 301 549 (WCAG 2.1 AA līmenis) prasībām, jo daļa funkciju vēl tiek
        izstrādāta (skatīt zemāk).
      </p>
      <h2>Nepiekļūstams saturs</h2>
      <ul>
        <li>Jautājumu kartes grafs pats par sevi nav lietojams ar tastatūru; tie paši dati ir pieejami saraksta skatā.</li>
        <li>Darbību kopsavilkumi tiek rādīti tādā valodā, kādā tos ierakstījis centrs.</li>
      </ul>
      <h2>Paziņojuma sagatavošana</h2>
      <p>
        Paziņojums sagatavots 2026. gada 27. novembrī, pamatojoties uz pašnovērtējumu un automatizētām pārbaudēm ar
        axe-core katrā skatā.
      </p>
      <h2>Atsauksmes un saziņas informācija</h2>
      <p>
        Ja pamanāt piekļūstamības trūkumus, lūdzu, rakstiet uz <a href="mailto:piekluustamiba@sadarbe.example">piekluustamiba@sadarbe.example</a>.
        Atbildi sniegsim 15 darba dienu laikā.
      </p>
      <h2>Izpildes nodrošināšanas procedūra</h2>
      <p>
        Ja atbilde nav apmierinoša, varat vērsties Latvijas Republikas Tiesībsarga birojā vai Valsts digitālās
        attīstības aģentūrā.
      </p>
    </>
  );
}

function English() {
  return (
    <>
      <p>
        The Sadarbe hub is committed to making its website accessible in accordance with Cabinet Regulation No. 445 of
        14 July 2020 “Procedures for institutions to publish information on the internet”. This accessibility statement
        applies to the Sadarbe web app.
      </p>
      <h2>Compliance status</h2>
      <p>
        This website is partially compliant with standard EN 301 549 (WCAG 2.1 level AA) because some functions are still
        being built (see below).
      </p>
      <h2>Non-accessible content</h2>
      <ul>
        <li>The issue map graph on its own cannot be used by keyboard; the same data is available in the list view.</li>
        <li>Activity summaries are shown in the language in which the hub recorded them.</li>
      </ul>
      <h2>Preparation of this statement</h2>
      <p>
        This statement was prepared on 27 November 2026, based on a self-assessment and automated axe-core checks of every
        view.
      </p>
      <h2>Feedback and contact information</h2>
      <p>
        If you notice accessibility problems, please write to{" "}
        <a href="mailto:piekluustamiba@sadarbe.example">piekluustamiba@sadarbe.example</a>. We will reply within 15
        working days.
      </p>
      <h2>Enforcement procedure</h2>
      <p>
        If the answer is not satisfactory, you can contact the Ombudsman of the Republic of Latvia or the State Digital
        Development Agency.
      </p>
    </>
  );
}

export function AccessibilityView() {
  const { t, i18n } = useTranslation();
  return (
    <>
      <PageTitle>{t("a11y.title")}</PageTitle>
      {i18n.language === "en" ? <English /> : <Latvian />}
    </>
  );
}
