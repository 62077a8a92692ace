"""The desk under load, measured with ``wrk`` beside a bare Pyramid + ZODB page in the same run.

    .venv/bin/python bench/http_bench.py INI [--duration 10] [--repeats 3]
    .venv/bin/python bench/http_bench.py --url http://127.0.0.1:6543 [--password demo]

``INI`` is a desk made by ``bench/load.py``: the script starts ``pserve INI`` (waitress, the
INI's ``[server:main]``: 4 threads on loopback), or drives a server already running at
``--url``. It logs in as ``agent`` and ``employee`` through the login form (their session
cookies) and takes an API token for each through ``POST /api/v1/me/tokens``.

Every measure is ``wrk`` with 4 connections for ``--duration`` seconds, repeated
``--repeats`` times (interleaved with the others, so noise hits all alike), the median kept:

- ``bare``: a bare stack on the same machine, started by this script: waitress with 4
  threads, Pyramid, pyramid_tm and pyramid_zodbconn, a page of 25 rows read from an OOBTree
  with as many entries as the desk has incidents (a FileStorage beside the INI). Every figure
  is printed absolute and as a share of this ceiling: on a noisy machine the share is the
  figure that counts;
- the agent's queue page (HTML, all open, priority then age), the same queue through the
  API, the text search page (stemmed; an English and a Russian word), an incident's page,
  each as the agent;
- creates through the API (the employee's token, a new title each): 0 errors, and afterwards
  no number twice (the numbers the server answered, and the database's incidents);
- the server's resident memory after the runs (a server started here).

It prints a table and the command to reproduce. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from incidents_bench import free_port, rss_mib  # noqa: E402

PYTHON = sys.executable
PSERVE = str(Path(sys.executable).parent / "pserve")
SEARCH_WORDS = {"en": ["printer", "password", "battery"], "ru": ["принтер", "пароль", "ноутбук"]}

# -- the bare stack -----------------------------------------------------------------------------

BARE_APP = '''
"""Bare Pyramid + ZODB: a page of 25 rows from an OOBTree (started by bench/http_bench.py)."""
import html, random, sys
from pyramid.config import Configurator
from waitress import serve

def page(request):
    from pyramid_zodbconn import get_connection
    tree = get_connection(request).root()["rows"]
    start = random.randrange(len(tree) - 25) if len(tree) > 25 else 0
    rows = []
    for key, (title, status, priority) in tree.items(min=start):
        rows.append(
            f"<tr><td>{key}</td><td>{html.escape(title)}</td><td>{status}</td>"
            f"<td>{priority}</td></tr>"
        )
        if len(rows) == 25:
            break
    request.response.text = "<html><body><table>" + "".join(rows) + "</table></body></html>"
    return request.response

if __name__ == "__main__":
    directory, port = sys.argv[1], int(sys.argv[2])
    settings = {
        "zodbconn.uri": f"file://{directory}/Data.fs?connection_cache_size=50000",
        "tm.manager_hook": "pyramid_tm.explicit_manager",
    }
    with Configurator(settings=settings) as config:
        config.include("pyramid_tm")
        config.include("pyramid_zodbconn")
        config.add_route("page", "/")
        config.add_view(page, route_name="page")
        app = config.make_wsgi_app()
    serve(app, host="127.0.0.1", port=port, threads=4, _quiet=True)
'''


def build_bare(directory: Path, rows: int) -> None:
    """A FileStorage with an OOBTree of ``rows`` small rows (kept: rebuilt when the size
    differs)."""
    import transaction
    import ZODB
    from BTrees.LOBTree import LOBTree
    from ZODB.FileStorage import FileStorage

    marker = directory / "rows"
    if marker.exists() and marker.read_text() == str(rows):
        return
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    db = ZODB.DB(FileStorage(str(directory / "Data.fs")))
    conn = db.open()
    tree = conn.root()["rows"] = LOBTree()
    for start in range(0, rows, 50_000):
        for key in range(start, min(rows, start + 50_000)):
            tree[key] = (f"Printer on floor {key % 97} does not print", "new", key % 4 + 1)
        transaction.commit()
    conn.close()
    db.close()
    marker.write_text(str(rows))


# -- servers --------------------------------------------------------------------------------


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"nothing listens on port {port} after {seconds} s")


def ini_port(ini: Path) -> int:
    match = re.search(r"^listen\s*=\s*[\d.]+:(\d+)", ini.read_text(), re.M)
    if not match:
        raise SystemExit(f"{ini}: no 'listen = 127.0.0.1:PORT' in [server:main]")
    return int(match.group(1))


# -- logging in -----------------------------------------------------------------------------


class Client:
    """A tiny cookie-keeping HTTP client for the setup requests (not for load)."""

    def __init__(self, base: str) -> None:
        parts = urllib.parse.urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, str, dict]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _sep, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        conn.close()
        return response.status, text, dict(response.getheaders())

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf_token"\s+value="([^"]+)"', page)
    if not match:
        raise RuntimeError("no CSRF token on the page")
    return match.group(1)


def log_in(base: str, login: str, password: str) -> tuple[str, str]:
    """(session cookie header, API token) of ``login``."""
    client = Client(base)
    _status, page, _headers = client.request("GET", "/login")
    form = urllib.parse.urlencode(
        {"login": login, "password": password, "csrf_token": csrf_of(page), "came_from": "/"}
    ).encode()
    status, _text, _headers = client.request(
        "POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    if status != 303:
        raise RuntimeError(f"logging in as {login}: HTTP {status}")
    _status, home, _headers = client.request("GET", "/")
    status, text, _headers = client.request(
        "POST",
        "/api/v1/me/tokens",
        json.dumps({"label": "http_bench"}).encode(),
        {"Content-Type": "application/json", "X-CSRF-Token": csrf_of(home)},
    )
    if status != 201:
        raise RuntimeError(f"token for {login}: HTTP {status} {text[:200]}")
    return client.cookie_header(), json.loads(text)["token"]


def sample_numbers(base: str, token: str, count: int = 200) -> list[str]:
    """Numbers of existing incidents for the incident page (several pages of the API list)."""
    client = Client(base)
    numbers: list[str] = []
    for page in range(1, 5):
        _status, text, _headers = client.request(
            "GET",
            f"/api/v1/incidents?per_page=50&page={page}&sort=created",
            headers={"Authorization": f"Bearer {token}"},
        )
        numbers += [item["number"] for item in json.loads(text).get("items", [])]
        if len(numbers) >= count:
            break
    if not numbers:
        raise RuntimeError("the desk has no incidents: load some with bench/load.py")
    return numbers


# -- wrk ------------------------------------------------------------------------------------

LUA = r"""
{HEADERS}
local paths = {PATHS}
local method = "{METHOD}"
local record = "{RECORD}"
local counter = 0
local out = nil

