"""The demo graph: real reference data plus a deterministic synthetic population.

`load_demo(graph, people=N, seed=S)` always produces the same data and ids for the same (N, S):
people come from `random.Random(seed)` in order (so person k is the same at every scale) and
teams from a second stream. Everything is upserted on natural keys or `stable_id`s, so loading
again is harmless: people keep their ids, and the seed owns the demo teams' memberships and
the issues' AFFECTS links (it replaces them on reload, never duplicates them).

Scale: `people` synthetic civil servants plus four fixed demo users (DEMO_USERS); seven real
horizontal issues with 1–3 teams each (a lead and 3–12 others); above 1,000 people also about
one extra issue per 20 people (at most MAX_ISSUES) and one team per 6 people (at most MAX_TEAMS)
in total, and about one regional unit per 160 people under the reference institutions (at
most MAX_UNITS, so ~400 institutions at 60,000 people; a share of each institution's people work
in its units). Every team has its creation and each member's joining in its activity history.
Below ~100 people teams get smaller, and teams nobody has time to lead are left out
(with people=0 only the demo users' team is made).
Rows are sent in UNWIND batches of BATCH_SIZE, one transaction per batch.
"""

from __future__ import annotations

import json
import random
import time
import unicodedata
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate, product
from typing import Any, LiteralString

from graph.driver import Graph, Tx, run
from graph.ids import stable_id
from graph.institutions import InstitutionKind
from graph.issues import IssueStatus, Stake
from graph.membership import keys
from graph.seed import reference as ref
from graph.skills import skill_key

BATCH_SIZE = 2_000
MAX_ISSUES = 3_000
MAX_TEAMS = 20_000
MAX_UNITS = 375  # with the 25 reference institutions, 400 at national scale
PEOPLE_PER_UNIT = 160
UNIT_SHARE = 0.5  # of an institution's people, the share that works in one of its units
SCALE_THRESHOLD = 1_000  # synthetic issues and teams only above this many people

Row = dict[str, Any]
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    title: str
    institution: str
    skills: tuple[tuple[str, int], ...]
    roles: tuple[str, ...] = ()  # granted roles (graph/access.py GrantedRole)


# Fixed, documented demo accounts (granted roles on admin@ and cog@; lead and member by team):
# the administrator, a centre-of-government staffer, the lead of the first digital-services team
# and a member of that team.
ADMIN = DemoUser(
    "admin@example.org", "Administrators Admins", "sistēmas administrators", "VK",
    (("IT architecture", 4), ("Cybersecurity", 3)), ("ADMIN",),
)  # fmt: skip
COG = DemoUser(
    "cog@example.org", "Dace Kalniņa", "valdības centra vecākā konsultante", "VK",
    (("Policy analysis", 5), ("Strategic planning", 4), ("Facilitation", 4)), ("COG_STAFF",),
)  # fmt: skip
LEAD = DemoUser(
    "lead@example.org", "Mārtiņš Ozoliņš", "nodaļas vadītājs", "VARAM",
    (("Project management", 5), ("Service design", 4), ("Data governance", 3)),
)  # fmt: skip
MEMBER = DemoUser(
    "member@example.org", "Laura Bērziņa", "vecākā eksperte", "FM",
    (("Public finance", 4), ("Budget planning", 4), ("Data analysis", 3)),
)  # fmt: skip
DEMO_USERS: dict[str, DemoUser] = {"admin": ADMIN, "cog": COG, "lead": LEAD, "member": MEMBER}
LEAD_TEAM_ISSUE = "digital-services"  # lead@ leads, and member@ joins, this issue's first team
_REGIONS = (("Rīgas", "Riga"), ("Vidzemes", "Vidzeme"), ("Kurzemes", "Kurzeme"), ("Zemgales", "Zemgale"),
            ("Latgales", "Latgale"))  # fmt: skip
_REFERENCE_KEYS = frozenset(i.key for i in ref.ISSUES)

NODE_LABELS: tuple[LiteralString, ...] = (
    "Institution", "Person", "Skill", "PlanDirection", "HorizontalIssue", "ProjectTeam", "Activity",
)  # fmt: skip
REL_TYPES: tuple[LiteralString, ...] = (
    "SUBORDINATE_TO", "WORKS_AT", "HAS_SKILL", "AFFECTS", "UNDER_DIRECTION", "DEPENDS_ON",
    "ADDRESSES", "MEMBER_OF", "BY", "IN_SCOPE",
)  # fmt: skip


@dataclass
class DemoSummary:
    """Totals in the graph after loading (so a reload reports the same), and the demo logins."""

    people: int
    seed: int
    nodes: dict[str, int] = field(default_factory=dict)
    relationships: dict[str, int] = field(default_factory=dict)
    demo_users: dict[str, str] = field(default_factory=dict)  # role -> email
    seconds: float = 0.0


