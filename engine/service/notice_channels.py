"""Where notices go and how: e-mail over SMTP (smtplib), a generic webhook (a JSON POST signed with HMAC-SHA256) and
a WhatsApp gateway shaped like Fonnte's API (a form POST with an Authorization token), configured from the
environment. Secrets (the SMTP password, the webhook's key, the gateway's token) come from environment variables
or from a file only the service account may read (`..._FILE`); they are never stored and never printed: an error
names what failed in words, with any secret taken out of it."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

from engine.common.errors import ValidationError
from engine.common.i18n import N_

FONNTE_URL = "https://api.fonnte.com/send"  # Fonnte's send endpoint (its public API documentation)
TIMEOUT_S = 20  # per connection: a stuck server fails the try, it does not hold the worker
SIGNATURE_HEADER = "X-Sop-Signature"  # sha256=<hex HMAC-SHA256 of the body with SOP_WEBHOOK_SECRET>


class SendError(Exception):
    """A notice that could not be sent this try: why, in words, without any secret."""


class SmtpSettings(NamedTuple):
    """The mail server: smtp:// (STARTTLS when the server offers it) or smtps:// (TLS from the start)."""

    host: str
    port: int
    tls: bool
    user: str
    password: str
    sender: str


class NoticeSettings(NamedTuple):
    """The channels the environment configures, and the links' base."""

    base_url: str
    smtp: SmtpSettings | None
    webhook_url: str
    webhook_secret: str
    whatsapp_url: str
    whatsapp_token: str

    @property
    def channels(self) -> tuple[str, ...]:
        """The configured channels, in the order they are listed."""
        return tuple(name for name, on in (("email", self.smtp is not None), ("whatsapp", bool(self.whatsapp_token)),
                                           ("webhook", bool(self.webhook_url))) if on)

    def secrets(self) -> tuple[str, ...]:
        """The secret values, to take out of any text shown."""
        return tuple(s for s in (self.smtp.password if self.smtp else "", self.webhook_secret, self.whatsapp_token)
                     if s)


def notice_settings(env: Mapping[str, str] | None = None) -> NoticeSettings:
    """The notice settings of the environment (SOP_BASE_URL, SOP_SMTP_*, SOP_WEBHOOK_*, SOP_WHATSAPP_*); a setting
    that cannot work is a ValidationError naming the variable."""
    env = os.environ if env is None else env
    base = env.get("SOP_BASE_URL", "").strip().rstrip("/")
    if base and urlsplit(base).scheme not in ("http", "https"):
        raise ValidationError("SOP_BASE_URL={value!r} is not a web address; give the address people open sop serve "
                              "at, e.g. https://sop.bangka.go.id", value=base)
    webhook = env.get("SOP_WEBHOOK_URL", "").strip()
    if webhook and urlsplit(webhook).scheme not in ("http", "https"):
        raise ValidationError("SOP_WEBHOOK_URL={value!r} is not an http:// or https:// address", value=webhook)
    token = _secret(env, "SOP_WHATSAPP_TOKEN")
    whatsapp = env.get("SOP_WHATSAPP_URL", "").strip() or (FONNTE_URL if token else "")
    if whatsapp and urlsplit(whatsapp).scheme not in ("http", "https"):
        raise ValidationError("SOP_WHATSAPP_URL={value!r} is not an http:// or https:// address", value=whatsapp)
    if whatsapp and not token:
        raise ValidationError("SOP_WHATSAPP_URL is set but no token: set SOP_WHATSAPP_TOKEN (or "
                              "SOP_WHATSAPP_TOKEN_FILE) to the gateway's device token")
    return NoticeSettings(base, _smtp(env), webhook, _secret(env, "SOP_WEBHOOK_SECRET"), whatsapp, token)