function init(args)
  if record ~= "" then out = io.open(record, "a") end
end

request = function()
  counter = counter + 1
  local path = paths[(counter % #paths) + 1]
  if method == "POST" then
    local body = string.format(
      '{"title": "Load test %d-%d: printer on floor %d", ' ..
      '"description": "Created by http_bench.", "impact": "low", "urgency": "medium"}',
      os.time(), counter, counter % 9)
    return wrk.format("POST", path, nil, body)
  end
  return wrk.format("GET", path)
end
"""
#: Only for the creates: with a response() callback wrk delivered no response of the big HTML
#: pages at all (seen with wrk 4.1.0), and the GETs need none.
LUA_RECORD = r"""
function response(status, hdrs, body)
  if out ~= nil then
    local number = string.match(body, '"number":%s*"([A-Z]+%-%d+)"')
    out:write(tostring(status), " ", number or "-", "\n")
    out:flush()
  end
end
"""


def lua_script(
    directory: Path, paths: list[str], headers: dict[str, str], method: str = "GET", record=""
) -> Path:
    def lua_string(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

    script = (
        LUA.replace("{PATHS}", "{" + ", ".join(lua_string(p) for p in paths) + "}")
        .replace(
            # Set on wrk.headers at load time (wrk.headers also carries Host): built in init()
            # from a table, the big pages got no answer at all within a run (wrk 4.1.0).
            "{HEADERS}",
            "\n".join(
                f"wrk.headers[{lua_string(k)}] = {lua_string(v)}" for k, v in headers.items()
            ),
        )
        .replace("{METHOD}", method)
        .replace("{RECORD}", str(record))
    ) + (LUA_RECORD if record else "")
    path = directory / f"wrk-{abs(hash((tuple(paths), method))) % 10**8}.lua"
    path.write_text(script, encoding="utf-8")
    return path


def parse_ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(base: str, script: Path, duration: int, connections: int = 4) -> dict[str, float]:
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(script),
        base,
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    for quantile in ("50", "99"):
        match = re.search(rf"^\s+{quantile}%\s+(\S+)", out, re.M)
        result[f"p{quantile}_ms"] = parse_ms(match.group(1)) if match else float("nan")
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    result["errors"] = float(bad.group(1)) if bad else 0.0
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    if sockets:
        result["errors"] += sum(float(n) for n in sockets.groups())
    result["requests"] = float(re.search(r"(\d+) requests in", out).group(1))
    return result


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    keys = runs[0].keys()
    out = {key: statistics.median(run[key] for run in runs) for key in keys}
    out["errors"] = sum(run["errors"] for run in runs)
    out["requests"] = sum(run["requests"] for run in runs)
    out["runs"] = [round(run["rps"], 1) for run in runs]
    return out


# -- after the creates ----------------------------------------------------------------------


def check_numbers(record: Path, ini: Path | None) -> dict[str, Any]:
    """The numbers the server answered, and (with the INI, the server stopped) the database:
    every answered number stored once, no incident number twice."""
    lines = record.read_text().split() if record.exists() else []
    pairs = list(zip(lines[0::2], lines[1::2], strict=False))
    answered = [number for status, number in pairs if status == "201"]
    out: dict[str, Any] = {
        "created": len(answered),
        "non-201 answers": sum(1 for status, _n in pairs if status != "201"),
        "numbers answered twice": len(answered) - len(set(answered)),
    }
    if ini is not None:
        import plaster

        from itsm import main
        from itsm.db import ZODB_ROOT_KEY, get_db

        app = main({}, **dict(plaster.get_settings(str(ini), "app:main")))
        db = get_db(app.registry)
        conn = db.open()
        try:
            incidents = conn.root()[ZODB_ROOT_KEY]["incidents"]
            missing = [n for n in set(answered) if n not in incidents]
            numbers = [incidents[n].number for n in set(answered) if n in incidents]
            out["answered but not stored"] = len(missing)
            out["stored numbers twice"] = len(numbers) - len(set(numbers))
            out["incidents in the desk"] = len(incidents)
            out["container count matches its keys"] = len(incidents) == len(list(incidents.keys()))
        finally:
            conn.close()
            db.close()
    return out


# -- main -----------------------------------------------------------------------------------


def incident_count(ini: Path) -> int:
    import plaster

    from itsm import main
    from itsm.db import ZODB_ROOT_KEY, get_db

    app = main({}, **dict(plaster.get_settings(str(ini), "app:main")))
    db = get_db(app.registry)
    conn = db.open()
    try:
        return len(conn.root()[ZODB_ROOT_KEY]["incidents"])
    finally:
        conn.close()
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ini", nargs="?", type=Path, help="the desk's INI (from bench/load.py)")
    parser.add_argument("--url", help="a desk already running (then no INI needed)")
    parser.add_argument("--password", default="demo", help="of agent and employee")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rows", type=int, help="entries of the bare stack's BTree")
    parser.add_argument(
        "--only", help="comma-separated measures to run (bare is always run)", default=""
    )
    args = parser.parse_args()
    if not args.ini and not args.url:
        parser.error("give the desk's INI or --url")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    work = Path(tempfile.mkdtemp(prefix="http-bench-"))
    processes: list[subprocess.Popen] = []
    server_pid = None
    try:
        if args.url:
            base = args.url.rstrip("/")
            rows = args.rows or 100_000
        else:
            rows = args.rows or incident_count(args.ini)
            port = ini_port(args.ini)
            base = f"http://127.0.0.1:{port}"
            process = subprocess.Popen(
                [PSERVE, str(args.ini)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            processes.append(process)
            wait_for_port(port, process)
            server_pid = process.pid
        bare_dir = (args.ini.resolve().parent if args.ini else work) / "bare-stack"
        build_bare(bare_dir, rows)
        bare_port = free_port()
        bare_script = work / "bare_app.py"
        bare_script.write_text(textwrap.dedent(BARE_APP))
        bare = subprocess.Popen([PYTHON, str(bare_script), str(bare_dir), str(bare_port)])
        processes.append(bare)
        wait_for_port(bare_port, bare)
        bare_base = f"http://127.0.0.1:{bare_port}"

        agent_cookie, agent_token = log_in(base, "agent", args.password)
        _employee_cookie, employee_token = log_in(base, "employee", args.password)
        numbers = sample_numbers(base, agent_token)
        cookie = {"Cookie": agent_cookie}
        bearer = {"Authorization": f"Bearer {agent_token}"}
        record = work / "created.txt"
        quote = urllib.parse.quote
        measures: dict[str, tuple[str, Path]] = {
            "bare": (bare_base, lua_script(work, ["/"], {})),
            "queue page": (
                base,
                lua_script(work, ["/incidents/?queue=open&sort=priority"], cookie),
            ),
            "queue API": (
                base,
                lua_script(work, ["/api/v1/incidents?queue=open&per_page=25"], bearer),
            ),
            "search page en": (
                base,
                lua_script(work, [f"/incidents/?q={quote(w)}" for w in SEARCH_WORDS["en"]], cookie),
            ),
            "search page ru": (
                base,
                lua_script(work, [f"/incidents/?q={quote(w)}" for w in SEARCH_WORDS["ru"]], cookie),
            ),
            "incident page": (
                base,
                lua_script(work, [f"/incidents/{n}/" for n in numbers], cookie),
            ),
            "create API": (
                base,
                lua_script(
                    work,
                    ["/api/v1/incidents"],
                    {
                        "Authorization": f"Bearer {employee_token}",
                        "Content-Type": "application/json",
                    },
                    method="POST",
                    record=record,
                ),
            ),
        }
        if args.only:
            wanted = {"bare", *(name.strip() for name in args.only.split(","))}
            measures = {k: v for k, v in measures.items() if k in wanted}
        # Warm up: caches filled, templates compiled, as a server that has run a while (a
        # cold first page took seconds, longer than a short wrk run waits).
        warm = Client(base)
        for path in (
            "/incidents/?queue=open&sort=priority",
            *(f"/incidents/?q={quote(w)}" for w in SEARCH_WORDS["en"] + SEARCH_WORDS["ru"]),
            *(f"/incidents/{n}/" for n in numbers[:5]),
        ):
            warm.request("GET", path, headers=cookie)
        warm.request("GET", "/api/v1/incidents?queue=open&per_page=25", headers=bearer)
        for _n in range(3):
            warm.request(
                "POST",
                "/api/v1/incidents",
                json.dumps(
                    {"title": "Warm-up printer", "impact": "low", "urgency": "low"}
                ).encode(),
                {"Authorization": f"Bearer {employee_token}", "Content-Type": "application/json"},
            )
        for name, (url, script) in measures.items():
            if name != "create API":
                run_wrk(url, script, 3)
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in measures}
        for repeat in range(args.repeats):
            for name, (url, script) in measures.items():
                runs[name].append(run_wrk(url, script, args.duration))
                print(f"  run {repeat + 1}: {name}: {runs[name][-1]['rps']:.1f} req/s", flush=True)
        results = {name: median_of(values) for name, values in runs.items()}
        rss = rss_mib(server_pid) if server_pid else None
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(60)
        processes.clear()
        numbers_check = check_numbers(record, args.ini) if "create API" in measures else {}
    finally:
        for process in processes:
            process.terminate()
            process.wait(60)
    ceiling = results["bare"]["rps"]
    print()
    print(
        f"{'measure (4 connections, median of ' + str(args.repeats) + ')':<44} "
        f"{'req/s':>8} {'share':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}"
    )
    for name, figures in results.items():
        print(
            f"{name:<44} {figures['rps']:>8.1f} {figures['rps'] / ceiling:>7.1%} "
            f"{figures['p50_ms']:>8.1f} {figures['p99_ms']:>8.1f} {figures['errors']:>7.0f}"
        )
    if rss is not None:
        print(f"server RSS after the runs: {rss:.0f} MiB")
    if numbers_check:
        print("creates: " + json.dumps(numbers_check))
    print(
        f"bare stack: {rows:,} rows; machine: {os.cpu_count()} cores; runs: "
        + json.dumps({k: v["runs"] for k, v in results.items()})
    )
    target = str(args.ini) if args.ini else f"--url {args.url}"
    only = f" --only '{args.only}'" if args.only else ""
    print(
        f"reproduce: .venv/bin/python bench/http_bench.py {target} --duration {args.duration} "
        f"--repeats {args.repeats}{only}"
    )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
