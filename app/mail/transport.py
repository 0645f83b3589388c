"""Where a built email goes: an SMTP server, over one connection per claimed batch, or ``.eml``
files (the development default).

One connection per batch because the handshake (TCP, EHLO, STARTTLS, AUTH) costs more than
sending a short message, and relays throttle clients that reconnect for every mail. Servers drop
idle or long-lived connections (a ``421`` reply, or a closed socket), so when a reused connection
fails that way the message is sent once more over a fresh one. The narrow window that remains (the
server took the message, then the connection broke before its reply) is SMTP's own: no client can
tell whether that message arrived."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol

from flask import current_app

from app.mail.models import OutboxMessage

#: Errors that mean "this message did not go now, try it later" (anything else is a bug).
DELIVERY_ERRORS = (TimeoutError, smtplib.SMTPException, OSError)


class Transport(Protocol):
    def send(self, email: EmailMessage, message: OutboxMessage) -> None: ...

    def close(self) -> None: ...


class FileTransport:
    """Writes each message to ``MAIL_FILE_DIR`` as ``<created>-<id>-<kind>.eml``."""

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)

    def send(self, email: EmailMessage, message: OutboxMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = message.created_at.strftime("%Y%m%dT%H%M%S")
        (self.folder / f"{stamp}-{message.id:06d}-{message.kind}.eml").write_bytes(bytes(email))

    def close(self) -> None:
        pass


class SmtpTransport:
    """One SMTP connection, opened on the first message and reused for the rest of the batch.

    When the connection cannot be opened, every later message of the batch fails with the same
    error without another attempt: a server that is down does not get a connection per message.
    """

    def __init__(self, config: Any) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None
        self._connect_error: BaseException | None = None
        #: Connections opened so far (the first and any reconnection), for logs and tests.
        self.connections = 0

    def send(self, email: EmailMessage, message: OutboxMessage) -> None:
        reused = self._smtp is not None
        try:
            self._send_once(email)
        except DELIVERY_ERRORS as error:
            if not (reused and _dropped(error)):
                raise
            self._send_once(email)

    def _send_once(self, email: EmailMessage) -> None:
        smtp = self._connection()
        try:
            smtp.send_message(email)
        except DELIVERY_ERRORS as error:
            if not _answered(error):
                self.close()  # dropped, timed out or in an unknown state: the next one reconnects
            raise

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except DELIVERY_ERRORS:
            smtp.close()

    def _connection(self) -> smtplib.SMTP:
        if self._connect_error is not None:
            raise self._connect_error
        if self._smtp is None:
            try:
                self._smtp = self._open()
            except DELIVERY_ERRORS as error:
                self._connect_error = error
                raise
        return self._smtp

    def _open(self) -> smtplib.SMTP:
        config = self.config
        smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
        smtp = smtp_class(
            config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]
        )
        self.connections += 1
        try:
            if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        except BaseException:
            smtp.close()
            raise
        return smtp


def _dropped(error: BaseException) -> bool:
    """The server closed the connection (idle timeout, too many messages on one connection):
    a closed socket, or a ``421`` "service not available, closing channel" reply."""
    if isinstance(error, smtplib.SMTPServerDisconnected | ConnectionError):
        return True
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code == 421


def _answered(error: BaseException) -> bool:
    """The server refused this message with a reply and keeps the connection open."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return True
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code != 421


def open_transport() -> Transport:
    config = current_app.config
    if config["MAIL_BACKEND"] == "file":
        return FileTransport(config["MAIL_FILE_DIR"])
    return SmtpTransport(config)
