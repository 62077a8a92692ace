"""SLA policies and the persistent SLA settings at /settings/sla."""

from __future__ import annotations

import pickle
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from itsm.folder import Folder
from itsm.sla.calendar import ALWAYS, STANDARD
from itsm.sla.models import SlaSettings, ensure_sla_settings, get_sla_settings
from itsm.sla.policy import (
    BUSINESS_DAY,
    DEFAULT_INCIDENT_POLICY,
    HOUR,
    MINUTE,
    PolicyError,
    SlaPolicy,
    SlaTarget,
)

MOSCOW = ZoneInfo("Europe/Moscow")


def tree() -> Folder:
    root = Folder()
    root.add("settings", Folder())
    return root


def round_trip(value):
    """Pickled and loaded again, as ZODB does (our own bytes, so loading them is safe)."""
    return pickle.loads(pickle.dumps(value))  # noqa: S301


def test_default_incident_policy_targets():
    policy = DEFAULT_INCIDENT_POLICY
    assert policy.kind == "incident" and policy.calendar == "Standard"
    assert policy.warn_share == 0.75
    assert policy.target(1) == SlaTarget(15 * MINUTE, 4 * HOUR, business_hours=False)
    assert policy.target(2) == SlaTarget(HOUR, BUSINESS_DAY)
    assert policy.target(3) == SlaTarget(8 * HOUR, 3 * BUSINESS_DAY)
    assert policy.target(4) == SlaTarget(2 * BUSINESS_DAY, 5 * BUSINESS_DAY)
    assert policy.target(5) == SlaTarget(3 * BUSINESS_DAY, 10 * BUSINESS_DAY)
    assert dict(policy.targets).keys() == {1, 2, 3, 4, 5}
    assert round_trip(policy) == policy
    with pytest.raises(KeyError):
        policy.target(6)


def test_24x7_targets_run_on_the_always_calendar():
    assert DEFAULT_INCIDENT_POLICY.target(1).clock_calendar(STANDARD) is ALWAYS
    assert DEFAULT_INCIDENT_POLICY.target(3).clock_calendar(STANDARD) is STANDARD


def test_invalid_policies_are_refused():
    targets = dict(DEFAULT_INCIDENT_POLICY.targets)
    with pytest.raises(PolicyError, match="priorities 1 to 5"):
        SlaPolicy("P", "incident", {1: targets[1]})
    with pytest.raises(PolicyError, match="between 0 and 1"):
        SlaPolicy("P", "incident", targets, warn_share=1.0)
    with pytest.raises(PolicyError, match="positive"):
        SlaTarget(0, HOUR)
    with pytest.raises(PolicyError, match="needs a name"):
        SlaPolicy("", "incident", targets)


def test_ensure_sla_settings_creates_defaults_once_and_keeps_edits():
    root = tree()
    assert ensure_sla_settings(root) == ["/settings/sla", "calendar Standard", "policy incident"]
    settings = get_sla_settings(root)
    assert settings is root["settings"]["sla"] and settings.__name__ == "sla"
    edited = STANDARD.with_holidays([datetime(2025, 1, 1).date()])
    settings.set_calendar(edited)
    assert ensure_sla_settings(root) == []
    assert settings.calendar("Standard") == edited


def test_settings_give_a_started_record_and_retarget_it():
    settings = SlaSettings()
    settings.set_calendar(STANDARD)
    settings.set_policy(DEFAULT_INCIDENT_POLICY)
    now = datetime(2025, 6, 9, 10, 0, tzinfo=MOSCOW)
    sla = settings.start("incident", 3, now, by="ivanov")
    assert sla is not None and sla.calendar == STANDARD
    assert sla.response_due == now + timedelta(hours=8)
    assert settings.start("change", 3, now) is None
    assert settings.retarget(sla, "incident", 1, now, "manager")
    assert sla.response_due == now + timedelta(minutes=15)
    assert settings.calendar("24x7") is ALWAYS
    with pytest.raises(KeyError):
        settings.calendar("Nowhere")
