"""S1 (../shared/RELIABILITY.md): schemathesis fuzzes the API from our own OpenAPI
description, as each of six roles, against ``pserve`` on a demo desk: no 5xx, and every
answer matches the schema (``--checks all``: status codes, content types, response
schemas, headers; stateful links where the description has them).

    .venv/bin/pip install schemathesis   # once: it is a benchmark tool, not a dependency
    .venv/bin/python bench/reliability/s1_schemathesis.py --examples 3

Each role's run prints schemathesis' summary; the script sums the test cases and failures
and prints the figure and the command. A failure's reproduction (a curl line) is in the
role's output, and the desk's log is kept when anything failed.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.reliability.harness import Desk, build_demo, copy_demo, make_tokens  # noqa: E402

#: Employees A and B, agents X and Y, a manager, an administrator (S3's six roles).
ROLES = ("employee", "employee2", "agent", "agent2", "manager", "admin")
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


def run_role(url: str, token: str, examples: int, seed: int, report: Path) -> dict[str, int]:
    """One schemathesis run; the counts it reports."""
    command = [
        str(SCHEMATHESIS),
        "run",
        f"{url}/api/v1/openapi.json",
        "--checks",
        "all",
        # Domain rules beyond the schema (a category the desk has, a CI class that exists, a
        # date in the future) are refused with 400 and field messages; this check counts any
        # such refusal of a schema-valid body as a failure, by design of the check.
        "--exclude-checks",
        "positive_data_acceptance",
        # The mail intake takes message/rfc822, which schemathesis cannot generate; it is
        # fuzzed by R11's corpus and the hypothesis-built MIME trees instead.
        "--exclude-path",
        "/api/v1/mail/in",
        "--max-examples",
        str(examples),
        "--seed",
        str(seed),
        "--header",
        f"Authorization: Bearer {token}",
        "--request-timeout",
        "30",
        "--workers",
        "2",
        "--suppress-health-check",
        "all",
        "--no-color",
    ]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    report.write_text(done.stdout + done.stderr)
    text = done.stdout
    cases = sum(int(n) for n in re.findall(r"(\d+) generated", text)) or sum(
        int(n) for n in re.findall(r"Test cases:\s*(\d+)", text)
    )
    failures = re.findall(r"(\d+) unique failures?", text)
    errors = re.findall(r"(\d+) errors?", text)
    return {
        "exit": done.returncode,
        "cases": cases,
        "failures": int(failures[-1]) if failures else (0 if done.returncode == 0 else -1),
        "errors": int(errors[-1]) if errors else 0,
        "seconds": round(time.monotonic() - started),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=3, help="per operation and role")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--roles", default=",".join(ROLES))
    args = parser.parse_args()
    if not SCHEMATHESIS.exists():
        raise SystemExit("schemathesis is missing: .venv/bin/pip install schemathesis")
    work = Path(tempfile.mkdtemp(prefix="itsm-s1-"))
    keep = False
    try:
        build_demo(work / "template")
        copy_demo(work / "template", work / "desk")
        roles = args.roles.split(",")
        tokens = make_tokens(work / "desk", roles)
        desk = Desk(work / "desk")
        desk.start()
        url = f"http://127.0.0.1:{desk.port}"
        totals = {"cases": 0, "failures": 0, "errors": 0}
        try:
            for role in roles:
                result = run_role(url, tokens[role], args.examples, args.seed, work / f"{role}.txt")
                print(f"{role}: {result}", flush=True)
                for key in totals:
                    totals[key] += max(result[key], 0)
                if result["exit"] != 0:
                    keep = True
                    print((work / f"{role}.txt").read_text()[-4000:])
            server_errors = desk.log_text().count(" 500 ")
        finally:
            desk.stop()
        print(
            f"S1: {totals['cases']} test cases over {len(roles)} roles, "
            f"{totals['failures']} failures, {totals['errors']} errors, "
            f"{server_errors} answers 500 in the desk's log"
        )
        print(
            "reproduce: .venv/bin/python bench/reliability/s1_schemathesis.py "
            f"--examples {args.examples}"
        )
    finally:
        if keep:
            print(f"kept for reading: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