def _smtp(env: Mapping[str, str]) -> SmtpSettings | None:
    url = env.get("SOP_SMTP_URL", "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname or port == -1 or parts.password is not None:
        raise ValidationError("SOP_SMTP_URL must look like smtp://[user@]host:port or smtps://[user@]host:port "
                              "(the password goes in SOP_SMTP_PASSWORD, never in the URL)")
    user = unquote(parts.username or "")
    password = _secret(env, "SOP_SMTP_PASSWORD")
    if user and not password:
        raise ValidationError("SOP_SMTP_URL names user {user!r} but no password is set: set SOP_SMTP_PASSWORD (or "
                              "SOP_SMTP_PASSWORD_FILE)", user=user)
    sender = env.get("SOP_SMTP_FROM", "").strip() or (user if "@" in user else f"sop@{parts.hostname}")
    tls = parts.scheme == "smtps"
    return SmtpSettings(parts.hostname, port or (465 if tls else 25), tls, user, password, sender)


def _secret(env: Mapping[str, str], name: str) -> str:
    """A secret from NAME, or from the file NAME_FILE names, which only its owner may read."""
    value = env.get(name, "")
    path = env.get(f"{name}_FILE", "")
    if value or not path:
        return value.strip()
    try:
        mode = os.stat(path).st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ValidationError("{name}_FILE {path!r} may be read by others; make it readable by the service "
                                  "account only (chmod 600)", name=name, path=path)
        with open(path, encoding="utf-8") as handle:
            return handle.read().strip()
    except OSError as exc:
        raise ValidationError("{name}_FILE {path!r} cannot be read ({reason})", name=name, path=path,
                              reason=exc.strerror or type(exc).__name__) from None


def without_secrets(text: str, settings: NoticeSettings) -> str:
    """The text with every secret value replaced by ***."""
    for secret in settings.secrets():
        text = text.replace(secret, "***")
    return text


def send_email(settings: SmtpSettings, *, to: str, subject: str, text: str, html: str) -> None:
    """One message (plain text and HTML) to one address; SendError in words when the server does not take it."""
    import smtplib
    import ssl
    from email.message import EmailMessage
    from email.policy import default
    from email.utils import make_msgid

    # Python's folding of a long subject with a non-ASCII word leaves two spaces where there was one: a header is
    # folded only past the standard's 998 characters.
    message = EmailMessage(policy=default.clone(max_line_length=998))
    message["From"], message["To"], message["Subject"] = settings.sender, to, subject
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    context = ssl.create_default_context()
    try:
        if settings.tls:
            server: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=TIMEOUT_S, context=context)
        else:
            server = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_S)
        with server:
            server.ehlo()
            if not settings.tls and server.has_extn("starttls"):
                server.starttls(context=context)
                server.ehlo()
            if settings.user:
                server.login(settings.user, settings.password)
            server.send_message(message)
    except smtplib.SMTPResponseException as exc:
        raise SendError(N_("the mail server {host} refused it ({code} {reply})", host=settings.host,
                           code=exc.smtp_code, reply=_reply(exc.smtp_error))) from None
    except smtplib.SMTPRecipientsRefused as exc:
        code, reply = next(iter(exc.recipients.values()), (0, b""))
        raise SendError(N_("the mail server {host} refused it ({code} {reply})", host=settings.host, code=code,
                           reply=_reply(reply))) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise SendError(N_("the mail server {host}:{port} could not be reached ({reason})", host=settings.host,
                           port=settings.port, reason=_reason(exc))) from None


def post_webhook(url: str, secret: str, body: dict[str, Any], *, delivery: int) -> None:
    """POST the notice as JSON, signed with HMAC-SHA256 over the body when a key is set; SendError unless the
    endpoint answers 2xx. X-Sop-Delivery carries the notice's number: a receiver may drop a repeat."""
    import hashlib
    import hmac
    import json

    data = json.dumps(body, ensure_ascii=False, sort_keys=True).encode()
    headers = {"Content-Type": "application/json; charset=utf-8", "X-Sop-Delivery": str(delivery)}
    if secret:
        headers[SIGNATURE_HEADER] = "sha256=" + hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()
    _post(url, data, headers, N_("the webhook"))


def send_whatsapp(url: str, token: str, *, target: str, message: str) -> None:
    """Send through a WhatsApp gateway shaped like Fonnte's: form fields target and message, the device token in
    Authorization; SendError unless it answers 2xx without `"status": false`."""
    import json
    from urllib.parse import urlencode

    data = urlencode({"target": target, "message": message}).encode()
    answer = _post(url, data, {"Authorization": token, "Content-Type": "application/x-www-form-urlencoded"},
                   N_("the WhatsApp gateway"))
    try:
        reply = json.loads(answer)
    except ValueError:
        return
    if isinstance(reply, dict) and reply.get("status") is False:
        raise SendError(N_("the WhatsApp gateway refused it ({reason})", reason=str(reply.get("reason", ""))[:200]))


def _post(url: str, data: bytes, headers: dict[str, str], who: str) -> bytes:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, data=data, headers=headers, method="POST")  # noqa: S310 (http(s) only)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:  # noqa: S310 (http(s) only: checked)
            return bytes(answer.read(65536))
    except urllib.error.HTTPError as exc:
        raise SendError(N_("{who} answered HTTP {status}", who=who, status=exc.code)) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        raise SendError(N_("{who} could not be reached ({reason})", who=who, reason=_reason(reason))) from None


def _reply(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return " ".join(text.split())[:200]


def _reason(exc: object) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return " ".join(str(exc).split())[:200] or type(exc).__name__
