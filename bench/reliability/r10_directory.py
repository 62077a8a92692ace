"""R10: slapd killed (SIGKILL), then hung (SIGSTOP), under pserve: the seconds until login and
the API say "directory unavailable", what 12 logins at once on 4 threads cost, how fast pages
answer after them, and the seconds to recover once slapd is back (no restart).

    .venv/bin/python bench/reliability/r10_directory.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.plugins.slapd import PASSWORD, TIMEOUT, _start  # noqa: E402 - after sys.path
from tests.reliability.directory_outage import outages  # noqa: E402


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="itsm-r10-"))
    slapd = _start(work / "slapd")
    try:
        for name, outage in outages(work / "desk", slapd, PASSWORD).items():
            print(
                f"R10 {name}: login 503 in {outage.login_seconds:.1f} s, API 503 in "
                f"{outage.api_seconds:.1f} s, 12 logins at once {outage.crowd_seconds:.1f} s, "
                f"pages and a create after them {outage.pages_after_crowd_seconds:.2f} s, "
                f"recovered {outage.recovered_seconds:.1f} s after slapd returned; "
                f"problems {outage.problems or 'none'} (directory timeout {TIMEOUT} s)"
            )
    finally:
        slapd.stop()
        shutil.rmtree(work, ignore_errors=True)
    print("reproduce: .venv/bin/python bench/reliability/r10_directory.py")


if __name__ == "__main__":
    main()
