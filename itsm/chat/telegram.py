"""The desk's Telegram bot: updates in (webhook or long polling), answers out (an outbox).

Settings: ``itsm.telegram.token``, ``itsm.telegram.mode`` (``webhook``, ``polling`` or ``off``),
``itsm.telegram.webhook_secret`` (the path secret and the value of Telegram's
``X-Telegram-Bot-Api-Secret-Token`` header), ``itsm.telegram.api_url`` (the Bot API base,
https://api.telegram.org) and ``itsm.telegram.poll_timeout`` (seconds of a ``getUpdates`` long
poll).

Nothing here calls the network inside a web transaction: answers are queued in the
:class:`TelegramOutbox` in the transaction that made them and sent by the worker's
``telegram_outbox`` job with the mail outbox's backoff; an update that carries a photo or a
file is kept in the outbox's inbox and handled by the worker, which downloads the file
(``getFile``) before it opens a transaction.

Linking: an employee asks for a one-time code on their profile and sends it to the bot
(``/start CODE`` or the code alone); from then on their Telegram user id maps to their login.
Unknown Telegram users are told to link their account and nothing else.
"""

from __future__ import annotations

import hmac
import io
import json
import logging
import re
import secrets
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from BTrees.Length import Length
from BTrees.OOBTree import OOBTree
from persistent import Persistent
from pyramid.security import NO_PERMISSION_REQUIRED
from pyramid.view import view_config

from itsm.chat.models import queue_message
from itsm.i18n import _, localizer_for
from itsm.notify.outbox import BACKOFF, MAX_ATTEMPTS
from itsm.settings import ConfigError, _choice, _number, _str
from itsm.ui.errors import PublicNotFound

log = logging.getLogger(__name__)

MODES = ("off", "webhook", "polling")
#: A link code is good for this long.
CODE_MINUTES = 15
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_RE = re.compile(r"^(?:/start\s+)?([A-Z2-9]{8})$", re.IGNORECASE)
SEND_TIMEOUT = 10


@dataclass(frozen=True)
class TelegramSettings:
    token: str = ""
    mode: str = "off"
    webhook_secret: str = ""
    api_url: str = "https://api.telegram.org"
    poll_timeout: int = 25

    @property
    def enabled(self) -> bool:
        return self.mode != "off" and bool(self.token)

    def method_url(self, method: str) -> str:
        return f"{self.api_url}/bot{self.token}/{method}"

    def file_url(self, path: str) -> str:
        return f"{self.api_url}/file/bot{self.token}/{path}"


def parse_telegram_settings(raw: Any) -> TelegramSettings:
    settings = TelegramSettings(
        token=_str(raw, "itsm.telegram.token"),
        mode=_choice(raw, "itsm.telegram.mode", MODES, "off"),
        webhook_secret=_str(raw, "itsm.telegram.webhook_secret"),
        api_url=_str(raw, "itsm.telegram.api_url", TelegramSettings.api_url).rstrip("/")
        or TelegramSettings.api_url,
        poll_timeout=_number(raw, "itsm.telegram.poll_timeout", TelegramSettings.poll_timeout),
    )
    if not settings.api_url.startswith(("http://", "https://")):
        raise ConfigError("itsm.telegram.api_url: expected an http:// or https:// URL")
    if settings.mode != "off" and not settings.token:
        raise ConfigError("itsm.telegram.token: needed when itsm.telegram.mode is not off")
    if settings.mode == "webhook" and len(settings.webhook_secret) < 16:
        raise ConfigError("itsm.telegram.webhook_secret: at least 16 characters in webhook mode")
    return settings


def telegram_settings(registry: Any) -> TelegramSettings:
    return getattr(registry, "itsm_telegram", None) or TelegramSettings()


# -- the outbox -------------------------------------------------------------------------------


class TelegramMessage(Persistent):
    """One ``sendMessage`` waiting to go (or given up on), retried like a mail."""

    attempts = 0
    failed = False
    last_error = ""

    def __init__(self, key: str, chat_id: int, text: str, now: datetime) -> None:
        self.key = key
        self.chat_id = chat_id
        self.text = text
        self.created = self.next_try = now

    def schedule_retry(self, error: str, now: datetime) -> None:
        self.attempts += 1
        self.failed = self.attempts >= MAX_ATTEMPTS
        self.last_error = error[:500]
        delay = BACKOFF[min(self.attempts - 1, len(BACKOFF) - 1)]
        self.next_try = now + timedelta(seconds=delay)


