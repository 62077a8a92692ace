"""Where a page spends its CPU: the agent's pages served in process, timed and profiled.

    .venv/bin/python bench/read_profile.py INI [--requests 200] [--top 25] [--page NAME ...]

``INI`` is a desk made by ``bench/load.py`` (its server stopped: this opens the storage itself).
The whole WSGI stack runs (tweens, session, security, pyramid_tm, the view, the templates),
driven by WebTest logged in as ``agent`` (a session cookie; the API with a token), one request
after another in this thread. For each page it prints the CPU per request (``time.thread_time``,
p50 and p90 of ``--requests``), and the same for a bare Pyramid view in the same process (no
session, no security, no template: the stack's floor), then with ``--top`` the functions with
the most cumulative time under cProfile. CPU time is steadier than requests/s on a shared
machine, which is why this measures it.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

PAGES = {
    "queue page": "/incidents/?queue=open&sort=priority",
    "empty queue page": "/incidents/?queue=open&sort=priority&q=zzzqqq",
    "queue API": "/api/v1/incidents?queue=open&per_page=25",  # as bench/http_bench.py
    "incident page": "{incident}",
    "search page": "/incidents/?q=printer",
    "search page ru": "/incidents/?q=%D0%BF%D1%80%D0%B8%D0%BD%D1%82%D0%B5%D1%80",  # принтер
    "search page password": "/incidents/?q=password",
    "search page battery": "/incidents/?q=battery",
    "portal home": "/",
}


def bare_app() -> Any:
    from pyramid.config import Configurator

    def view(request: Any) -> Any:
        return request.response

    config = Configurator()
    config.add_route("bare", "/")
    config.add_view(view, route_name="bare")
    return config.make_wsgi_app()


def cpu_per_request(get: Any, path: str, count: int) -> list[float]:
    times = []
    for _ in range(count):
        start = time.thread_time()
        get(path)
        times.append((time.thread_time() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ini", type=Path)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--page", action="append", choices=sorted(PAGES))
    parser.add_argument("--sort", default="cumulative", help="cumulative or tottime")
    parser.add_argument("--callers", help="also print who calls the functions matching this")
    args = parser.parse_args()

    from create_profile import open_app
    from webtest import TestApp

    app, _db, token, incident = open_app(args.ini, "agent")

    client = TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    login = client.get("/login")
    form = login.forms["login-form"]
    form["login"], form["password"] = "agent", "demo"
    form.submit(status=303)
    headers = {"Authorization": f"Bearer {token}"}

    def get(path: str) -> Any:
        if path.startswith("/api/"):
            return client.get(path, headers=headers, status=200)
        return client.get(path, status=200)

    bare = TestApp(bare_app())
    rows = []
    floor = cpu_per_request(lambda p: bare.get(p), "/", args.requests)
    floor_p50 = statistics.median(floor)
    rows.append(
        ("bare Pyramid view (same process)", floor_p50, sorted(floor)[int(len(floor) * 0.9)])
    )
    names = args.page or list(PAGES)
    profiles = {}
    for name in names:
        path = PAGES[name].format(incident=f"/incidents/{incident}/")
        for _ in range(10):
            get(path)  # warm: templates compiled, objects in the cache
        times = cpu_per_request(get, path, args.requests)
        rows.append((name, statistics.median(times), sorted(times)[int(len(times) * 0.9)]))
        if args.top:
            profile = cProfile.Profile(time.thread_time)  # CPU: other processes do not count
            profile.enable()
            for _ in range(max(20, args.requests // 4)):
                get(path)
            profile.disable()
            profiles[name] = profile
    count = app.registry.settings.get("itsm.bench_incidents") or "?"
    print(f"\nCPU per request, one thread, p50 / p90 of {args.requests} ({count} incidents)")
    print("| page | p50 ms | p90 ms | times the bare view |")
    print("|---|---|---|---|")
    for name, p50, p90 in rows:
        print(f"| {name} | {p50:.2f} | {p90:.2f} | {p50 / floor_p50:.0f}x |")
    for name, profile in profiles.items():
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out).sort_stats(args.sort)
        stats.print_stats(args.top)
        if args.callers:
            stats.print_callers(args.callers)
        print(f"\n## {name}: cumulative time\n")
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:6000])
    print(
        f"\nreproduce: .venv/bin/python bench/read_profile.py {args.ini} --requests {args.requests}"
    )


if __name__ == "__main__":
    main()
