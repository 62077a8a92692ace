"""The form state every page shares (itsm.ui.forms.FormState)."""

from __future__ import annotations

from itsm.ui.forms import FormState, human_size


def test_a_refused_form_keeps_what_was_typed_and_its_messages():
    state = FormState({"title": "Printer"}, {"title": "Too short"}, "Fix the fields")
    assert state.value("title") == "Printer" and state.value("other", "x") == "x"
    assert state.error("title") == "Too short" and state.error("other") is None
    assert state.invalid("title") == "is-invalid" and state.invalid("other") == ""
    assert state.described("title", "title-help") == "title-help title-error"
    assert state.described("other") is None
    assert state.message == "Fix the fields"


def test_errors_without_a_message_get_the_general_one():
    assert FormState({}, {"x": "Required"}).message == "Some fields are not valid."
    assert FormState({"x": "1"}).message is None


def test_on_a_page_of_several_forms_only_the_one_sent_shows_its_values():
    state = FormState({"reason": "no"}, {"reason": "Required"}, "Refused", form="cancel")
    assert state.open("cancel") and not state.open("wait")
    assert state.of("cancel").value("reason") == "no"
    assert state.of("cancel").error("reason") == "Required"
    assert state.of("wait").value("reason") == "" and state.of("wait").error("reason") is None
    assert not FormState().open("cancel")


def test_sizes_read_as_people_write_them():
    assert human_size(512) == "512 B" and human_size(1536) == "1.5 KB"
    assert human_size(5 * 1024 * 1024) == "5.0 MB"