class TelegramOutbox(Persistent):
    """``root.telegram_outbox``: messages to send (random keys), updates still to handle
    (with files), the ``getUpdates`` offset, and how many were sent."""

    offset = 0

    def __init__(self) -> None:
        self.pending = OOBTree()
        self.inbox = OOBTree()
        self.sent_count = Length()

    def add(self, chat_id: int, text: str, now: datetime) -> TelegramMessage:
        key = f"{now.timestamp():017.6f}-{secrets.token_hex(4)}"
        message = TelegramMessage(key, chat_id, text, now)
        self.pending[key] = message
        return message

    def due(self, now: datetime) -> list[str]:
        return [k for k, m in self.pending.items() if not m.failed and m.next_try <= now]


class TelegramRelay:
    """Ticket notifications to Telegram instead of mail (registered on
    ``registry.itsm_notification_relays``): for a person who asked for it on their profile,
    has a linked account, while the desk's bot is on."""

    def accepts(self, root: Any, registry: Any, person: Any) -> bool:
        if not (getattr(person, "notify_telegram", False) and getattr(person, "telegram_id", None)):
            return False
        settings = getattr(registry, "itsm_telegram", None)
        outbox = getattr(root, "telegram_outbox", None)
        return bool(settings is not None and settings.enabled and outbox is not None)

    def send(self, root: Any, person: Any, subject: str, text: str, now: datetime) -> None:
        queue_message(root, person.telegram_id, f"{subject}\n\n{text}", now)


# -- the Bot API ----------------------------------------------------------------------------


class BotApiError(Exception):
    pass


