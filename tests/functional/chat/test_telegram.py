"""The Telegram channel against the Bot API stand-in (tests/plugins/telegram.py): link an
account, ask, get the article, hand off, the agent answers from the desk, the employee gets it
in Telegram; the webhook's secrets; files; notifications to Telegram instead of mail."""

from __future__ import annotations

import re
from typing import Any

import pytest

from itsm.chat.telegram import deliver, handle_inbox, poll_updates
from itsm.worker.jobs import JobContext
from tests.conftest import logged_in
from tests.functional.chat.conftest import ChatClient, set_desk_hours
from tests.plugins.telegram import SECRET

USER = 4242


def _jobs(app: Any) -> JobContext:
    return JobContext(app.registry, app.db)


def _turn(app: Any) -> None:
    """What the worker does: a poll for updates, the inbox, the outbox."""
    ctx = _jobs(app)
    poll_updates(ctx)
    handle_inbox(ctx)
    deliver(ctx)


def _link(app: Any, telegram_api: Any, login: str = "employee", user: int = USER) -> None:
    browser = logged_in(app, login)
    profile = browser.get(f"/people/{login}/")
    form = next(f for f in profile.forms.values() if f.action.endswith("/telegram"))
    code_page = form.submit("action", value="code")
    code = re.search(r'id="telegram-code"[^>]*>([A-Z0-9]{8})<', code_page.text).group(1)
    telegram_api.push_message(user, f"/start {code}")
    _turn(app)
    assert "linked" in telegram_api.texts_to(user)[-1]


@pytest.fixture
def tg_app(make_app: Any, telegram_api: Any) -> Any:
    app = make_app(**telegram_api.settings_overrides("polling"))
    set_desk_hours(app, True)
    return app


def test_link_ask_hand_off_and_the_agents_answer_arrives(tg_app: Any, telegram_api: Any) -> None:
    app = tg_app
    _link(app, telegram_api)
    assert app.read(lambda root: root["people"]["employee"].telegram_id) == USER

    telegram_api.push_message(USER, "How do I set up VPN on my phone?")
    _turn(app)
    answer = telegram_api.texts_to(USER)[-1]
    assert "Connect to the VPN on a phone" in answer
    assert "/kb/KB-" in answer  # the link

    telegram_api.push_message(USER, "no")
    telegram_api.push_message(USER, "person")
    _turn(app)
    assert "wait" in telegram_api.texts_to(USER)[-1]

    agent = ChatClient(app, "agent")
    (queued,) = agent.get("/api/v1/chats").json["items"]
    assert queued["channel"] == "telegram" and queued["person"] == "employee"
    # The agent answers from the desk's page.
    desk = logged_in(app, "agent").get(f"/chats/{queued['key']}")
    assert "How do I set up VPN on my phone?" in desk.text
    reply = desk.forms["chat-form"]
    reply["text"] = "Hello from the desk: which phone is it?"
    reply.submit(status=303)
    _turn(app)
    assert telegram_api.texts_to(USER)[-1] == "Hello from the desk: which phone is it?"

    telegram_api.push_message(USER, "An Android one")
    _turn(app)
    chat = agent.chat(queued["key"])
    assert chat["messages"][-1]["role"] == "employee"
    assert chat["messages"][-1]["text"] == "An Android one"
    # Every update handled once: the offset moved past them.
    assert app.read(lambda root: root.telegram_outbox.offset) == telegram_api.next_update


def test_unknown_users_are_told_to_link_and_nothing_else(tg_app: Any, telegram_api: Any) -> None:
    telegram_api.push_message(999, "How do I set up VPN on my phone?")
    telegram_api.push_message(999, "/start WRONGCOD")
    _turn(tg_app)
    texts = telegram_api.texts_to(999)
    assert len(texts) == 2 and all("link your account" in t for t in texts)
    assert tg_app.read(lambda root: len(root["chats"])) == 0


def test_a_photo_becomes_an_attachment_within_the_size_limit(
    tg_app: Any, telegram_api: Any
) -> None:
    _link(tg_app, telegram_api)
    telegram_api.add_file("ph1", "photos/file_1.jpg", b"\xff\xd8\xffjpegbytes")
    telegram_api.push_message(
        USER,
        caption="the error on my screen",
        photo=[{"file_id": "ph1", "width": 90, "height": 90, "file_size": 12}],
    )
    _turn(tg_app)

    def files(root: Any) -> list[tuple[str, int, bytes]]:
        chat = root["chats"].current("employee", "telegram")
        found = []
        for message in chat.message_list():
            for a in message.attachments:
                with a.blob.open() as f:
                    found.append((message.text, a.size, f.read()))
        return found

    assert tg_app.read(files) == [("the error on my screen", 12, b"\xff\xd8\xffjpegbytes")]


def test_a_file_over_the_upload_limit_is_not_kept(make_app: Any, telegram_api: Any) -> None:
    app = make_app(
        **telegram_api.settings_overrides("polling"), **{"itsm.attachments.max_bytes": "10"}
    )
    _link(app, telegram_api)
    telegram_api.add_file("d1", "documents/big.pdf", b"x" * 11)
    telegram_api.push_message(
        USER,
        caption="log file",
        document={
            "file_id": "d1",
            "file_name": "big.pdf",
            "mime_type": "application/pdf",
            "file_size": 11,
        },
    )
    _turn(app)
    count = app.read(
        lambda root: sum(
            len(m.attachments) for m in root["chats"].current("employee", "telegram").message_list()
        )
    )
    assert count == 0