def ascii_fold(text: str) -> str:
    """'Bērziņš' -> 'Berzins': Latvian diacritics decompose to a base letter plus a mark."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def email_domain(code: str) -> str:
    return f"{ascii_fold(code).lower()}.gov.lv"


# --- generation (pure, deterministic) ------------------------------------------------------


@dataclass
class DemoPlan:
    institutions: list[Row]
    parents: list[Row]
    directions: list[Row]
    skills: list[Row]
    people: list[Row]
    issues: list[Row]
    dependencies: list[Row]
    teams: list[Row]
    memberships: list[Row]  # one row per team: {teamId, members: [...]}
    activities: list[Row]


_KIND_WEIGHT = {
    InstitutionKind.MINISTRY: 6,
    InstitutionKind.CENTRE_OF_GOVERNMENT: 4,
    InstitutionKind.AGENCY: 3,
    InstitutionKind.OTHER: 1,
}
_LANGUAGE_ODDS = (("en", 0.8), ("ru", 0.35), ("de", 0.12), ("fr", 0.06))


def _people(rng: random.Random, count: int) -> list[Row]:
    codes = [i.code for i in ref.INSTITUTIONS]
    cum = list(accumulate(_KIND_WEIGHT[i.kind] for i in ref.INSTITUTIONS))
    title_cum = list(accumulate(w for _, _, w in ref.JOB_TITLES))
    rows = []
    for n in range(1, count + 1):
        # The first ones go round-robin so every institution has staff even at small scales.
        code = codes[n - 1] if n <= len(codes) else rng.choices(codes, cum_weights=cum)[0]
        female = rng.random() < 0.6
        first = rng.choice(ref.FEMALE_FIRST_NAMES if female else ref.MALE_FIRST_NAMES)
        surname = rng.choice(ref.SURNAMES)[1 if female else 0]
        masculine, feminine, _ = rng.choices(ref.JOB_TITLES, cum_weights=title_cum)[0]
        title = feminine if female else masculine
        languages = ["lv"]
        for lang, odds in _LANGUAGE_ODDS:
            if len(languages) < 3 and rng.random() < odds:
                languages.append(lang)
        skills = [(s, rng.randint(1, 5)) for s in rng.sample(ref.SKILLS, rng.randint(3, 8))]
        email = f"{ascii_fold(first).lower()}.{ascii_fold(surname).lower()}.{n}@{email_domain(code)}"
        rows.append(_person_row(email, f"{first} {surname}", title, code, languages, skills))
    return rows


def _units(people: int) -> list[ref.InstitutionRef]:
    """Regional units of the reference institutions: the institutions a national-scale
    population works in beyond the ministries and their agencies."""
    count = min(people // PEOPLE_PER_UNIT, MAX_UNITS) if people > SCALE_THRESHOLD else 0
    parents = ref.INSTITUTIONS
    units = []
    for k in range(count):
        parent = parents[k % len(parents)]
        (region_lv, region_en), number = (
            _REGIONS[(k // len(parents)) % len(_REGIONS)],
            k // (len(parents) * len(_REGIONS)) + 1,
        )
        suffix_lv, suffix_en = (f" Nr. {number}", f" no. {number}") if number > 1 else ("", "")
        units.append(
            ref.InstitutionRef(
                code=f"{parent.code}-{k + 1}",
                name_lv=f"{parent.code} {region_lv} reģionālā nodaļa{suffix_lv}",
                name_en=f"{parent.code} {region_en} regional office{suffix_en}",
                kind=InstitutionKind.OTHER,
                parent_code=parent.code,
            )
        )
    return units


def _into_units(rng: random.Random, people: list[Row], units: list[ref.InstitutionRef]) -> None:
    """Move a share of each institution's people into its regional units. A separate random
    stream, so the population drawn before it stays the same at every scale."""
    by_parent: dict[str, list[str]] = defaultdict(list)
    for unit in units:
        by_parent[str(unit.parent_code)].append(unit.code)
    for person in people:
        choices = by_parent.get(person["institution"])
        if choices and rng.random() < UNIT_SHARE:
            person["institution"] = rng.choice(choices)


def _person_row(
    email: str,
    name: str,
    title: str,
    code: str,
    languages: list[str],
    skills: Sequence[tuple[str, int]],
    roles: Sequence[str] = (),
) -> Row:
    return {
        "roles": list(roles),
        "id": stable_id("Person", email),
        "email": email,
        "name": name,
        "title": title,
        "institution": code,
        "languages": languages,
        "skills": [{"key": skill_key(s), "level": level} for s, level in skills],
    }


_TOPICS = (
    "Ūdenssaimniecība", "Meža nozare", "Sabiedriskais transports", "Reģionu attīstība",
    "Valsts valodas lietojums", "Pieaugušo izglītība", "Pētniecības finansējums",
    "Veselības aprūpes pieejamība", "Sociālie pakalpojumi", "Mājokļu politika",
    "Nodokļu administrēšana", "Ēnu ekonomikas mazināšana", "Kiberdrošība", "Atvērtie dati",
    "Mākslīgais intelekts valsts pārvaldē", "Pielāgošanās klimata pārmaiņām",
    "Atkritumu apsaimniekošana", "Lauksaimniecības atbalsts", "Pārtikas drošība",
    "Robežu drošība", "Migrācijas pārvaldība", "Kultūras mantojums", "Sporta infrastruktūra",
    "Medijpratība", "Publiskie iepirkumi", "Valsts kapitālsabiedrības", "Tiesu pieejamība",
    "Noziedzības novēršana", "Ceļu satiksmes drošība", "Dzelzceļa infrastruktūra",
    "Ostu attīstība", "Energoefektivitāte", "Dzimstības veicināšana", "Senioru labklājība",
    "Invaliditātes politika", "Jaunatnes politika", "Nodarbinātības veicināšana",
    "Digitālās prasmes", "E-veselība", "Zinātnes komercializācija",
)  # fmt: skip
_ASPECTS = (
    "normatīvā regulējuma pārskatīšana", "datu apmaiņas uzlabošana", "finansējuma modeļa izstrāde",
    "pakalpojumu digitalizācija", "starpinstitūciju koordinācija", "ietekmes novērtējums",
    "administratīvā sloga mazināšana", "vienotu standartu izstrāde", "pašvaldību iesaiste",
    "ES fondu plānošana", "rīcības plāna izstrāde", "uzraudzības sistēmas izveide",
    "sabiedrības informēšana", "riska novērtējums", "personāla kapacitātes stiprināšana",
    "pilotprojekta īstenošana", "funkciju audits", "statistikas datu uzlabošana",
    "pārrobežu sadarbība", "krīzes gatavības plāns", "atbalsta programmas izvērtēšana",
    "kopīgas IT platformas izveide", "procesu optimizācija", "kvalitātes rādītāju noteikšana",
    "ilgtermiņa stratēģijas izstrāde",
)  # fmt: skip
_TEAM_KINDS = ("starpinstitūciju darba grupa", "projektu komanda", "ekspertu grupa")
_OUTCOMES = (
    "Informatīvais ziņojums iesniegts Ministru kabinetā; priekšlikumi iekļauti valdības rīcības plānā.",
    "Sagatavoti grozījumi normatīvajos aktos; nodoti Tieslietu ministrijai saskaņošanai.",
    "Izstrādāts vienots metodiskais materiāls; ieviešana nodota atbildīgajām iestādēm.",
    "Darba grupa slēgta pirms termiņa; jautājums iekļauts citas komandas mandātā.",
)


def _pick(rng: random.Random, weighted: Sequence[tuple[str, int]]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


def _issues(rng: random.Random, people: int) -> tuple[list[Row], list[Row]]:
    """The seven real issues, then the synthetic ones; dependencies only point backwards."""
    issues: list[Row] = [
        {
            "key": i.key,
            "id": stable_id("HorizontalIssue", i.key),
            "title": i.title,
            "description": i.description,
            "status": i.status.value,
            "priority": i.priority.value,
            "direction": i.direction,
            "affected": [{"code": a.code, "stake": a.stake.value} for a in i.affected],
        }
        for i in ref.ISSUES
    ]
    deps: list[Row] = [
        {"from": stable_id("HorizontalIssue", a), "to": stable_id("HorizontalIssue", b)}
        for a, b in ref.ISSUE_DEPENDENCIES
    ]
    extra = min(people // 20, MAX_ISSUES) - len(issues) if people > SCALE_THRESHOLD else 0
    combos = list(product(_TOPICS, _ASPECTS))
    rng.shuffle(combos)
    leads = [i.code for i in (*ref.MINISTRIES, ref.STATE_CHANCELLERY)]
    codes = [i.code for i in ref.INSTITUTIONS]
    for k in range(extra):
        topic, aspect = combos[k % len(combos)]
        phase = f" ({k // len(combos) + 1}. posms)" if k >= len(combos) else ""
        key = f"synthetic-{k + 1}"
        lead = rng.choice(leads)
        others = rng.sample([c for c in codes if c != lead], rng.randint(1, 4))
        issues.append(
            {
                "key": key,
                "id": stable_id("HorizontalIssue", key),
                "title": f"{topic}: {aspect}{phase}",
                "description": (
                    f"Starpnozaru jautājums „{topic}“ – {aspect}. Vairākām iestādēm jāvienojas par "
                    "risinājumu, atbildības sadalījumu, termiņiem un finansējumu."
                ),
                "status": _pick(rng, (("ACTIVE", 55), ("PROPOSED", 20), ("ON_HOLD", 10), ("RESOLVED", 15))),
                "priority": _pick(rng, (("LOW", 20), ("MEDIUM", 40), ("HIGH", 30), ("CRITICAL", 10))),
                "direction": rng.choices(range(1, 8), weights=(4, 2, 3, 2, 1, 2, 3))[0],
                "affected": [
                    {"code": lead, "stake": Stake.LEAD.value},
                    *({"code": c, "stake": _pick(rng, (("INVOLVED", 3), ("CONSULTED", 1)))} for c in others),
                ],
            }
        )
        if rng.random() < 0.15:
            target = issues[rng.randrange(len(issues) - 1)]
            deps.append({"from": issues[-1]["id"], "to": target["id"]})
    return issues, deps


_Pool = tuple[list[list[str]], list[int]]


class _Staffing:
    """Chooses team members: mostly from the issue's institutions, never over 100% by accident."""

    def __init__(
        self, rng: random.Random, people: list[Row], institutions: Sequence[ref.InstitutionRef]
    ) -> None:
        self.rng = rng
        self.everyone = [p["email"] for p in people]
        self.by_institution: dict[str, list[str]] = defaultdict(list)
        for p in people:
            self.by_institution[p["institution"]].append(p["email"])
        self.children: dict[str, list[str]] = defaultdict(list)
        for inst in institutions:
            if inst.parent_code:
                self.children[inst.parent_code].append(inst.code)
        self.load: dict[str, int] = defaultdict(int)

    def pool(self, codes: list[str]) -> _Pool:
        """People at these institutions and every institution under them."""
        found = list(codes)
        for code in found:  # grows as it goes: breadth-first down the hierarchy
            found += self.children[code]
        groups = [self.by_institution[c] for c in dict.fromkeys(found) if self.by_institution[c]]
        return groups, list(accumulate(len(g) for g in groups))

    def pick(self, pool: _Pool, taken: set[str], allocation: int) -> str | None:
        groups, cum = pool
        for _ in range(40 if self.everyone else 0):
            if groups and self.rng.random() < 0.8:
                # A size-weighted institution, then anyone in it: uniform over the pool
                # without materialising it (pools hold tens of thousands at scale).
                email = self.rng.choice(self.rng.choices(groups, cum_weights=cum)[0])
            else:
                email = self.rng.choice(self.everyone)
            if email not in taken and self.load[email] + allocation <= 100:
                return email
        return None


