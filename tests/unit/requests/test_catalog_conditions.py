"""Conditional fields and the administrator's field/task definitions, as pure logic."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st

from itsm.requests.catalog import CatalogItem
from itsm.requests.definitions import (
    approval_kind,
    approval_steps,
    check_fields,
    check_tasks,
    parse_price,
)
from itsm.requests.forms import keep_files, validate_answers, visible_fields
from itsm.tickets.journal import make_attachment

MODEL = {
    "name": "model",
    "type": "choice",
    "title": "Model",
    "required": True,
    "choices": (("standard", "Standard"), ("other", "Other")),
}
OTHER = {
    "name": "other_model",
    "type": "text",
    "title": "Which model and why",
    "required": True,
    "show_if": {"field": "model", "equals": ["other"]},
}
AGREE = {"name": "agree", "type": "checkbox", "title": "Keep my number"}
NUMBER = {
    "name": "number",
    "type": "text",
    "title": "Number",
    "required": True,
    "show_if": {"field": "agree", "checked": True},
}
# depends on a dependent field: hidden whenever OTHER is hidden
DETAIL = {
    "name": "detail",
    "type": "checkbox",
    "title": "Detail",
    "show_if": {"field": "other_model", "equals": ["x"]},
}


def item(*fields):
    return CatalogItem("test", "Test", fields=fields)


def test_a_dependent_field_shows_only_for_the_listed_values():
    fields = (MODEL, OTHER)
    assert visible_fields(fields, {"model": "other"}) == {"model", "other_model"}
    assert visible_fields(fields, {"model": "standard"}) == {"model"}
    assert visible_fields(fields, {}) == {"model"}


def test_a_checkbox_condition_follows_the_tick():
    fields = (AGREE, NUMBER)
    assert "number" in visible_fields(fields, {"agree": "true"})
    assert "number" in visible_fields(fields, {"agree": True})
    assert "number" not in visible_fields(fields, {"agree": "false"})
    assert "number" not in visible_fields(fields, {})
    unticked = dict(NUMBER, show_if={"field": "agree", "checked": False})
    assert "number" in visible_fields((AGREE, unticked), {})


def test_a_field_whose_controller_is_hidden_is_hidden():
    fields = (MODEL, OTHER, DETAIL)
    assert "detail" not in visible_fields(fields, {"model": "standard", "other_model": "x"})
    assert "detail" in visible_fields(fields, {"model": "other", "other_model": "x"})


def test_shown_required_dependent_field_must_be_answered():
    stored, errors = validate_answers(item(MODEL, OTHER), {}, {"model": "other"})
    assert stored == {} and set(errors) == {"other_model"}


def test_hidden_dependent_field_is_not_required_and_its_answer_is_dropped():
    answers = {"model": "standard", "other_model": "A gaming laptop"}
    stored, errors = validate_answers(item(MODEL, OTHER), {}, answers)
    assert errors == {} and stored == {"model": "standard"}


def test_hidden_field_with_an_invalid_value_is_dropped_not_refused():
    when = {"name": "when", "type": "date", "title": "When", "show_if": OTHER["show_if"]}
    stored, errors = validate_answers(item(MODEL, when), {}, {"model": "standard", "when": "x"})
    assert errors == {} and stored == {"model": "standard"}


def test_checkbox_condition_in_api_answers():
    shown, errors = validate_answers(item(AGREE, NUMBER), {}, {"agree": True})
    assert set(errors) == {"number"}
    stored, errors = validate_answers(item(AGREE, NUMBER), {}, {"agree": False, "number": "1"})
    assert errors == {} and stored == {"agree": False}


@given(st.sampled_from(["standard", "other", ""]), st.text(max_size=5))
def test_validated_answers_never_keep_a_hidden_field(model, other):
    answers = {"model": model, "other_model": other}
    stored, errors = validate_answers(item(MODEL, OTHER), {}, answers)
    if model != "other":
        assert "other_model" not in stored
    if model == "other" and other.strip():
        assert stored.get("other_model") == other


def test_new_file_goes_to_the_request_and_its_name_stays_as_the_answer():
    form = {"name": "signed_form", "type": "file", "title": "Signed form", "required": True}
    attachment = make_attachment("../form.pdf", io.BytesIO(b"%PDF-1.4"), 100)
    stored, errors = validate_answers(item(form), {}, {"signed_form": attachment})
    assert errors == {}

    class Request:
        attachments = ()

    request = Request()
    answers = keep_files(request, stored)
    assert answers == {"signed_form": "form.pdf"}
    assert request.attachments == (attachment,) and attachment.__name__ == "signed_form"
    # a draft being sent: the kept name satisfies "required"
    assert validate_answers(item(form), {}, answers) == (answers, {})
    assert set(validate_answers(item(form), {}, {})[1]) == {"signed_form"}


def test_file_field_refuses_what_is_not_a_file():
    form = {"name": "signed_form", "type": "file", "title": "Signed form"}
    _stored, errors = validate_answers(item(form), {}, {"signed_form": {"x": 1}})
    assert set(errors) == {"signed_form"}


def test_good_definitions_pass_and_are_normalized():
    data = [
        dict(MODEL, choices=[["standard", "Standard", "Стандарт"], ["other", "Other"]]),
        OTHER,
        AGREE,
        dict(NUMBER, show_if={"field": "agree", "checked": True}),
        {"name": "signed_form", "type": "file", "title": "Signed form"},
    ]
    fields, messages = check_fields(data)
    assert messages == []
    assert fields[0]["choices"] == (("standard", "Standard", "Стандарт"), ("other", "Other"))
    assert fields[1]["show_if"] == {"field": "model", "equals": ["other"]}
    assert [f["name"] for f in fields] == ["model", "other_model", "agree", "number", "signed_form"]


def test_each_bad_field_gets_its_own_message():
    data = [
        {"name": "Model", "type": "choice", "title": "Model"},
        {"name": "kind", "type": "colour", "title": "Kind"},
        {"name": "size", "type": "choice", "title": "Size"},
        {"name": "later", "type": "text", "title": "T", "show_if": {"field": "nowhere"}},
        {"name": "cond", "type": "text", "title": "T", "show_if": {"field": "size2"}},
        {"name": "pick", "type": "choice", "title": "P", "choices": [["a", "A"]]},
        {
            "name": "why",
            "type": "text",
            "title": "W",
            "show_if": {"field": "pick", "equals": ["b"]},
        },
        {"name": "why", "type": "text", "title": "again"},
        {"name": "free", "type": "text", "title": "F", "colour": "red"},
    ]
    _fields, messages = check_fields(data)
    text = "\n".join(messages)
    assert "Field 1 “Model”: “name” is the key" in text
    assert "Field 2 “kind”: “type” is one of" in text
    assert "Field 3 “size”: a choice field needs" in text
    assert "Field 4 “later”: “show_if” names “nowhere”" in text
    assert "Field 7 “why”: “equals” lists values of “pick”: a." in text
    assert "Field 8 “why”: another field has the same name." in text
    assert "Field 9 “free”: unknown keys colour" in text
    assert check_fields({"name": "x"})[1] == [
        "The fields are a JSON list of objects, one per field."
    ]


def test_a_condition_needs_a_choice_or_checkbox_before_it():
    data = [
        {"name": "note", "type": "text", "title": "Note"},
        {
            "name": "more",
            "type": "text",
            "title": "More",
            "show_if": {"field": "note", "equals": ["x"]},
        },
        {"name": "agree", "type": "checkbox", "title": "Agree"},
        {"name": "x", "type": "text", "title": "X", "show_if": {"field": "agree", "equals": ["1"]}},
    ]
    messages = check_fields(data)[1]
    assert "only on a choice or a checkbox" in messages[0]
    assert "a condition on a checkbox" in messages[1]


def test_tasks_are_checked_against_support_groups_and_order():
    data = [
        {"key": "prepare", "group": "Workplace", "title": "Prepare"},
        {"key": "deliver", "group": "Nowhere", "title": "Deliver", "depends_on": ["later"]},
        {"key": "later", "group": "Workplace", "title": ""},
    ]
    tasks, messages = check_tasks(data, ["Service Desk", "Workplace"])
    assert tasks[0] == {
        "key": "prepare",
        "group": "Workplace",
        "title": "Prepare",
        "depends_on": (),
    }
    assert any("Task 2 “deliver”: “group” is one of the support groups" in m for m in messages)
    assert any("Task 2 “deliver”: “depends_on” lists keys of tasks before" in m for m in messages)
    assert any("Task 3 “later”: “title” (in English) is required" in m for m in messages)


def test_approval_choices_round_trip_and_others_are_custom():
    for kind in ("none", "manager", "group", "manager_group"):
        assert approval_kind(approval_steps(kind, "Finance")) == (
            kind,
            "Finance" if "group" in kind else "",
        )
    by_field = ({"kind": "group", "by_field": "system", "groups": {"crm": "Board"}},)
    assert approval_kind(by_field) == ("custom", "")


def test_prices():
    assert parse_price("") == (None, None)
    assert parse_price("1 200".replace(" ", "")) == (1200.0, None)
    assert parse_price("99,90") == (99.9, None)
    assert parse_price("-1")[1] is not None and parse_price("abc")[1] is not None
    assert parse_price("NaN")[1] is not None


def test_fulfilment_flags_of_tasks_are_checked():
    data = [
        {"key": "install", "group": "Workplace", "title": "Install", "licence": "software"},
        {"key": "hand", "group": "Workplace", "title": "Hand over", "delivers": "Laptop"},
        {"key": "bad", "group": "Workplace", "title": "Bad", "licence": "nope", "delivers": ""},
    ]
    tasks, messages = check_tasks(data, ["Workplace"], field_names=["software"])
    assert tasks[0]["licence"] == "software" and tasks[1]["delivers"] == "Laptop"
    assert len(messages) == 2 and all(m.startswith("Task 3 “bad”") for m in messages)
