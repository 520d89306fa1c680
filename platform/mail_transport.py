"""How the worker hands a mail over: SMTP (one connection a round, TLS verified) or the log.

SMTP_SSL: TLS from the first byte (SMTPS, port 465); otherwise SMTP_STARTTLS upgrades a plain
connection (port 587) and refuses to go on without TLS. Either way the server's certificate and
name are checked, against the system's CAs or SMTP_CA_FILE (a private CA).
"""

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

log = logging.getLogger("motcua.worker")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    user: str = ""
    password: str = ""
    starttls: bool = True
    timeout: float = 20.0
    mail_from: str = "motcua@localhost"
    smtps: bool = False  # TLS from the first byte (SMTP_SSL); starttls does not apply then
    ca_file: str = ""  # the CAs to trust instead of the system's (PEM)

    @classmethod
    def from_config(cls, config) -> "SmtpSettings":
        return cls(
            host=(config.get("SMTP_HOST") or "").strip(),
            port=int(config.get("SMTP_PORT", 587)),
            user=config.get("SMTP_USER") or "",
            password=config.get("SMTP_PASSWORD") or "",
            starttls=bool(config.get("SMTP_STARTTLS", True)),
            timeout=float(config.get("SMTP_TIMEOUT", 20)),
            mail_from=config.get("MAIL_FROM") or "motcua@localhost",
            smtps=bool(config.get("SMTP_SSL", False)),
            ca_file=(config.get("SMTP_CA_FILE") or "").strip(),
        )

    def tls_context(self) -> ssl.SSLContext:
        """Certificate and host name verified, as ssl.create_default_context does."""
        return ssl.create_default_context(cafile=self.ca_file or None)


class SmtpSender:
    """One connection for a round, opened on the first mail. If it cannot be opened, the
    round's other mails fail with the same error at once (no waiting out the timeout again)."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self._connection: smtplib.SMTP | None = None
        self.broken: Exception | None = None  # why the server could not be reached

    def send(self, message: EmailMessage) -> None:
        if self.broken is not None:
            raise self.broken
        if self._connection is None:
            try:
                self._connection = self._connect()
            except Exception as exc:
                self.broken = exc
                raise
        try:
            self._connection.send_message(message)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused):
            raise  # the connection is still good (smtplib reset the transaction)
        except Exception:
            self.close()  # the next mail reconnects
            raise

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.smtps:
            connection = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout, context=s.tls_context()
            )
        else:
            connection = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            connection.ehlo()
            if s.starttls and not s.smtps:
                connection.starttls(context=s.tls_context())
                connection.ehlo()
            if s.user:
                connection.login(s.user, s.password)
        except Exception:
            connection.close()
            raise
        return connection

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.quit()
        except Exception:  # closing a dead connection: nothing left to do
            connection.close()


class ConsoleSender:
    """SMTP_HOST=console: the mail goes to the log (development and the demo)."""

    broken = None

    def send(self, message: EmailMessage) -> None:
        log.info("mail to %s: %s\n%s", message["To"], message["Subject"], message.get_content())

    def close(self) -> None:
        pass


def permanent(exc: Exception) -> bool:
    """The server refused this recipient or this message for good (5xx)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return bool(exc.recipients) and all(
            500 <= code < 600 for code, _ in exc.recipients.values()
        )
    return isinstance(exc, smtplib.SMTPDataError) and 500 <= exc.smtp_code < 600


def describe(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = exc.smtp_error
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        text = f"{exc.smtp_code} {detail}"
    else:
        text = str(exc) or repr(exc)
    return f"{type(exc).__name__}: {text}"[:2000]