def test_sending_is_retried_when_telegram_fails(tg_app: Any, telegram_api: Any) -> None:
    telegram_api.failing = True
    telegram_api.push_message(999, "hello")
    _turn(tg_app)
    assert telegram_api.sent == []
    pending = tg_app.read(
        lambda root: [(m.attempts, m.failed) for m in root.telegram_outbox.pending.values()]
    )
    assert pending == [(1, False)]
    telegram_api.failing = False

    def due_now(root: Any) -> None:
        for message in root.telegram_outbox.pending.values():
            message.next_try = message.created

    tg_app.write(due_now)
    deliver(_jobs(tg_app))
    assert len(telegram_api.texts_to(999)) == 1
    assert tg_app.read(lambda root: len(root.telegram_outbox.pending)) == 0


def test_webhook_checks_the_path_secret_and_the_header(make_app: Any, telegram_api: Any) -> None:
    app = make_app(**telegram_api.settings_overrides("webhook"))
    client = app.client()
    update = {"update_id": 1, "message": telegram_api.message(777, "hello")}
    header = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    client.post_json("/telegram/webhook/wrong-secret-000000000", update, headers=header, status=404)
    client.post_json(f"/telegram/webhook/{SECRET}", update, status=404)
    wrong = {"X-Telegram-Bot-Api-Secret-Token": "x" * len(SECRET)}
    client.post_json(f"/telegram/webhook/{SECRET}", update, headers=wrong, status=404)
    assert app.read(lambda root: len(root.telegram_outbox.pending)) == 0
    client.post_json(f"/telegram/webhook/{SECRET}", update, headers=header, status=200)
    # Answered through the outbox, by the worker: nothing left the web transaction.
    assert telegram_api.sent == []
    # Telegram sends an update again when our answer was lost: it is handled once.
    client.post_json(f"/telegram/webhook/{SECRET}", update, headers=header, status=200)
    deliver(_jobs(app))
    assert len(telegram_api.texts_to(777)) == 1
    assert "link your account" in telegram_api.texts_to(777)[0]


def test_notifications_go_to_telegram_instead_of_mail(tg_app: Any, telegram_api: Any) -> None:
    _link(tg_app, telegram_api)
    browser = logged_in(tg_app, "employee")
    profile = browser.get("/people/employee/")
    form = next(
        f
        for f in profile.forms.values()
        if f.action.endswith("/telegram") and "notify_telegram" in f.fields
    )
    form["notify_telegram"] = True
    form.submit("action", value="notify", status=303)
    number = ChatClient(tg_app, "employee").report("Scanner does not scan")["number"]
    mails = tg_app.read(
        lambda root: [m.to for m in root.outbox.pending.values() if m.ticket == number]
    )
    assert ("employee@example.com",) not in mails
    deliver(_jobs(tg_app))
    assert any(t.startswith(f"[{number}]") for t in telegram_api.texts_to(USER))


def test_webhook_files_are_fetched_by_the_worker(make_app: Any, telegram_api: Any) -> None:
    app = make_app(**telegram_api.settings_overrides("webhook"))
    header = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    client = app.client()
    code_page = next(
        f
        for f in logged_in(app, "employee").get("/people/employee/").forms.values()
        if f.action.endswith("/telegram")
    ).submit("action", value="code")
    code = re.search(r'id="telegram-code"[^>]*>([A-Z0-9]{8})<', code_page.text).group(1)
    hook = f"/telegram/webhook/{SECRET}"
    client.post_json(
        hook, {"update_id": 10, "message": telegram_api.message(USER, code)}, headers=header
    )
    telegram_api.add_file("doc9", "documents/error.log", b"stack trace")
    document = {"file_id": "doc9", "file_name": "error.log", "mime_type": "text/plain"}
    message = telegram_api.message(USER, caption="my log", document=document)
    client.post_json(hook, {"update_id": 11, "message": message}, headers=header)
    assert app.read(lambda root: len(root.telegram_outbox.inbox)) == 1
    handle_inbox(_jobs(app))

    def files(root: Any) -> list[str]:
        chat = root["chats"].current("employee", "telegram")
        return [a.filename for m in chat.message_list() for a in m.attachments]

    assert app.read(files) == ["error.log"]
    assert app.read(lambda root: len(root.telegram_outbox.inbox)) == 0


def test_the_long_poll_has_a_worker_thread_of_its_own(tg_app: Any) -> None:
    from itsm.worker.scheduler import Worker

    worker = Worker(tg_app.registry, tg_app.db)
    worker.start(blocking=False)
    try:
        jobs = {job.id: job.executor for job in worker.scheduler.get_jobs()}
    finally:
        worker.stop()
    assert jobs["telegram_poll"] == "waiting"
    assert jobs["telegram_outbox"] == jobs["deliver_outbox"] == jobs["lease"] == "default"
