"""R10 on a real pserve (waitress, 4 threads): slapd killed with SIGKILL, then hung with
SIGSTOP. The in-process side of the same outages is test_ldap_web_login.py and
test_ldap_outages.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.plugins.slapd import PASSWORD
from tests.reliability.directory_outage import ERROR_WITHIN, outages

pytestmark = pytest.mark.ldap


def test_killed_and_hung_directory_fail_fast_keep_sessions_and_recover(
    make_slapd, tmp_path: Path
) -> None:
    figures = outages(tmp_path / "desk", make_slapd(), PASSWORD)
    assert set(figures) == {"killed", "hung"}
    for name, outage in figures.items():
        assert outage.problems == [], name
        assert outage.login_seconds < ERROR_WITHIN, (name, outage)
        assert outage.api_seconds < ERROR_WITHIN, (name, outage)
        # 12 logins on 4 threads wait at most three rounds of the directory's timeout...
        assert outage.crowd_seconds < 3 * ERROR_WITHIN, (name, outage)
        # ...and leave no thread stuck: pages answer at once afterwards.
        assert outage.pages_after_crowd_seconds < 2.0, (name, outage)
        assert outage.recovered_seconds < 30, (name, outage)