def call(settings: TelegramSettings, method: str, params: dict[str, Any], timeout: float) -> Any:
    """One Bot API call (JSON in, the ``result`` out)."""
    body = json.dumps(params).encode()
    request = urllib.request.Request(  # noqa: S310 - api_url is an http(s) setting
        settings.method_url(method), body, {"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            answer = json.loads(response.read())
    except (OSError, ValueError) as exc:
        raise BotApiError(f"{method}: {type(exc).__name__}: {exc}") from exc
    if not answer.get("ok"):
        raise BotApiError(f"{method}: {answer.get('description', 'not ok')}")
    return answer.get("result")


def download(settings: TelegramSettings, file_id: str, max_bytes: int) -> bytes | None:
    """The file's bytes through ``getFile``; None when it is larger than ``max_bytes``."""
    found = call(settings, "getFile", {"file_id": file_id}, SEND_TIMEOUT)
    if (found.get("file_size") or 0) > max_bytes:
        return None
    url = settings.file_url(found["file_path"])
    try:
        with urllib.request.urlopen(url, timeout=SEND_TIMEOUT) as response:  # noqa: S310
            data = response.read(max_bytes + 1)
    except OSError as exc:
        raise BotApiError(f"file download: {exc}") from exc
    return None if len(data) > max_bytes else data


# -- handling updates -------------------------------------------------------------------------


def _files_of(message: dict[str, Any]) -> list[tuple[str, str, str]]:
    """``(file_id, file name, MIME type)`` of the photo (its largest size) or document."""
    files = []
    if message.get("photo"):
        best = max(message["photo"], key=lambda p: p.get("file_size") or p.get("width", 0))
        files.append((best["file_id"], f"photo-{message.get('message_id', 0)}.jpg", "image/jpeg"))
    document = message.get("document")
    if document:
        name = document.get("file_name") or f"file-{message.get('message_id', 0)}"
        files.append((document["file_id"], name, document.get("mime_type") or ""))
    return files


def new_link_code(root: Any, login: str, now: datetime) -> str:
    """A one-time code that links a Telegram account to ``login`` (older codes of theirs go)."""
    codes = root["chats"].link_codes
    for code, (owner, _expires) in list(codes.items()):
        if owner == login:
            del codes[code]
    code = "".join(secrets.choice(CODE_ALPHABET) for _i in range(8))
    codes[code] = (login, now + timedelta(minutes=CODE_MINUTES))
    return code


def _reply(root: Any, registry: Any, chat_id: int, language: str, term: Any, now: datetime) -> None:
    queue_message(root, chat_id, localizer_for(registry, language).translate(term), now)


def handle_update(
    root: Any, registry: Any, update: dict[str, Any], now: datetime, files: list[Any] = ()
) -> None:
    """Handle one update in the caller's transaction; ``files`` are the attachments already
    downloaded (the worker's) for a message that carries some."""
    from itsm.chat import actions
    from itsm.tickets.context import ActionContext

    message = update.get("message")
    if not isinstance(message, dict) or not isinstance(message.get("from"), dict):
        return
    user_id = str(message["from"].get("id", ""))
    chat_id = int((message.get("chat") or {}).get("id") or message["from"].get("id"))
    language = "ru" if str(message["from"].get("language_code", "")).startswith("ru") else "en"
    text = str(message.get("text") or message.get("caption") or "").strip()
    index = root["chats"]
    login = index.telegram_links.get(user_id)
    if login is None:
        found = CODE_RE.match(text)
        entry = index.link_codes.get(found.group(1).upper()) if found else None
        if entry is not None and entry[1] > now:
            login = entry[0]
            del index.link_codes[found.group(1).upper()]
            person = root["people"].get(login)
            if person is not None:
                old = person.telegram_id
                if old and index.telegram_links.get(str(old)) == login:
                    del index.telegram_links[str(old)]
                index.telegram_links[user_id] = login
                person.telegram_id = int(user_id)
                _reply(
                    root,
                    registry,
                    chat_id,
                    person.language or language,
                    _("Your Telegram account is linked to the service desk. Ask me anything."),
                    now,
                )
                return
        _reply(
            root,
            registry,
            chat_id,
            language,
            _(
                "Please link your account first: open your profile on the service desk "
                "portal, get a link code and send it here."
            ),
            now,
        )
        return
    person = root["people"].get(login)
    if person is None:
        return
    roles = frozenset(person.roles)
    ctx = ActionContext(root, registry, now, login, roles)
    conversation = index.current(login, "telegram")
    if text.startswith("/start") and conversation is not None and not files:
        return
    if conversation is None:
        conversation = actions.start(
            ctx, login, "telegram", person.language or language, telegram_chat=chat_id
        )
        if text.startswith("/start"):
            return
    conversation.telegram_chat = chat_id
    if conversation.state == "bot" and text in ("/person", "/incident"):
        # The bot's commands: the portal's buttons.
        actions.act(ctx, conversation, "person" if text == "/person" else "to_incident", {})
        return
    try:
        actions.employee_says(ctx, conversation, text, tuple(files))
    except actions.ChatError as error:
        _reply(root, registry, chat_id, conversation.language, error.message, now)


def has_files(update: dict[str, Any]) -> bool:
    message = update.get("message") or {}
    return bool(isinstance(message, dict) and _files_of(message))


def fetch_files(settings: TelegramSettings, update: dict[str, Any], max_bytes: int) -> list[Any]:
    """Download the update's files (outside any transaction) as attachments; a file over the
    size limit is left out."""
    from itsm.tickets.journal import make_attachment

    attachments = []
    for file_id, name, mime in _files_of(update.get("message") or {}):
        data = download(settings, file_id, max_bytes)
        if data is None:
            log.info("telegram: %s is larger than %d bytes; not kept", name, max_bytes)
            continue
        attachments.append((name, mime, data))
    return [make_attachment(n, io.BytesIO(d), max_bytes, m) for n, m, d in attachments]


def _take_update(ctx: Any, settings: TelegramSettings, update: dict[str, Any], key: Any) -> None:
    """Handle one update from the worker: files first (no transaction open), then the rest in
    one transaction that also moves the offset or drops it from the inbox."""
    raw_files: list[tuple[str, str, bytes]] = []
    max_bytes = ctx.settings.attachment_max_bytes
    if has_files(update):
        for file_id, name, mime in _files_of(update["message"]):
            try:
                data = download(settings, file_id, max_bytes)
            except BotApiError as exc:
                log.warning("telegram: cannot fetch %s (%s)", name, exc)
                continue
            if data is not None:
                raw_files.append((name, mime, data))

    def handle(root: Any) -> None:
        from itsm.tickets.journal import make_attachment

        files = [make_attachment(n, io.BytesIO(d), max_bytes, m) for n, m, d in raw_files]
        outbox = root.telegram_outbox
        if key is None:
            if update.get("update_id", -1) < outbox.offset:
                return  # handled already (a retried turn)
            outbox.offset = int(update["update_id"]) + 1
        else:
            if key not in outbox.inbox:
                return
            del outbox.inbox[key]
        handle_update(root, ctx.registry, update, ctx.now(), files)

    ctx.transact(handle)


def poll_updates(ctx: Any) -> str | None:
    """The worker's ``telegram_poll`` job (mode ``polling``): one ``getUpdates`` long poll."""
    settings = telegram_settings(ctx.registry)
    if settings.mode != "polling" or not settings.token:
        return None
    offset = ctx.transact(lambda root: root.telegram_outbox.offset)
    try:
        updates = call(
            settings,
            "getUpdates",
            {"offset": offset, "timeout": settings.poll_timeout, "allowed_updates": ["message"]},
            settings.poll_timeout + SEND_TIMEOUT,
        )
    except BotApiError as exc:
        log.warning("telegram: getUpdates failed (%s)", exc)
        return "getUpdates failed"
    for update in updates or ():
        _take_update(ctx, settings, update, None)
    return f"{len(updates)} update(s)" if updates else None


def handle_inbox(ctx: Any) -> str | None:
    """The worker's ``telegram_inbox`` job: webhook updates that carry files."""
    settings = telegram_settings(ctx.registry)
    keys = ctx.transact(lambda root: list(root.telegram_outbox.inbox.keys()))
    for key in keys:
        update = ctx.transact(lambda root, key=key: dict(root.telegram_outbox.inbox.get(key) or {}))
        if update:
            _take_update(ctx, settings, update, key)
    return f"{len(keys)} update(s) with files" if keys else None


def deliver(ctx: Any, limit: int = 100) -> str | None:
    """The worker's ``telegram_outbox`` job: ``sendMessage`` what is due, each marked sent in
    its own transaction; a failure is retried with backoff."""
    settings = telegram_settings(ctx.registry)
    if not settings.enabled:
        return None
    now = ctx.now()
    keys = ctx.transact(lambda root: root.telegram_outbox.due(now)[:limit])
    sent = failed = 0
    for key in keys:
        found = ctx.transact(
            lambda root, key=key: (
                (m.chat_id, m.text) if (m := root.telegram_outbox.pending.get(key)) else None
            )
        )
        if found is None:
            continue
        try:
            call(settings, "sendMessage", {"chat_id": found[0], "text": found[1]}, SEND_TIMEOUT)
        except BotApiError as exc:
            failed += 1

            def retry(root: Any, key: str = key, error: str = str(exc)) -> None:
                message = root.telegram_outbox.pending.get(key)
                if message is not None:
                    message.schedule_retry(error, now)

            ctx.transact(retry)
            log.warning("telegram: sendMessage %s failed (%s)", key, exc)
            continue

        def done(root: Any, key: str = key) -> None:
            if root.telegram_outbox.pending.pop(key, None) is not None:
                root.telegram_outbox.sent_count.change(1)

        ctx.transact(done)
        sent += 1
    return f"telegram: sent {sent}, failed {failed}" if keys else None


# -- the webhook ---------------------------------------------------------------------------------


@view_config(
    route_name="telegram.webhook",
    request_method="POST",
    renderer="json",
    require_csrf=False,
    permission=NO_PERMISSION_REQUIRED,
)
def webhook(request: Any) -> dict[str, Any]:
    """``POST /telegram/webhook/{secret}``: the path secret and Telegram's secret header, both
    compared in constant time; anything else is a 404 (the URL gives nothing away)."""
    settings = telegram_settings(request.registry)
    secret = settings.webhook_secret.encode()
    if settings.mode != "webhook" or not secret:
        raise PublicNotFound()
    path_ok = hmac.compare_digest(request.matchdict["secret"].encode(), secret)
    header = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "").encode()
    header_ok = hmac.compare_digest(header, secret)
    if not (path_ok and header_ok):
        raise PublicNotFound()
    try:
        update = request.json_body
    except ValueError:
        return {"ok": True}
    if not isinstance(update, dict):
        return {"ok": True}
    root = request.itsm_root
    outbox = root.telegram_outbox
    update_id = update.get("update_id")
    if not isinstance(update_id, int) or update_id < outbox.offset:
        return {"ok": True}  # Telegram sent it again (our answer was lost): handled once
    outbox.offset = update_id + 1
    if has_files(update):
        root.telegram_outbox.inbox[f"{update.get('update_id', 0):012d}"] = update
    else:
        handle_update(root, request.registry, update, datetime.now(UTC))
    return {"ok": True}


def register_jobs(config: Any) -> None:
    settings = telegram_settings(config.registry)
    if not settings.enabled:
        return
    config.add_itsm_job("telegram_outbox", deliver, 2)
    config.add_itsm_job("telegram_inbox", handle_inbox, 5)
    if settings.mode == "polling":
        # A long poll waits up to poll_timeout seconds: a thread of its own.
        config.add_itsm_job("telegram_poll", poll_updates, 1, waits=True)


def includeme(config: Any) -> None:
    config.add_route("telegram.webhook", "/telegram/webhook/{secret}")
    config.scan("itsm.chat.telegram")
