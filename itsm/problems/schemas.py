"""The "raise a problem" form (``/problems/new``): a colander schema of what the page posts,
and its translation into the data :func:`itsm.problems.actions.create_problem` takes (as the
API's). The domain checks what needs the database (categories, CIs, incidents)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import colander

from itsm.i18n import _
from itsm.tickets.priority import LEVELS

#: The form's inputs, in order.
FIELDS = ("title", "description", "category", "impact", "urgency", "cis", "incidents")


def _text(name: str, max_length: int, required: bool = False) -> colander.SchemaNode:
    return colander.SchemaNode(
        colander.String(),
        name=name,
        missing=colander.required if required else "",
        missing_msg=_("Required"),
        validator=colander.Length(
            max=max_length, max_err=_("At most ${max} characters.", mapping={"max": max_length})
        ),
        preparer=lambda v: v.strip() if isinstance(v, str) else v,
    )


def problem_form_schema() -> colander.Schema:
    schema = colander.Schema()
    schema.add(_text("title", 200, required=True))
    schema.add(_text("description", 20000))
    schema.add(_text("category", 100))
    for level in ("impact", "urgency"):
        schema.add(
            colander.SchemaNode(
                colander.String(),
                name=level,
                missing="medium",
                validator=colander.OneOf(LEVELS, msg_err=_("Choose one of the options.")),
            )
        )
    schema.add(_text("cis", 5000))
    schema.add(_text("incidents", 10000))
    return schema


def split_numbers(text: str) -> list[str]:
    """ "INC-1, inc-2 ;INC-3" -> ["INC-1", "INC-2", "INC-3"]."""
    parts = text.replace(";", ",").replace("\n", ",").replace(" ", ",").split(",")
    return list(dict.fromkeys(p.strip().upper() for p in parts if p.strip()))


def form_data(
    values: Mapping[str, str], translate: Any = str
) -> tuple[dict[str, Any], list[str], dict[str, Any]]:
    """``(data for create_problem, incident numbers, field errors)`` of the posted form."""
    try:
        clean = problem_form_schema().deserialize(dict(values))
    except colander.Invalid as error:
        return {}, [], error.asdict(translate=translate)
    data = {k: clean[k] for k in ("title", "description", "category", "impact", "urgency")}
    data["cis"] = split_numbers(clean["cis"])
    return data, split_numbers(clean["incidents"]), {}
