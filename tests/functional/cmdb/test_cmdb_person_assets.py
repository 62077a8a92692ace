"""A person's assets on ``/people/LOGIN/``: for IT staff and for the person themself."""

from __future__ import annotations

from tests.conftest import logged_in


def assets(page) -> dict[str, list[str]]:
    """Number → the row's cell texts, from the assets section."""
    section = page.html.select_one("#assets")
    return {
        row.find("td").get_text(strip=True): [c.get_text(" ", strip=True) for c in row("td")]
        for row in section.select("tbody tr")
    }


def test_a_person_sees_their_assets_with_a_report_link(app):
    employee = logged_in(app, "employee")
    page = employee.get("/people/employee/")
    rows = assets(page)
    owned = app.read(
        lambda root: sorted(c.number for c in root["cmdb"].values() if c.owner == "employee")
    )
    assert sorted(rows) == owned and len(owned) == 3
    laptop = next(cells for cells in rows.values() if cells[1] == "ThinkPad T14")
    assert laptop[2] == "Laptop" and laptop[3] == "Deployed"
    links = [a["href"] for a in page.html.select("#assets a")]
    assert any(h.endswith(f"/incidents/new?ci={owned[0]}") for h in links)
    assert any(h.endswith(f"/cmdb/{owned[0]}/") for h in links)


def test_agents_see_a_persons_assets_without_report_links(app):
    agent = logged_in(app, "agent")
    page = agent.get("/people/employee2/")
    rows = assets(page)
    assert {cells[1] for cells in rows.values()} == {"MacBook Air", "1C account of Egor"}
    assert "Report a problem" not in page.html.select_one("#assets").text
    empty = agent.get("/people/agent/")
    assert "No assets." in empty.html.select_one("#assets").text


def test_employees_cannot_see_someone_elses_assets(app):
    employee = logged_in(app, "employee")
    employee.get("/people/employee2/", status=404)
    own = employee.get("/people/employee/")
    assert "MacBook Air" not in own.text
