"""The relation graph (SVG drawn on the server) and the licence expiry warning."""

from __future__ import annotations

from datetime import date, timedelta

from tests.conftest import logged_in


def number_of(app, serial=None, name=None):
    return app.read(
        lambda root: next(
            ci.number
            for ci in root["cmdb"].values()
            if (serial and ci.serial == serial) or (name and ci.name == name)
        )
    )


def test_graph_shows_two_levels_around_a_ci_to_staff_only(app):
    server = number_of(app, serial="SRV-0001")
    mail = number_of(app, name="Mail")
    firewall = number_of(app, serial="NET-0001")
    vpn = number_of(app, name="VPN")
    svg = logged_in(app, "agent").get(f"/cmdb/{server}/graph.svg")
    assert svg.content_type == "image/svg+xml"
    # server <- Mail (level 1) -> firewall (level 2); VPN is three steps away.
    assert mail in svg.text and firewall in svg.text and vpn not in svg.text
    assert "runs on" in svg.text
    logged_in(app, "employee").get(f"/cmdb/{server}/graph.svg", status=404)


def test_licences_warn_once_before_they_expire(app):
    from itsm.cmdb.jobs import warn_expiring

    licence = number_of(app, name="1C:Enterprise licences")
    today = date(2026, 12, 10)  # the demo licence expires on 2026-12-31

    def run(root):
        return warn_expiring(root, app.registry, today, "Workplace")

    assert app.write(run) == 1
    assert app.write(run) == 0  # once per expiry date
    mails = app.read(lambda root: [(m.to, m.subject) for m in root.outbox if licence in m.subject])
    assert mails == [(("workplace@example.com",), mails[0][1])]
    assert (
        app.write(lambda root: warn_expiring(root, app.registry, today - timedelta(60), "x")) == 0
    )


def test_licence_page_shows_seats_used_of_total(app):
    licence = number_of(app, name="1C:Enterprise licences")
    page = logged_in(app, "agent").get(f"/cmdb/{licence}/")
    assert "Seats used" in page.text and "1 / 10" in page.text
