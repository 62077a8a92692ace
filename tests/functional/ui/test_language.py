"""English and Russian: Accept-Language first, then a choice remembered on the person."""

from __future__ import annotations

from tests.conftest import csrf_of, logged_in


def test_first_visit_follows_accept_language(app):
    ru = app.client(HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9,en;q=0.5")
    assert "Войти" in ru.get("/login").text
    en = app.client(HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert "Log in" in en.get("/login").text
    de = app.client(HTTP_ACCEPT_LANGUAGE="de-DE")
    assert 'lang="en"' in de.get("/login").text


def test_anonymous_switch_is_kept_in_a_cookie(app):
    client = app.client(HTTP_ACCEPT_LANGUAGE="en")
    page = client.get("/login")
    client.post("/language", {"language": "ru", "csrf_token": csrf_of(page), "came_from": "/login"})
    assert 'lang="ru"' in client.get("/login").text


def test_choice_is_remembered_on_the_person(app):
    client = logged_in(app, "employee")
    home = client.get("/")
    client.post(
        "/language", {"language": "ru", "csrf_token": csrf_of(home), "came_from": "/"}, status=303
    )
    assert app.read(lambda root: root["people"]["employee"].language) == "ru"
    # Another browser with English Accept-Language still gets Russian after logging in.
    other = logged_in(app, "employee")
    other.extra_environ["HTTP_ACCEPT_LANGUAGE"] = "en"
    text = other.get("/").text
    assert 'lang="ru"' in text and "Выйти" in text


def test_unknown_language_is_ignored(app):
    client = logged_in(app, "employee")
    home = client.get("/")
    client.post("/language", {"language": "xx", "csrf_token": csrf_of(home)}, status=303)
    assert app.read(lambda root: root["people"]["employee"].language) is None
