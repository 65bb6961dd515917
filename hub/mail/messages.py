"""The e-mail messages: written when sent, from the outbox item as the graph reads it now
(graph/outbox_jobs.py `views`), in the recipient's language, with a link into the hub.

The Latvian sentences keep every name in the nominative (as the subject of the sentence, or
after a colon) and use verb forms that do not mark gender ("uzaicināja", "pieminēja"), since the
hub does not know anyone's gender.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Final
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from graph.driver import Record
from graph.notification_settings import Language, language_of
from graph.outbox import Notice

RIGA: Final = ZoneInfo("Europe/Riga")

ROLES: Final[dict[Language, dict[str, str]]] = {
    Language.LV: {"LEAD": "vadītājs", "MEMBER": "dalībnieks", "EXPERT": "eksperts", "OBSERVER": "novērotājs"},
    Language.EN: {"LEAD": "lead", "MEMBER": "member", "EXPERT": "expert", "OBSERVER": "observer"},
}
_MONTHS_EN: Final = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


@dataclass(frozen=True)
class Notification:
    """One notice, written: its subject line, its paragraph and the page it links to."""

    subject: str
    text: str
    link: str


def day_text(day: date, language: Language) -> str:
    if language is Language.LV:
        return f"{day:%d.%m.%Y}."
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


def moment_text(moment: datetime, language: Language) -> str:
    local = moment.astimezone(RIGA)
    if language is Language.LV:
        return f"{day_text(local.date(), language)} plkst. {local:%H:%M}"
    return f"{day_text(local.date(), language)}, {local:%H:%M} (Riga time)"


def _excerpt(body: str, limit: int = 300) -> str:
    text = " ".join(body.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _days_left(day: date, today: date) -> int:
    return max(0, (day - today).days)


def notification(view: Record, language: Language, public_url: str, today: date) -> Notification:
    """The notice of one outbox item (not a digest) in `language`."""
    item, subject = view["item"], view["subject"] or {}
    team = (view["team"] or {}).get("name", "")
    actor = view["actorName"]
    link = f"{public_url}/teams/{item['teamId']}" if item.get("teamId") else f"{public_url}/"
    lv = language is Language.LV
    role = ROLES[language].get(subject.get("role", ""), "")
    notice = Notice(item["notice"])

    if notice is Notice.INVITATION:
        lines = (
            [
                f"Jums ir uzaicinājums pievienoties komandai “{team}”.",
                f"Loma: {role}. Noslodze: {subject['allocation']} %.",
            ]
            if lv
            else [
                f"You are invited to join the team “{team}”.",
                f"Role: {role}. Allocation: {subject['allocation']}%.",
            ]
        )
        if actor:
            lines.append(f"Uzaicināja: {actor}." if lv else f"Invited by: {actor}.")
        expires = moment_text(subject["expiresAt"], language)
        lines.append(f"Lūdzam atbildēt līdz {expires}." if lv else f"Please answer by {expires}.")
        return Notification(
            f"Uzaicinājums pievienoties komandai “{team}”" if lv else f"Invitation to join the team “{team}”",
            "\n".join(lines),
            link,
        )
    if notice is Notice.INVITATION_EXPIRING:
        expires = moment_text(subject["expiresAt"], language)
        return Notification(
            f"Uzaicinājums komandai “{team}” drīz beigsies"
            if lv
            else f"Your invitation to the team “{team}” expires soon",
            f"Jūsu uzaicinājums pievienoties komandai “{team}” ir spēkā līdz {expires}. "
            "Pēc tam to vairs nevarēs pieņemt."
            if lv
            else f"Your invitation to join the team “{team}” is valid until {expires}. "
            "After that it can no longer be accepted.",
            link,
        )
    if notice is Notice.INVITATION_EXPIRED:
        invitee = subject.get("invitee") or ""
        expired = day_text(item["on"], language)
        return Notification(
            f"Uzaicinājums komandai “{team}” beidzās bez atbildes"
            if lv
            else f"An invitation to the team “{team}” expired unanswered",
            f"Uzaicinājums pievienoties komandai “{team}”, ko saņēma {invitee}, beidzās {expired} "
            "bez atbildes. Ja joprojām vēlaties šo cilvēku komandā, nosūtiet jaunu uzaicinājumu."
            if lv
            else f"The invitation to join the team “{team}” sent to {invitee} expired on {expired} "
            "without an answer. To still have them on the team, send a new invitation.",
            link,
        )
    if notice is Notice.CONSENT_REQUEST:
        invitee = subject.get("invitee") or ""
        return Notification(
            f"Lūgums apstiprināt dalību komandā “{team}”" if lv else f"Approval asked: the team “{team}”",
            f"Uzaicinājumu pievienoties komandai “{team}” pieņēma {invitee} no jūsu iestādes "
            f"(loma: {role}, noslodze: {subject['allocation']} %). Dalība sāksies, kad to "
            "apstiprinās iestādes vadība. Lūdzam apstiprināt vai noraidīt."
            if lv
            else f"{invitee} of your institution accepted an invitation to join the team “{team}” "
            f"(role: {role}, allocation: {subject['allocation']}%). The membership starts once a "
            "manager of the institution approves it. Please approve or reject it.",
            link,
        )
    if notice is Notice.MENTION:
        quote = "> " + _excerpt(subject.get("body") or "")
        if lv:
            who = f"{actor} jūs pieminēja" if actor else "Jūs pieminēja"
            return Notification(
                f"{who} komandā “{team}”", f"{who} ierakstā komandā “{team}”:\n\n{quote}", link
            )
        who = actor or "Someone"
        return Notification(
            f"{who} mentioned you in the team “{team}”",
            f"{who} mentioned you in a post in the team “{team}”:\n\n{quote}",
            link,
        )
    if notice is Notice.TASK_ASSIGNED:
        title = subject.get("title", "")
        due = subject.get("dueDate")
        lines = (
            [f"Komandā “{team}” jums uzticēts uzdevums “{title}”."]
            if lv
            else [f"In the team “{team}” you have been given the task “{title}”."]
        )
        if due:
            lines.append(f"Termiņš: {day_text(due, language)}" if lv else f"Due: {day_text(due, language)}.")
        if actor:
            lines.append(f"Uzdevumu uzticēja: {actor}." if lv else f"Assigned by: {actor}.")
        return Notification(
            f"Jums uzticēts uzdevums: {title}" if lv else f"A task for you: {title}", "\n".join(lines), link
        )
    if notice is Notice.MANDATE_ENDING:
        ends, left = day_text(item["on"], language), _days_left(item["on"], today)
        return Notification(
            f"Komandas “{team}” pilnvaras beidzas {ends}"
            if lv
            else f"The mandate of “{team}” ends on {ends}",
            f"Komandas “{team}” pilnvaru termiņš beidzas {ends} (atlikušas dienas: {left}). "
            "Ierakstiet komandas rezultātus vai lūdziet pilnvaras pagarināt."
            if lv
            else f"The mandate of the team “{team}” ends on {ends} ({left} days left). "
            "Record the team's results, or ask for the mandate to be extended.",
            link,
        )
    if notice is Notice.REPORTING_DEADLINE:
        due, left = day_text(item["on"], language), _days_left(item["on"], today)
        return Notification(
            f"Komandas “{team}” atskaites termiņš: {due}" if lv else f"Report due for “{team}”: {due}",
            f"Tuvojas komandas “{team}” atskaites termiņš: {due} (atlikušas dienas: {left})."
            if lv
            else f"The team “{team}” has a report due on {due} ({left} days left).",
            link,
        )
    raise ValueError(f"no single message for {notice}")


def stands(view: Record) -> bool:
    """Whether the item's event still stands, so its message is still worth sending: the
    invitation still open, the task still theirs, the mandate or deadline unchanged."""
    item, subject, team = view["item"], view["subject"] or {}, view["team"] or {}
    person = view["recipient"]
    if person is None or person.get("erasedAt") or person.get("archivedAt") or not person.get("email"):
        return False
    notice = Notice(item["notice"])
    if notice in (Notice.INVITATION, Notice.INVITATION_EXPIRING):
        return subject.get("status") == "PENDING"
    if notice is Notice.INVITATION_EXPIRED:
        return subject.get("status") == "EXPIRED"
    if notice is Notice.CONSENT_REQUEST:
        return subject.get("status") == "AWAITING_APPROVAL"
    if notice is Notice.MENTION:
        return "body" in subject and bool(view["seesTeam"])
    if notice is Notice.TASK_ASSIGNED:
        return subject.get("assigneeId") == person["id"] and subject.get("status") not in (
            "DONE",
            "CANCELLED",
        )
    open_team = bool(team) and team.get("status") != "CLOSED" and not team.get("archivedAt")
    if notice is Notice.MANDATE_ENDING:
        return open_team and team.get("endDate") == item["on"]
    if notice is Notice.REPORTING_DEADLINE:
        return open_team and item["on"] in (team.get("reportingDeadlines") or [])
    return True


def _footer(language: Language, public_url: str) -> str:
    if language is Language.LV:
        return (
            f"—\nŠis ir automātisks paziņojums no Sadarbes ({public_url}). "
            "Kādus paziņojumus un cik bieži saņemt, varat izvēlēties savos paziņojumu iestatījumos."
        )
    return (
        f"—\nThis is an automatic notification from Sadarbe ({public_url}). "
        "You can choose which notifications you get, and how often, in your notification settings."
    )


def _greeting(language: Language) -> str:
    return "Labdien!" if language is Language.LV else "Hello,"


def message(
    item_id: str,
    recipient: Record,
    subject: str,
    body: str,
    *,
    sender: str,
    public_url: str,
) -> EmailMessage:
    """The e-mail: its Message-ID derived from the outbox item, so a second sending of the same
    item is recognised by mail systems as the same message."""
    language = language_of(recipient)
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = Address(display_name=recipient.get("name") or "", addr_spec=recipient["email"])
    msg["Message-ID"] = message_id(item_id, public_url)
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to it
    msg.set_content(f"{_greeting(language)}\n\n{body}\n\n{_footer(language, public_url)}\n")
    msg["Content-Language"] = language.value  # after set_content, which replaces Content-* headers
    return msg


def message_id(item_id: str, public_url: str) -> str:
    domain = urlsplit(public_url).hostname or "sadarbe.invalid"
    return f"<{item_id}@{domain}>"


def single(view: Record, *, sender: str, public_url: str, today: date) -> EmailMessage:
    """The message of one item."""
    recipient = view["recipient"]
    written = notification(view, language_of(recipient), public_url, today)
    body = f"{written.text}\n\n{_open(language_of(recipient))}: {written.link}"
    return message(view["item"]["id"], recipient, written.subject, body, sender=sender, public_url=public_url)


def _open(language: Language) -> str:
    return "Atvērt Sadarbē" if language is Language.LV else "Open in Sadarbe"


def digest(view: Record, items: list[Record], *, sender: str, public_url: str, today: date) -> EmailMessage:
    """The daily digest: one person's gathered items, each with its link."""
    recipient = view["recipient"]
    language = language_of(recipient)
    day = day_text(view["item"]["on"], language)
    parts = []
    for item_view in items:
        written = notification(item_view, language, public_url, today)
        parts.append(f"• {written.subject}\n{_indent(written.text)}\n  {written.link}")
    intro = (
        f"Jaunumi, kas jums ir Sadarbē (paziņojumi: {len(items)}):"
        if language is Language.LV
        else f"What is new for you in Sadarbe ({len(items)} notifications):"
    )
    subject = (
        f"Sadarbe: dienas kopsavilkums, {day}" if language is Language.LV else f"Sadarbe: daily digest, {day}"
    )
    body = intro + "\n\n" + "\n\n".join(parts) + f"\n\n{_open(language)}: {public_url}/"
    return message(view["item"]["id"], recipient, subject, body, sender=sender, public_url=public_url)


def _indent(text: str) -> str:
    return "\n".join("  " + line if line else "" for line in text.splitlines())
