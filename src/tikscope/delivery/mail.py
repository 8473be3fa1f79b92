"""Sending reports over SMTP: the relay's settings (password encrypted) and one message per report.

The password is sealed with the same key file as TikTok tokens (tikscope.sources.tokens), so the
store never holds it in clear. `starttls` (port 587) and `tls` (port 465) check the relay's
certificate against the system's CAs, or against `ca_file` for a private relay; `none` is for a
relay on the same host only.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING

from tikscope.errors import TikscopeError, UsageError

if TYPE_CHECKING:
    from tikscope.sources.tokens import TokenCipher
    from tikscope.store.db import DuckDBPyConnection

SECURITY = ("starttls", "tls", "none")
TIMEOUT_SECONDS = 30.0


class MailError(TikscopeError):
    """The relay refused a message or could not be reached; the message says which and why."""


@dataclass(frozen=True)
class MailSettings:
    """An SMTP relay, with its password still sealed."""

    host: str
    port: int
    security: str
    sender: str
    username: str | None = None
    password_sealed: bytes | None = None
    ca_file: str | None = None

    def described(self) -> str:
        """The relay in words, never the password."""
        who = f" as {self.username}" if self.username else ""
        return f"{self.host}:{self.port} ({self.security}){who}, from {self.sender}"


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message."""

    name: str
    content: bytes
    media_type: str


def save_settings(connection: DuckDBPyConnection, settings: MailSettings, now: datetime) -> None:
    """Replace the relay settings."""
    if settings.security not in SECURITY:
        raise UsageError(f"--security: {settings.security!r} is not one of {', '.join(SECURITY)}")
    if not 0 < settings.port < 65536:
        raise UsageError(f"--port: {settings.port} is not a TCP port")
    connection.execute("DELETE FROM mail_settings")
    connection.execute(
        "INSERT INTO mail_settings VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)",
        [settings.host, settings.port, settings.security, settings.username,
         settings.password_sealed, settings.sender, settings.ca_file, now],
    )  # fmt: skip


def load_settings(connection: DuckDBPyConnection) -> MailSettings | None:
    """The relay settings, or None when none were saved."""
    rows = connection.execute(
        "SELECT host, port, security, sender, username, password_sealed, ca_file FROM mail_settings"
    ).fetchall()
    if not rows:
        return None
    host, port, security, sender, username, sealed, ca_file = rows[0]
    password = None if sealed is None else bytes(sealed)
    return MailSettings(host=host, port=int(port), security=security, sender=sender,
                        username=username, password_sealed=password, ca_file=ca_file)  # fmt: skip


def send(
    settings: MailSettings,
    cipher: TokenCipher | None,
    *,
    recipients: tuple[str, ...],
    subject: str,
    body: str,
    attachments: tuple[Attachment, ...] = (),
    message_id: str | None = None,
) -> str:
    """Send one message; returns its Message-ID.

    Raises:
        MailError: the relay could not be reached, refused TLS, the login or a recipient.
    """
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id or make_msgid(domain="tikscope.local")
    message.set_content(body)
    for item in attachments:
        main, sub = item.media_type.split("/", 1)
        message.add_attachment(item.content, maintype=main, subtype=sub, filename=item.name)
    where = f"SMTP relay {settings.host}:{settings.port}"
    try:
        with connect(settings) as client:
            if settings.username:
                if cipher is None or settings.password_sealed is None:
                    raise MailError(f"{where}: a username is set but no password is stored")
                client.login(settings.username, cipher.decrypt(settings.password_sealed))
            refused = client.send_message(message)
    except smtplib.SMTPAuthenticationError as error:
        raise MailError(
            f"{where} refused the login of {settings.username}: {reply(error)}"
        ) from None
    except smtplib.SMTPRecipientsRefused as error:
        raise MailError(f"{where} refused every recipient: {', '.join(error.recipients)}") from None
    except smtplib.SMTPException as error:
        raise MailError(f"{where}: {reply(error)}") from None
    except ssl.SSLError as error:
        raise MailError(
            f"{where}: TLS failed ({error.reason or error}); check --security and --ca-file"
        ) from None
    except (TimeoutError, OSError) as error:
        raise MailError(f"{where} cannot be reached: {error.strerror or error}") from None
    if refused:
        raise MailError(f"{where} refused {', '.join(sorted(refused))}")
    return str(message["Message-ID"])


def connect(settings: MailSettings) -> smtplib.SMTP:
    """An SMTP client, encrypted as the settings say (not yet logged in)."""
    context = (
        ssl.create_default_context(cafile=settings.ca_file)
        if settings.ca_file
        else ssl.create_default_context()
    )
    if settings.security == "tls":
        return smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=TIMEOUT_SECONDS, context=context
        )
    client = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS)
    try:
        if settings.security == "starttls":
            client.starttls(context=context)
    except BaseException:
        client.close()
        raise
    return client


def reply(error: smtplib.SMTPException) -> str:
    """The relay's reply in an SMTP error, as text."""
    code = getattr(error, "smtp_code", None)
    text = getattr(error, "smtp_error", None)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}" if code else str(error)


def check_ca_file(path: Path | None) -> str | None:
    """The CA file's absolute path, or a UsageError when it cannot be read."""
    if path is None:
        return None
    if not path.is_file():
        raise UsageError(f"--ca-file: {path} is not a file")
    return str(path.resolve())