def _teams(
    rng: random.Random, people: list[Row], issues: list[Row], institutions: Sequence[ref.InstitutionRef]
) -> tuple[list[Row], list[Row], list[Row]]:
    """Teams, their memberships (grouped per team) and their activity."""
    staffing = _Staffing(rng, people, institutions)
    names = {p["email"]: p["name"] for p in people} | {u.email: u.name for u in DEMO_USERS.values()}
    per_issue: list[tuple[Row, int]] = [(issue, rng.randint(1, 3)) for issue in issues[: len(ref.ISSUES)]]
    if len(people) > SCALE_THRESHOLD:
        extras = issues[len(ref.ISSUES) :]
        wanted = min(len(people) // 6, MAX_TEAMS) - sum(n for _, n in per_issue)
        counts = [0] * len(extras)
        for t in range(max(wanted, 0)):
            counts[t % len(extras) if t < len(extras) else rng.randrange(len(extras))] += 1
        per_issue += [(issue, n) for issue, n in zip(extras, counts, strict=True) if n]

    teams: list[Row] = []
    memberships: list[Row] = []
    addressed: list[Row] = []  # the issue of each team
    for issue, count in per_issue:
        lead_pool = staffing.pool([a["code"] for a in issue["affected"] if a["stake"] == "LEAD"])
        pool = staffing.pool([a["code"] for a in issue["affected"]])
        for j in range(count):
            team = _team_row(rng, issue, f"{issue['key']}:{j + 1}", j)
            start: date = team["props"]["startDate"]
            crew = _Crew(rng, staffing, start)
            if issue["key"] == LEAD_TEAM_ISSUE and j == 0:
                crew.add(LEAD.email, "LEAD", 40)
                crew.add(MEMBER.email, "MEMBER", 20)
            else:
                allocation = rng.choice((20, 25, 30))
                lead = staffing.pick(lead_pool, crew.taken, allocation) or staffing.pick(
                    ([], []), crew.taken, allocation
                )
                if lead is None:
                    continue  # a tiny population: no team without a lead
                crew.add(lead, "LEAD", allocation)
            for _ in range(rng.randint(3, 12)):
                role = _pick(rng, (("MEMBER", 70), ("EXPERT", 20), ("OBSERVER", 10)))
                allocation = rng.choice((5, 10)) if role == "OBSERVER" else rng.randrange(5, 51, 5)
                email = staffing.pick(pool, crew.taken, allocation)
                if email is not None:
                    crew.add(email, role, allocation)
            teams.append(team)
            memberships.append({"teamId": team["id"], "members": crew.members})
            addressed.append(issue)
    _overload(rng, staffing, teams, memberships)
    activities = [
        row
        for team, issue, crew in zip(teams, addressed, memberships, strict=True)
        for row in _team_activity(team, issue, crew["members"], names)
    ]
    return teams, memberships, activities


class _Crew:
    """One team's members as they are chosen."""

    def __init__(self, rng: random.Random, staffing: _Staffing, start: date) -> None:
        self.rng, self.staffing, self.start = rng, staffing, start
        self.members: list[Row] = []
        self.taken: set[str] = set()

    def add(self, email: str, role: str, allocation: int) -> None:
        since = self.start + timedelta(days=0 if role == "LEAD" else self.rng.randint(0, 45))
        self.members.append({"email": email, "role": role, "allocation": allocation, "since": since})
        self.taken.add(email)
        self.staffing.load[email] += allocation


def _team_row(rng: random.Random, issue: Row, key: str, j: int) -> Row:
    if issue["key"] in _REFERENCE_KEYS and j == 0:
        status = "ACTIVE"  # every reference issue has a working team (and overload has room)
    elif issue["status"] == IssueStatus.RESOLVED.value:
        status = "CLOSED"
    elif issue["status"] == IssueStatus.PROPOSED.value:
        status = "FORMING"
    else:
        status = _pick(rng, (("ACTIVE", 55), ("FORMING", 25), ("CLOSED", 20)))
    windows = {
        "CLOSED": (date(2023, 1, 9), date(2024, 10, 31)),
        "ACTIVE": (date(2023, 6, 1), date(2025, 12, 19)),
        "FORMING": (date(2025, 9, 1), date(2026, 6, 30)),
    }
    legal_date = _day(rng, *windows[status])
    start = legal_date + timedelta(days=rng.randint(0, 21))
    end = start + timedelta(days=rng.randint(120, 540) if status == "CLOSED" else rng.randint(180, 730))
    suffix = _TEAM_KINDS[j % len(_TEAM_KINDS)]
    if j >= len(_TEAM_KINDS):
        suffix += f" {j // len(_TEAM_KINDS) + 1}"
    name = f"{issue['title']} – {suffix}"
    return {
        "id": stable_id("ProjectTeam", key),
        "issueId": issue["id"],
        "props": {
            "name": name,
            "mandate": (
                f"Izstrādāt priekšlikumus jautājumā „{issue['title']}“ un līdz "
                f"{end:%d.%m.%Y} iesniegt informatīvo ziņojumu Ministru kabinetā."
            ),
            "legalBasisNumber": f"Nr. {rng.randint(12, 640)}",
            "legalBasisDate": legal_date,
            "status": status,
            "outcome": rng.choice(_OUTCOMES) if status == "CLOSED" else None,
            "startDate": start,
            "endDate": end,
            "visibility": _pick(rng, (("PUBLIC", 45), ("INTERNAL", 45), ("RESTRICTED", 10))),
        },
    }


def _overload(rng: random.Random, staffing: _Staffing, teams: list[Row], memberships: list[Row]) -> None:
    """Put a few people deliberately over 100% across ACTIVE teams, so 'overload' has data."""
    active = [i for i, t in enumerate(teams) if t["props"]["status"] == "ACTIVE"]
    active_load: dict[str, int] = defaultdict(int)
    for i in active:
        for m in memberships[i]["members"]:
            active_load[m["email"]] += m["allocation"]
    count = min(max(3, len(staffing.everyone) // 2_000), 50, len(staffing.everyone))
    for email in rng.sample(staffing.everyone, count):
        for i in rng.sample(active, len(active)):
            if active_load[email] > 100:
                break
            members = memberships[i]["members"]
            if any(m["email"] == email for m in members):
                continue
            allocation = rng.randrange(40, 51, 5)
            since = teams[i]["props"]["startDate"] + timedelta(days=rng.randint(0, 30))
            members.append({"email": email, "role": "MEMBER", "allocation": allocation, "since": since})
            active_load[email] += allocation
            staffing.load[email] += allocation


def _team_activity(team: Row, issue: Row, members: list[Row], names: dict[str, str]) -> list[Row]:
    props = team["props"]
    created = datetime.combine(props["legalBasisDate"], datetime.min.time(), UTC) + timedelta(hours=9)
    lead = next(m for m in members if m["role"] == "LEAD")
    rows = [
        {
            "id": stable_id("Activity", f"{team['id']}:created"),
            "at": created,
            "verb": "team.created",
            "targetId": team["id"],
            "actorEmail": lead["email"],
            "summary": f"Team created: {props['name']}",
            "after": _json({k: props[k] for k in ("name", "status", "visibility")}),
            "scopeIds": [team["id"], issue["id"]],
        }
    ]
    for k, m in enumerate(m for m in members if m["role"] != "LEAD"):
        at = datetime.combine(m["since"], datetime.min.time(), UTC) + timedelta(hours=10, minutes=k)
        rows.append(
            {
                "id": stable_id("Activity", f"{team['id']}:joined:{m['email']}"),
                "at": max(at, created + timedelta(minutes=k + 1)),
                "verb": "member.joined",
                "targetId": team["id"],
                "actorEmail": m["email"],
                "summary": f"{names[m['email']]} joined {props['name']} as {m['role']}",
                "after": _json({"role": m["role"], "allocation": m["allocation"]}),
                "scopeIds": [team["id"], issue["id"]],
            }
        )
    return rows


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, default=str, ensure_ascii=False, sort_keys=True)


def plan(people: int, seed: int) -> DemoPlan:
    """Everything `load_demo` writes, as parameter rows (no database needed)."""
    if people < 0:
        raise ValueError("people must not be negative")
    # Reproducible demo data, not security: the stdlib generator is the right tool here.
    population = _people(random.Random(seed), people)  # noqa: S311
    units = _units(people)
    _into_units(random.Random(f"{seed}:units"), population, units)  # noqa: S311
    institutions = [*ref.INSTITUTIONS, *units]
    rng = random.Random(f"{seed}:teams")  # noqa: S311
    issues, dependencies = _issues(rng, people)
    fixed = [
        _person_row(u.email, u.name, u.title, u.institution, ["lv", "en"], u.skills, u.roles)
        for u in DEMO_USERS.values()
    ]
    teams, memberships, activities = _teams(rng, population, issues, institutions)
    activities.sort(key=lambda a: (a["at"], a["id"]))  # seq order follows time order
    return DemoPlan(
        institutions=[
            {
                "id": stable_id("Institution", i.code),
                "code": i.code,
                "nameLv": i.name_lv,
                "nameEn": i.name_en,
                "kind": i.kind.value,
            }
            for i in institutions
        ],
        parents=[{"code": i.code, "parent": i.parent_code} for i in institutions if i.parent_code],
        directions=[
            {
                "id": stable_id("PlanDirection", str(d.number)),
                "number": d.number,
                "titleLv": d.title_lv,
                "titleEn": d.title_en,
                "descriptionLv": d.description_lv,
            }
            for d in ref.DIRECTIONS
        ],
        skills=[{"id": stable_id("Skill", skill_key(s)), "key": skill_key(s), "name": s} for s in ref.SKILLS],
        people=fixed + population,
        issues=issues,
        dependencies=dependencies,
        teams=teams,
        memberships=memberships,
        activities=activities,
    )


# --- writing -------------------------------------------------------------------------------

_INSTITUTIONS: LiteralString = """
UNWIND $rows AS r
MERGE (n:Institution {code: r.code})
  ON CREATE SET n:Entity, n.id = r.id, n.createdAt = datetime()
SET n.nameLv = r.nameLv, n.nameEn = r.nameEn, n.kind = r.kind, n.updatedAt = datetime()
"""

# The guard keeps a hierarchy edited by hand from being closed into a cycle by a reseed.
_PARENTS: LiteralString = """
UNWIND $rows AS r
MATCH (n:Institution {code: r.code}), (p:Institution {code: r.parent})
WHERE NOT EXISTS { (p)-[:SUBORDINATE_TO*]->(n) }
CALL (n, p) {
  OPTIONAL MATCH (n)-[old:SUBORDINATE_TO]->(other) WHERE other <> p
  DELETE old
}
MERGE (n)-[:SUBORDINATE_TO]->(p)
"""

_DIRECTIONS: LiteralString = """
UNWIND $rows AS r
MERGE (n:PlanDirection {number: r.number})
  ON CREATE SET n:Entity, n.id = r.id, n.createdAt = datetime()
SET n.titleLv = r.titleLv, n.titleEn = r.titleEn, n.descriptionLv = r.descriptionLv,
    n.updatedAt = datetime()
"""

_SKILLS: LiteralString = """
UNWIND $rows AS r
MERGE (n:Skill {key: r.key})
  ON CREATE SET n:Entity, n.id = r.id, n.name = r.name, n.createdAt = datetime(),
                n.updatedAt = datetime()
"""

# People are matched by email; an existing WORKS_AT elsewhere is replaced (exactly one). The
# skills are a plain UNWIND, not a subquery, which loaded a fresh database faster.
_PEOPLE: LiteralString = """
UNWIND $rows AS r
MATCH (i:Institution {code: r.institution})
MERGE (p:Person {email: r.email})
  ON CREATE SET p:Entity, p.id = r.id, p.createdAt = datetime()
SET p.name = r.name, p.title = r.title, p.languages = r.languages, p.updatedAt = datetime(),
    p.roles = CASE WHEN size(r.roles) > 0 THEN r.roles ELSE coalesce(p.roles, []) END
WITH p, i, r
CALL (p, i) {
  OPTIONAL MATCH (p)-[w:WORKS_AT]->(other) WHERE other <> i
  DELETE w
}
MERGE (p)-[:WORKS_AT]->(i)
WITH p, r
UNWIND r.skills AS sk
MATCH (s:Skill {key: sk.key})
MERGE (p)-[h:HAS_SKILL]->(s)
SET h.level = sk.level
"""

# The seed owns the demo issues' impact links: they are replaced, not merged.
_ISSUES: LiteralString = """
UNWIND $rows AS r
MERGE (n:HorizontalIssue {id: r.id})
  ON CREATE SET n:Entity, n.createdAt = datetime()
SET n.title = r.title, n.description = r.description, n.status = r.status,
    n.priority = r.priority, n.updatedAt = datetime()
WITH n, r
CALL (n) {
  OPTIONAL MATCH (n)-[old:UNDER_DIRECTION|AFFECTS]->()
  DELETE old
}
WITH n, r
MATCH (d:PlanDirection {number: r.direction})
CREATE (n)-[:UNDER_DIRECTION]->(d)
WITH n, r
CALL (n, r) {
  UNWIND r.affected AS a
  MATCH (i:Institution {code: a.code})
  CREATE (n)-[:AFFECTS {stake: a.stake}]->(i)
}
"""

_DEPENDENCIES: LiteralString = """
UNWIND $rows AS r
MATCH (a:HorizontalIssue {id: r.from}), (b:HorizontalIssue {id: r.to})
WHERE NOT EXISTS { (b)-[:DEPENDS_ON*]->(a) }
MERGE (a)-[:DEPENDS_ON]->(b)
"""

_TEAMS: LiteralString = """
UNWIND $rows AS r
MATCH (i:HorizontalIssue {id: r.issueId})
MERGE (t:ProjectTeam {id: r.id})
  ON CREATE SET t:Entity, t.createdAt = datetime()
SET t += r.props, t.updatedAt = datetime()
WITH t, i
CALL (t, i) {
  OPTIONAL MATCH (t)-[old:ADDRESSES]->(other) WHERE other <> i
  DELETE old
}
MERGE (t)-[:ADDRESSES]->(i)
"""

# Replacing a team's memberships makes a reload (even at another scale) leave one LEAD.
_MEMBERSHIPS: LiteralString = (
    """
UNWIND $rows AS r
MATCH (t:ProjectTeam {id: r.teamId})
CALL (t) {
  OPTIONAL MATCH (t)<-[old:MEMBER_OF]-()
  DELETE old
}
WITH t, r
UNWIND r.members AS m
MATCH (p:Person {email: m.email})
CREATE (p)-[:MEMBER_OF {role: m.role, allocation: m.allocation, since: m.since, """
    + keys("p", "t", "m.role")
    + """}]->(t)
"""
)

# Activities already there (a reload) are skipped; the new ones reserve a block of sequence
# numbers with one counter update, which also serialises them with concurrent writers.
_ACTIVITIES: LiteralString = """
UNWIND $rows AS r
OPTIONAL MATCH (existing:Activity {id: r.id})
WITH r, existing WHERE existing IS NULL
WITH collect(r) AS fresh
MERGE (c:Counter {name: 'activity'})
  ON CREATE SET c.value = 0
// The epoch names this history, as graph/activity.py `record` sets it (the live feed's cursors).
SET c.value = c.value + size(fresh), c.epoch = coalesce(c.epoch, randomUUID())
WITH fresh, c.value - size(fresh) AS base
UNWIND range(0, size(fresh) - 1) AS k
WITH fresh[k] AS r, base + k + 1 AS seq
OPTIONAL MATCH (actor:Person {email: r.actorEmail})
CREATE (a:Activity:Entity {id: r.id, seq: seq, at: r.at, verb: r.verb, targetId: r.targetId,
                           actorId: actor.id, summary: r.summary, after: r.after})
WITH a, r, actor
FOREACH (_ IN CASE WHEN actor IS NULL THEN [] ELSE [1] END |
  CREATE (a)-[:BY]->(actor)
  CREATE (a)-[:IN_SCOPE]->(actor))
WITH a, r
CALL (a, r) {
  UNWIND r.scopeIds AS scopeId
  MATCH (s:Entity {id: scopeId})
  CREATE (a)-[:IN_SCOPE]->(s)
}
"""


def _chunks(rows: list[Row], size: int) -> Iterator[list[Row]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _membership_chunks(rows: list[Row], size: int) -> Iterator[list[Row]]:
    """Whole teams per batch, about `size` memberships each."""
    batch: list[Row] = []
    members = 0
    for row in rows:
        batch.append(row)
        members += len(row["members"])
        if members >= size:
            yield batch
            batch, members = [], 0
    if batch:
        yield batch


async def load_demo(
    graph: Graph,
    *,
    people: int = 3000,
    seed: int = 1,
    progress: Progress | None = None,
) -> DemoSummary:
    """Load the reference data and a synthetic population of `people` (plus the demo users).

    `progress(done, total)` is called after each batch, counting rows (institutions, people,
    teams, memberships ...) written so far against all rows to write.
    """
    started = time.perf_counter()
    p = plan(people, seed)
    steps: list[tuple[LiteralString, list[list[Row]]]] = [
        (_INSTITUTIONS, [p.institutions]),
        (_PARENTS, [p.parents]),
        (_DIRECTIONS, [p.directions]),
        (_SKILLS, [p.skills]),
        (_PEOPLE, list(_chunks(p.people, BATCH_SIZE))),
        (_ISSUES, list(_chunks(p.issues, BATCH_SIZE))),
        (_DEPENDENCIES, list(_chunks(p.dependencies, BATCH_SIZE))),
        (_TEAMS, list(_chunks(p.teams, BATCH_SIZE))),
        (_MEMBERSHIPS, list(_membership_chunks(p.memberships, BATCH_SIZE))),
        (_ACTIVITIES, list(_chunks(p.activities, BATCH_SIZE))),
    ]
    total = sum(_size(b) for _, batches in steps for b in batches)
    done = 0
    for cypher, batches in steps:
        for batch in batches:
            await graph.write(_writer(cypher, batch))
            done += _size(batch)
            if progress is not None:
                progress(done, total)
    nodes, rels = await counts(graph)
    return DemoSummary(
        people=people,
        seed=seed,
        nodes=nodes,
        relationships=rels,
        demo_users={role: u.email for role, u in DEMO_USERS.items()},
        seconds=round(time.perf_counter() - started, 2),
    )


def _size(batch: list[Row]) -> int:
    return sum(len(r["members"]) if "members" in r else 1 for r in batch)


def _writer(cypher: LiteralString, rows: list[Row]) -> Callable[[Tx], Awaitable[None]]:
    async def work(tx: Tx) -> None:
        await run(tx, cypher, rows=rows)

    return work


async def counts(graph: Graph) -> tuple[dict[str, int], dict[str, int]]:
    """Nodes per label and relationships per type in the whole graph (from the count store)."""
    rows = await graph.read(
        """
        RETURN {
          Institution: COUNT { (:Institution) }, Person: COUNT { (:Person) },
          Skill: COUNT { (:Skill) }, PlanDirection: COUNT { (:PlanDirection) },
          HorizontalIssue: COUNT { (:HorizontalIssue) }, ProjectTeam: COUNT { (:ProjectTeam) },
          Activity: COUNT { (:Activity) }
        } AS nodes, {
          SUBORDINATE_TO: COUNT { ()-[:SUBORDINATE_TO]->() }, WORKS_AT: COUNT { ()-[:WORKS_AT]->() },
          HAS_SKILL: COUNT { ()-[:HAS_SKILL]->() }, AFFECTS: COUNT { ()-[:AFFECTS]->() },
          UNDER_DIRECTION: COUNT { ()-[:UNDER_DIRECTION]->() },
          DEPENDS_ON: COUNT { ()-[:DEPENDS_ON]->() }, ADDRESSES: COUNT { ()-[:ADDRESSES]->() },
          MEMBER_OF: COUNT { ()-[:MEMBER_OF]->() }, BY: COUNT { ()-[:BY]->() },
          IN_SCOPE: COUNT { ()-[:IN_SCOPE]->() }
        } AS rels
        """
    )
    nodes: dict[str, int] = rows[0]["nodes"]
    rels: dict[str, int] = rows[0]["rels"]
    return {k: nodes[k] for k in NODE_LABELS}, {k: rels[k] for k in REL_TYPES}


async def is_empty(graph: Graph) -> bool:
    """True when no institution exists yet, i.e. the demo (or a real import) has not been loaded."""
    rows = await graph.read("RETURN NOT EXISTS { MATCH (:Institution) } AS empty")
    return bool(rows[0]["empty"])
