"""A bundle's answers reach its child requests; prices are shown and summed."""

from __future__ import annotations

from tests.conftest import logged_in


def test_onboarding_answers_are_copied_to_and_shown_on_each_child(app, api):
    employee = api("employee")
    number = employee.order(
        "onboarding",
        {"new_hire": "Ivan Newman", "start_date": "2026-12-01", "department": "Sales"},
    )["number"]
    api("manager").decide(f"{number}-1", "approve")
    children = [employee.request(c) for c in employee.request(number)["children"]]
    laptop = next(c for c in children if c["item"] == "new-laptop")
    assert laptop["fields"]["needed_by"] == "2026-12-01"  # mapped from the start date
    assert laptop["fields"]["model"] == "standard"  # the bundle's fixed answer
    for child in children:
        assert child["bundle_fields"]["new_hire"] == "Ivan Newman"
        assert child["bundle_fields"]["start_date"] == "2026-12-01"
    page = logged_in(app, "employee").get(f"/requests/{laptop['number']}")
    block = page.html.find(id="bundle-answers")
    assert "Ivan Newman" in block.text and "Full name" in block.text
    assert block.find("a")["href"].endswith(f"/requests/{number}/")


def test_same_key_answers_pass_to_children(app, api):
    from itsm.requests.fulfilment import bundle_answers

    def check(root):
        item = root["catalog"]["vpn-access"]
        passed = bundle_answers(item, {"item": "vpn-access"}, {"reason": "Starts Monday", "x": 1})
        fixed = bundle_answers(item, {"answers": {"reason": "Fixed"}}, {"reason": "Monday"})
        return passed, fixed

    passed, fixed = app.read(check)
    assert passed == {"reason": "Starts Monday"}
    assert fixed == {"reason": "Fixed"}


def test_price_on_the_request_and_total_on_the_agents_list(app, api):
    laptop = api("employee").order("new-laptop")["number"]
    api("employee").order("new-phone")
    api("employee2").order("vpn-access")
    assert api("employee").request(laptop)["price"] == 1200.0
    page = logged_in(app, "employee").get(f"/requests/{laptop}")
    assert page.html.find(id="request-price").text == "1200.00"
    listing = logged_in(app, "agent").get("/requests/")
    assert listing.html.find(id="price-total").text == "1700.00"
    assert "price-total" not in logged_in(app, "employee2").get("/requests/").text


def test_csv_export_has_a_price_column_and_a_total(app, api):
    laptop = api("employee").order("new-laptop")["number"]
    api("employee2").order("vpn-access")
    agent = logged_in(app, "agent")
    response = agent.get("/requests/export.csv")
    assert response.content_type == "text/csv"
    text = response.text.lstrip("\ufeff")
    lines = [line.split(";") for line in text.strip().splitlines()]
    assert lines[0][-1] == "price" and lines[0][0] == "number"
    row = next(line for line in lines if line[0] == laptop)
    assert row[1] == "new-laptop" and row[-1] == "1200.00"
    assert lines[-1][0] == "total" and lines[-1][-1] == "1200.00"
    assert 'id="export-csv"' in agent.get("/requests/").text
    # Employees export what their list shows: their own requests (the CMDB export's rule).
    own = logged_in(app, "employee").get("/requests/export.csv").text
    assert laptop in own and "vpn-access" not in own


def test_csv_cells_that_look_like_formulas_are_quoted():
    from itsm.requests.export import _cell

    assert _cell("=SUM(A1)") == "'=SUM(A1)" and _cell("-1") == "'-1" and _cell("Laptop") == "Laptop"
