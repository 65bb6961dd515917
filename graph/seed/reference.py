"""Real reference data about Latvia's public administration, as typed constants.

Sources: /work/shared/reference/latvia.md (institutions, issues) and the Modernisation Plan
2023–2027 text (the seven directions). Codes follow latvia.md; `ĀM` keeps Foreign Affairs apart
from Defence (`AM`). Everything here is public fact or illustrative, never personal data.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.institutions import InstitutionKind
from graph.issues import IssueStatus, Priority, Stake

MINISTRY = InstitutionKind.MINISTRY
AGENCY = InstitutionKind.AGENCY
OTHER = InstitutionKind.OTHER


@dataclass(frozen=True)
class InstitutionRef:
    code: str
    name_lv: str
    name_en: str
    kind: InstitutionKind
    parent_code: str | None = None


MINISTRIES: tuple[InstitutionRef, ...] = (
    InstitutionRef("AM", "Aizsardzības ministrija", "Ministry of Defence", MINISTRY),
    InstitutionRef("ĀM", "Ārlietu ministrija", "Ministry of Foreign Affairs", MINISTRY),
    InstitutionRef("EM", "Ekonomikas ministrija", "Ministry of Economics", MINISTRY),
    InstitutionRef("FM", "Finanšu ministrija", "Ministry of Finance", MINISTRY),
    InstitutionRef("IeM", "Iekšlietu ministrija", "Ministry of the Interior", MINISTRY),
    InstitutionRef("IZM", "Izglītības un zinātnes ministrija", "Ministry of Education and Science", MINISTRY),
    InstitutionRef("KEM", "Klimata un enerģētikas ministrija", "Ministry of Climate and Energy", MINISTRY),
    InstitutionRef("KM", "Kultūras ministrija", "Ministry of Culture", MINISTRY),
    InstitutionRef("LM", "Labklājības ministrija", "Ministry of Welfare", MINISTRY),
    InstitutionRef("SM", "Satiksmes ministrija", "Ministry of Transport", MINISTRY),
    InstitutionRef("TM", "Tieslietu ministrija", "Ministry of Justice", MINISTRY),
    InstitutionRef("VM", "Veselības ministrija", "Ministry of Health", MINISTRY),
    InstitutionRef(
        "VARAM",
        "Viedās administrācijas un reģionālās attīstības ministrija",
        "Ministry of Smart Administration and Regional Development",
        MINISTRY,
    ),
    InstitutionRef("ZM", "Zemkopības ministrija", "Ministry of Agriculture", MINISTRY),
)

STATE_CHANCELLERY = InstitutionRef(
    "VK", "Valsts kanceleja", "State Chancellery", InstitutionKind.CENTRE_OF_GOVERNMENT
)

AGENCIES: tuple[InstitutionRef, ...] = (
    InstitutionRef(
        "VAS", "Valsts administrācijas skola", "Latvian School of Public Administration", AGENCY, "VK"
    ),
    InstitutionRef(
        "VRAA",
        "Valsts reģionālās attīstības aģentūra",
        "State Regional Development Agency",
        AGENCY,
        "VARAM",
    ),
    InstitutionRef(
        "PMLP",
        "Pilsonības un migrācijas lietu pārvalde",
        "Office of Citizenship and Migration Affairs",
        AGENCY,
        "IeM",
    ),
    InstitutionRef("VID", "Valsts ieņēmumu dienests", "State Revenue Service", AGENCY, "FM"),
    InstitutionRef("CSP", "Centrālā statistikas pārvalde", "Central Statistical Bureau", AGENCY, "EM"),
    InstitutionRef("NVD", "Nacionālais veselības dienests", "National Health Service", AGENCY, "VM"),
    InstitutionRef("VP", "Valsts policija", "State Police", AGENCY, "IeM"),
    InstitutionRef("VISC", "Valsts izglītības satura centrs", "National Centre for Education", AGENCY, "IZM"),
)

# Not part of the executive, but often at the table.
OTHER_BODIES: tuple[InstitutionRef, ...] = (
    InstitutionRef("VKont", "Valsts kontrole", "State Audit Office", OTHER),
    InstitutionRef("LPS", "Latvijas Pašvaldību savienība", "Latvian Association of Local Governments", OTHER),
)

# Parents come before their subordinates, so loading in this order never misses a parent.
INSTITUTIONS: tuple[InstitutionRef, ...] = (*MINISTRIES, STATE_CHANCELLERY, *AGENCIES, *OTHER_BODIES)


@dataclass(frozen=True)
class DirectionRef:
    number: int
    title_lv: str
    title_en: str
    description_lv: str


# The Modernisation Plan 2023–2027's seven directions, quoted from the plan text. Only fix: the
# source's typo "hibdīrddarba" (direction 5) is written "hibrīddarba".
DIRECTIONS: tuple[DirectionRef, ...] = (
    DirectionRef(
        1,
        "Vienota un efektīva valsts pārvalde",
        "Unified and effective public administration",
        "Vienota un efektīva valsts pārvalde (ietver vienotu vērtību nostiprināšanu, valdības centra "
        "spēcināšanu, projektu komandas pieejas ieviešanu), lai uzlabotu starpnozaru sadarbību un "
        "horizontālu jautājumu risināšanas spējas.",
    ),
    DirectionRef(
        2,
        "Cilvēkresursu attīstība",
        "Human resource development",
        "Cilvēkresursu attīstība (ietver civildienesta nākotnes lomas pārskatīšanu, cilvēkresursu "
        "vadības uzlabošanu), lai virzītos uz mācīšanās un iestāžu stratēģisko mērķu sasniegšanas "
        "pieejas iedzīvināšanu ikdienas darbā un strādājošo vērtēšanā.",
    ),
    DirectionRef(
        3,
        "Politikas un regulējuma kvalitāte",
        "Quality of policy and regulation",
        "Politikas un regulējuma kvalitāte (ietver politikas plānošanas sākotnējās un vidēja termiņa "
        "novērtējuma attīstību, normatīvisma un birokrātijas mazināšanu), lai plašāk izmantotu "
        "faktos un datos balstītu risinājumu izvēli, novērtētu nozīmīgu politiku efektus un "
        "samazinātu birokrātiju.",
    ),
    DirectionRef(
        4,
        "Atbalsta funkciju centralizācija un standartizācija",
        "Centralisation and standardisation of support functions",
        "Atbalsta funkciju centralizācija un standartizācija (ietver vienotā pakalpojumu centra "
        "attīstību atbalsta funkciju automatizācijai un centralizētai nodrošināšanai valsts "
        "pārvaldes iestādēm), lai uzlabotu tādu atbalsta funkciju kā budžeta vadība, grāmatvedība, "
        "personāla lietvedība, efektivitāti un ietaupītos resursus varētu novirzīt saturiski "
        "sarežģītākiem darbiem, piemēram, inovāciju attīstībai.",
    ),
    DirectionRef(
        5,
        "Viedas darba vides izveide",
        "Creating a smart working environment",
        "Viedas darba vides izveide (ietver jaunas pieejas izstrādi darba organizācijai, Rīgā un "
        "ārpus galvaspilsētas attīstot kopstrādes telpu pieejamību un veicinot izpratni par "
        "modernām darba organizācijas iespējām), lai iedzīvinātu hibrīddarba organizācijas "
        "praksi, palielinātu iespējas valsts pārvaldē strādāt cilvēkiem no Latvijas reģioniem un "
        "virzītos uz valsts pārvaldes darbam nepieciešamās telpu platības samazinājumu.",
    ),
    DirectionRef(
        6,
        "Inovācijas attīstība",
        "Development of innovation",
        "Inovācijas attīstība (ietver inovatīvu metožu pielietošanas sistematizāciju valsts "
        "pārvaldē un eksperimentēšanas regulējuma attīstību), lai iespējotu valsts pārvaldi "
        "dažādot politikas plānošanas procesus un paplašināt metodiku sarežģītu, tai skaitā "
        "pārnozaru, jautājumu risināšanā. Inovācijas attīstība sekmēs arī uz klientu orientētu "
        "risinājumu izveidi.",
    ),
    DirectionRef(
        7,
        "Valsts pārvaldes digitālā transformācija",
        "Digital transformation of public administration",
        "Horizontālais virziens – valsts pārvaldes digitālā transformācija (ietver datu "
        "pārvaldības uzlabošanu, datu standartizāciju, koplietošanas iespēju paplašināšanu un "
        "tālākas izmantošanas analīzei un mākslīgā intelekta risinājumu trenēšanai), lai pēc "
        "iespējas automatizētu datu apmaiņas procesus un paplašinātu datu kvalitatīvu izmantošanu, "
        "veidojot un pielāgojot pakalpojumus iedzīvotājiem.",
    ),
)


@dataclass(frozen=True)
class Impact:
    code: str
    stake: Stake


@dataclass(frozen=True)
class IssueRef:
    key: str  # natural key for stable_id; issues have no natural key in the model
    title: str
    description: str
    direction: int
    priority: Priority
    affected: tuple[Impact, ...]
    status: IssueStatus = IssueStatus.ACTIVE


def _affected(lead: str, *involved: str, consult_other_ministries: bool = False) -> tuple[Impact, ...]:
    """The first institution leads, the rest are involved; "every ministry" adds the others as consulted."""
    listed = (lead, *involved)
    impacts = [Impact(lead, Stake.LEAD), *(Impact(c, Stake.INVOLVED) for c in involved)]
    if consult_other_ministries:
        impacts += [Impact(m.code, Stake.CONSULTED) for m in MINISTRIES if m.code not in listed]
    return tuple(impacts)


ISSUES: tuple[IssueRef, ...] = (
    IssueRef(
        "energy-security",
        "Energoapgādes drošība un atjaunīgās enerģijas attīstība",
        "Samazināt atkarību no importētajiem energoresursiem, paātrināt vēja un saules "
        "elektrostaciju attīstību un saskaņot atbalsta instrumentus, finansējumu un teritorijas "
        "plānošanu starp nozarēm.",
        1,
        Priority.HIGH,
        _affected("KEM", "EM", "FM", "VARAM"),
    ),
    IssueRef(
        "demography",
        "Demogrāfiskā lejupslīde un atbalsts ģimenēm",
        "Izstrādāt saskaņotu atbalsta pasākumu kopumu ģimenēm ar bērniem – pabalstus, mājokļu "
        "pieejamību, veselības aprūpi un izglītību –, lai mazinātu iedzīvotāju skaita "
        "samazināšanos, īpaši reģionos.",
        1,
        Priority.HIGH,
        _affected("LM", "VM", "IZM", "FM", "VARAM"),
    ),
    IssueRef(
        "civil-preparedness",
        "Civilā sagatavotība un hibrīdapdraudējumu novēršana",
        "Stiprināt valsts un sabiedrības noturību pret krīzēm un hibrīdapdraudējumiem: vienots "
        "apdraudējumu novērtējums, krīzes vadības un komunikācijas koordinācija, kritiskās "
        "infrastruktūras un veselības aprūpes sistēmas gatavība.",
        1,
        Priority.CRITICAL,
        _affected("AM", "IeM", "VK", "VM", "SM"),
    ),
    IssueRef(
        "digital-services",
        "Valsts pārvaldes pakalpojumu digitālā transformācija",
        "Pārveidot valsts pakalpojumus par digitāliem pēc noklusējuma: vienots pakalpojumu "
        "katalogs portālā Latvija.lv, datu apmaiņa starp iestādēm pēc principa “vienreiz vien”, "
        "kopīgi datu standarti un koplietošanas risinājumi visām ministrijām.",
        7,
        Priority.HIGH,
        _affected("VARAM", "VK", "FM", consult_other_ministries=True),
    ),
    IssueRef(
        "ukraine-support",
        "Atbalsts Ukrainas civiliedzīvotājiem",
        "Koordinēt Ukrainas civiliedzīvotāju uzņemšanu, izmitināšanu, sociālo atbalstu, "
        "nodarbinātību un bērnu izglītību, kā arī saskaņot valsts un pašvaldību finansējumu.",
        1,
        Priority.MEDIUM,
        _affected("VARAM", "LM", "IeM", "IZM", "FM"),
    ),
    IssueRef(
        "red-tape",
        "Birokrātijas mazināšana",
        "Pārskatīt normatīvo regulējumu un administratīvās procedūras, lai samazinātu "
        "administratīvo slogu iedzīvotājiem un uzņēmējiem, atceltu novecojušas prasības un pirms "
        "jaunu prasību noteikšanas novērtētu to sākotnējo ietekmi.",
        3,
        Priority.MEDIUM,
        _affected("VK", "TM", "EM"),
    ),
    IssueRef(
        "shared-service-centre",
        "Vienotais pakalpojumu centrs atbalsta funkcijām",
        "Izveidot vienoto pakalpojumu centru grāmatvedības, personāla lietvedības un budžeta "
        "vadības funkcijām, standartizējot procesus un automatizējot rutīnas darbus visās valsts "
        "pārvaldes iestādēs.",
        4,
        Priority.LOW,
        _affected("VK", "FM", "VARAM"),
    ),
)

# (dependent issue key, issue it depends on). Each edge points to an issue listed earlier in
# ISSUES, so the reference dependencies can never form a cycle.
ISSUE_DEPENDENCIES: tuple[tuple[str, str], ...] = (
    ("civil-preparedness", "energy-security"),  # resilience needs secure energy supply
    ("red-tape", "digital-services"),  # "once only" data exchange removes paperwork
    ("shared-service-centre", "digital-services"),  # automation runs on the shared platforms
)

SKILLS: tuple[str, ...] = (
    "Policy analysis",
    "Legal drafting",
    "EU funds management",
    "Data analysis",
    "Public procurement",
    "Project management",
    "Change management",
    "Risk assessment",
    "Energy policy",
    "Public health",
    "Budget planning",
    "Financial audit",
    "Accounting",
    "Human resource management",
    "Strategic planning",
    "Regulatory impact assessment",
    "Stakeholder engagement",
    "Public communication",
    "Crisis management",
    "Cybersecurity",
    "IT architecture",
    "Data governance",
    "Statistics",
    "Service design",
    "Business process modelling",
    "Negotiation",
    "Facilitation",
    "EU law",
    "Administrative law",
    "Contract management",
    "Social policy",
    "Education policy",
    "Regional development",
    "Transport planning",
    "Environmental policy",
    "Agricultural policy",
    "Migration policy",
    "Security and defence policy",
    "Public finance",
    "Economic modelling",
    "Innovation management",
    "Monitoring and evaluation",
)

MALE_FIRST_NAMES: tuple[str, ...] = (
    "Jānis", "Andris", "Mārtiņš", "Kārlis", "Pēteris", "Edgars", "Aivars", "Guntis", "Juris",
    "Artūrs", "Roberts", "Raivis", "Krišjānis", "Dāvis", "Ēriks", "Gints", "Uldis", "Valdis",
    "Oskars", "Rihards", "Toms", "Kristaps", "Māris", "Ivars", "Normunds", "Arvīds", "Edvīns",
    "Gatis", "Ģirts", "Ojārs",
)  # fmt: skip

FEMALE_FIRST_NAMES: tuple[str, ...] = (
    "Anna", "Ilze", "Inese", "Kristīne", "Līga", "Laura", "Sanita", "Dace", "Ieva", "Anita",
    "Baiba", "Evija", "Zane", "Agnese", "Elīna", "Marta", "Santa", "Sandra", "Ilona", "Inga",
    "Dzintra", "Rūta", "Gunta", "Aija", "Māra", "Liene", "Signe", "Vija", "Daiga", "Ērika",
)  # fmt: skip

# (masculine, feminine): -š/-s → -a, -is → -e, -ons → -one, -a/-e unchanged.
SURNAMES: tuple[tuple[str, str], ...] = (
    ("Bērziņš", "Bērziņa"), ("Kalniņš", "Kalniņa"), ("Ozols", "Ozola"), ("Liepa", "Liepa"),
    ("Jansons", "Jansone"), ("Ozoliņš", "Ozoliņa"), ("Krūmiņš", "Krūmiņa"), ("Zariņš", "Zariņa"),
    ("Pētersons", "Pētersone"), ("Vītols", "Vītola"), ("Kļaviņš", "Kļaviņa"),
    ("Eglītis", "Eglīte"), ("Kārkliņš", "Kārkliņa"), ("Balodis", "Balode"), ("Lācis", "Lāce"),
    ("Zvaigzne", "Zvaigzne"), ("Priede", "Priede"), ("Siliņš", "Siliņa"), ("Vilks", "Vilka"),
    ("Lapiņš", "Lapiņa"), ("Šmits", "Šmite"), ("Grīnbergs", "Grīnberga"), ("Kalējs", "Kalēja"),
    ("Sproģis", "Sproģe"), ("Rozītis", "Rozīte"), ("Auziņš", "Auziņa"),
    ("Strazdiņš", "Strazdiņa"), ("Ābols", "Ābola"), ("Krastiņš", "Krastiņa"),
    ("Zālītis", "Zālīte"), ("Ivanovs", "Ivanova"), ("Zeltiņš", "Zeltiņa"),
    ("Skujiņš", "Skujiņa"), ("Vanags", "Vanaga"), ("Freimanis", "Freimane"),
    ("Ločmelis", "Ločmele"), ("Dzenis", "Dzene"), ("Apinis", "Apine"), ("Bite", "Bite"),
    ("Millers", "Millere"),
)  # fmt: skip

# (masculine, feminine, weight): rank-and-file titles are the most common.
JOB_TITLES: tuple[tuple[str, str, int], ...] = (
    ("vecākais eksperts", "vecākā eksperte", 12),
    ("eksperts", "eksperte", 10),
    ("vecākais referents", "vecākā referente", 8),
    ("referents", "referente", 6),
    ("juriskonsults", "juriskonsulte", 6),
    ("vecākais juriskonsults", "vecākā juriskonsulte", 4),
    ("konsultants", "konsultante", 4),
    ("politikas analītiķis", "politikas analītiķe", 4),
    ("datu analītiķis", "datu analītiķe", 3),
    ("projektu vadītājs", "projektu vadītāja", 5),
    ("IT projektu vadītājs", "IT projektu vadītāja", 2),
    ("iepirkumu speciālists", "iepirkumu speciāliste", 2),
    ("personāla speciālists", "personāla speciāliste", 2),
    ("komunikācijas speciālists", "komunikācijas speciāliste", 2),
    ("galvenais grāmatvedis", "galvenā grāmatvede", 1),
    ("nodaļas vadītājs", "nodaļas vadītāja", 5),
    ("nodaļas vadītāja vietnieks", "nodaļas vadītāja vietniece", 2),
    ("departamenta direktors", "departamenta direktore", 2),
    ("padomnieks", "padomniece", 1),
    ("valsts sekretāra vietnieks", "valsts sekretāra vietniece", 1),
)
