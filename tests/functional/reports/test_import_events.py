"""``itsm-import-events``: an event log folded into one historical record per incident."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import AppHandle

EVENTS = Path(__file__).parent / "data" / "events.csv"
H = 3600


@pytest.fixture
def imported(make_app, tmp_path):
    """Import the made-up log into a closed app's FileStorage, then open the app again."""
    app = make_app(**{"itsm.reports.max_age_minutes": "0"})
    settings = dict(app.settings)
    ini = tmp_path / "cli.ini"
    lines = "\n".join(f"{k} = {v}" for k, v in settings.items() if k != "use")
    ini.write_text(f"[app:main]\nuse = egg:itsm\n{lines}\n", encoding="utf-8")
    app.close()

    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "itsm.reports.importer", str(ini), *args],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr + done.stdout
        return done.stdout

    output = run(str(EVENTS), "--timezone", "UTC")
    again = run(str(EVENTS), "--timezone", "UTC")
    from itsm import main

    handle = AppHandle(main({}, **settings), settings)
    yield handle, output, again
    handle.close()


def test_the_log_is_folded_into_one_record_per_number(imported):
    _app, output, again = imported
    assert "11 rows, 3 incidents, 3 written" in output
    assert "1 still open" in output
    assert "0 written, 3 unchanged" in again  # importing twice changes nothing


def test_imported_history_feeds_the_kpis(imported):
    app, _output, _again = imported
    from tests.functional.incidents.conftest import ApiClient

    api = ApiClient(app, "admin")
    params = {"start": "2026-03-01", "end": "2026-03-31", "by": "group"}
    tables = {
        t["name"]: t["rows"]
        for name in ("resolution", "sla", "fcr", "quality", "backlog")
        for t in api.get(f"/api/v1/reports/{name}", **params).json["tables"]
    }
    groups = {r["key"]: r for r in tables["resolution"]}
    assert groups["Group 1"]["mean_wall"] == 3 * H
    assert groups["Group 2"]["mean_wall"] == 72 * H  # the final group, after reassignments
    assert groups["Group 2"]["mean_business"] is None  # the other tool's calendar is unknown
    sla = {r["key"]: r for r in tables["compliance"]}
    assert sla["Group 1"]["resolution_met"] == 1.0 and sla["Group 2"]["resolution_met"] == 0.0
    fcr = {r["key"]: r for r in tables["fcr"]}
    assert fcr["Group 1"]["share"] == 1.0 and fcr["Group 2"]["share"] == 0.0
    quality = {r["key"]: r for r in tables["quality"]}
    assert quality["Group 2"]["reopen_rate"] == 1.0 and quality["Group 2"]["reassign_mean"] == 2.0
    backlog = {r["key"]: r["open"] for r in tables["backlog"]}
    assert backlog == {"2026-03-02": 0, "2026-03-03": 1, "2026-03-04": 2, "2026-03-06": 1}


def test_imported_history_stays_out_of_queues_and_the_sla_sweep(imported):
    app, _output, _again = imported
    from itsm.sla.sweep import sla_sweep_job
    from itsm.worker.jobs import JobContext
    from tests.functional.incidents.conftest import ApiClient

    body = ApiClient(app, "admin").get("/api/v1/incidents", queue="all").json
    assert not [i for i in body["items"] if i["number"].startswith("INC0")]
    assert sla_sweep_job(JobContext(app.registry, app.db)) is None
