"""Every KPI of a small desk with known timestamps against values worked out by hand."""

from __future__ import annotations

import pytest

MARCH = {"start": "2026-03-01", "end": "2026-03-31"}
H = 3600


def rows(api, name, **params):
    body = api.get(f"/api/v1/reports/{name}", **{**MARCH, **params}).json
    return body, {t["name"]: t["rows"] for t in body["tables"]}


def by_key(table):
    return {row["key"]: row for row in table}


def test_time_to_first_response_by_priority(desk, api_as):
    _body, tables = rows(api_as("agent"), "response", by="priority")
    p = by_key(tables["response"])
    # P3: A 1 h, B 30 min, C 2 business hours (Fri 14-15, Mon holiday, Tue 06-07 UTC).
    assert p[3]["tickets"] == 3
    assert p[3]["mean_business"] == pytest.approx((1 * H + 0.5 * H + 2 * H) / 3)
    assert p[3]["median_business"] == 1 * H
    # Wall: A 1 h, B 30 min, C 89 h (Fri 14:00 to Tue 07:00).
    assert p[3]["mean_wall"] == pytest.approx((1 + 0.5 + 89) * H / 3)
    assert p[3]["median_wall"] == 1 * H
    # P1 (24x7): D 30 min.
    assert p[1]["median_business"] == 0.5 * H


def test_time_to_resolution_leaves_out_the_pause_and_the_time_before_the_reopening(desk, api_as):
    _body, tables = rows(api_as("agent"), "resolution", by="priority")
    p3 = by_key(tables["resolution"])[3]
    # Business: A 3 h; B 1 h + 1 h + 2 h = 4 h; C 1 h + 3 h = 4 h.
    assert p3["mean_business"] == pytest.approx((3 + 4 + 4) * H / 3)
    assert p3["median_business"] == 4 * H
    # Wall: A 3 h, B 29 h, C 91 h.
    assert p3["mean_wall"] == pytest.approx((3 + 29 + 91) * H / 3)
    assert p3["median_wall"] == 29 * H


def test_sla_compliance_and_the_breach_with_its_reason(desk, api_as):
    _body, tables = rows(api_as("agent"), "sla", by="priority")
    p = by_key(tables["compliance"])
    assert p[3]["response_met"] == 1.0 and p[3]["resolution_met"] == 1.0
    assert p[1]["response_target"] == 1 and p[1]["response_met"] == 0.0
    assert p[1]["resolution_met"] == 1.0 and p[1]["breached"] == 1
    (breach,) = tables["breaches"]
    assert breach["priority"] == 1 and breach["target"] == "response"
    assert "Response target breached" in breach["reason"]


def test_first_contact_resolution_reopen_rate_and_reassignments(desk, api_as, reports_app):
    _body, tables = rows(api_as("agent"), "fcr", by="priority")
    p = by_key(tables["fcr"])
    assert p[3]["resolved"] == 3 and p[3]["fcr"] == 1  # A only: B reopened, C reassigned
    assert p[1]["fcr"] == 1
    _body, tables = rows(api_as("agent"), "quality", by="priority")
    p3 = by_key(tables["quality"])[3]
    assert p3["reopen_rate"] == pytest.approx(1 / 3)
    assert p3["reassign_mean"] == pytest.approx(1 / 3)
    distribution = {r["reassignments"]: r["tickets"] for r in tables["reassignments"]}
    assert distribution == {0: 3, 1: 1}


def test_backlog_at_the_end_of_each_day_and_created_vs_resolved(desk, api_as):
    _body, tables = rows(api_as("agent"), "backlog")
    days = {r["key"]: (r["created"], r["resolved"], r["open"]) for r in tables["backlog"]}
    assert days["2026-03-02"] == (2, 2, 0)
    assert days["2026-03-03"] == (1, 0, 1)
    assert days["2026-03-04"] == (0, 1, 0)
    assert days["2026-03-06"] == (1, 0, 1)
    assert days["2026-03-10"] == (0, 1, 0)


def test_customer_satisfaction_counts_answers_of_4_or_5(desk, api_as):
    _body, tables = rows(api_as("agent"), "csat", by="priority")
    p3 = by_key(tables["csat"])[3]
    assert p3["surveyed"] == 3 and p3["answered"] == 2
    assert p3["answer_rate"] == pytest.approx(2 / 3)
    assert p3["csat"] == 0.5
    assert p3["mean_score"] == 3.5
    assert p3["comments"] == 1


def test_filters_narrow_every_figure(desk, api_as):
    _body, tables = rows(api_as("agent"), "resolution", by="group", group="Network")
    assert [r["key"] for r in tables["resolution"]] == ["Network"]
    assert tables["resolution"][0]["median_business"] == 4 * H
    _body, tables = rows(api_as("agent"), "resolution", by="priority", priority="1")
    assert [r["key"] for r in tables["resolution"]] == [1]
