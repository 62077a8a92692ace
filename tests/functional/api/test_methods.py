"""An undeclared method on an API path is 405 with ``Allow`` (S1's schemathesis check), and the
OpenAPI description's server joins with its paths into the desk's real addresses."""

from __future__ import annotations

from tests.functional.incidents.conftest import ApiClient


def test_an_undeclared_method_is_405_with_allow(app):
    agent = ApiClient(app, "agent")
    spec = agent.get("/api/v1/openapi.json").json
    declared = sorted(m.upper() for m in spec["paths"]["/api/v1/incidents"])
    answer = agent.client.request(
        "/api/v1/incidents", method="TRACE", headers=agent.headers, status=405
    )
    assert answer.headers["Allow"] == ", ".join(declared)
    assert answer.json["error"]["code"] == "method_not_allowed"
    # A path that is not there at all stays 404; a declared method still works.
    agent.client.request("/api/v1/nothing-here", method="TRACE", headers=agent.headers, status=404)
    agent.get("/api/v1/incidents")


def test_the_server_and_the_paths_make_the_real_addresses(app):
    agent = ApiClient(app, "agent")
    spec = agent.get("/api/v1/openapi.json").json
    server = spec["servers"][0]["url"]
    assert server == "http://localhost"
    assert all(path.startswith("/api/v1/") for path in spec["paths"])
    agent.get(server.removeprefix("http://localhost") + "/api/v1/incidents")
