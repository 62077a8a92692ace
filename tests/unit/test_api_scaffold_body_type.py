"""``Endpoints.settings``: a JSON body is validated, a body of another type only documented."""

from __future__ import annotations

from itsm.api.scaffold import Endpoints


def test_a_json_body_is_documented_and_validated():
    api = Endpoints(__name__, ["t"])
    api.route("t", "/t/{id}")
    settings = api.settings("t", "POST", "view", "Do", {}, body={"type": "object"})
    body = settings["openapi"]["requestBody"]
    assert body == {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
    assert settings["openapi"]["parameters"][0]["name"] == "id"
    assert api.documented == []


def test_a_body_of_another_type_is_documented_only():
    api = Endpoints(__name__, ["t"])
    api.route("t", "/t")
    raw = {"type": "string", "format": "binary"}
    settings = api.settings(
        "t", "POST", None, "Take", {}, body=raw, body_type="message/rfc822", security=[]
    )
    assert "openapi" not in settings and "security" not in settings
    [(method, operation)] = api.documented
    assert method == "POST" and operation["path"] == "/t" and operation["security"] == []
    assert operation["requestBody"]["content"] == {"message/rfc822": {"schema": raw}}
