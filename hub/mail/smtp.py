"""Sending one message over SMTP (aiosmtplib), with the server's refusals sorted into the ones
worth trying again (the server or the network is away, busy, or refuses for now) and the ones that
will not change (the server refuses this message or this recipient for good: a 5xx reply)."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib

from hub.config import Settings, SmtpSecurity


class DeliveryFailed(Exception):
    """The message was not accepted. `permanent`: the server refused it for good."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.permanent = permanent


class Mailer:
    """Sends through the server the settings name (`Settings.smtp_endpoint`)."""

    def __init__(self, settings: Settings) -> None:
        endpoint = settings.smtp_endpoint
        if endpoint is None:
            raise ValueError("e-mail delivery is off (HUB_SMTP_HOST unset or HUB_EMAIL_NOTIFICATIONS=false)")
        self.host, self.port, self.security = endpoint
        self.user = settings.smtp_user
        self.password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        self.timeout_s = settings.smtp_timeout_s

    async def send(self, message: EmailMessage) -> None:
        """Return once the server has accepted `message` for every recipient; else DeliveryFailed."""
        try:
            await aiosmtplib.send(
                message,
                hostname=self.host,
                port=self.port,
                username=self.user,
                password=self.password,
                use_tls=self.security is SmtpSecurity.TLS,
                start_tls=self.security is SmtpSecurity.STARTTLS,
                timeout=self.timeout_s,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            raise DeliveryFailed(_describe(exc), permanent=all(c >= 500 for c in codes)) from exc
        except aiosmtplib.SMTPDataError as exc:
            raise DeliveryFailed(_describe(exc), permanent=exc.code >= 500) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            # Connection, TLS, sign-in, sender refused, timeouts: the server or its settings, not
            # this message; worth trying again.
            raise DeliveryFailed(_describe(exc), permanent=False) from exc


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]
