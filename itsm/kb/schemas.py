"""The article form (colander): the same fields the API accepts."""

from __future__ import annotations

import colander

from itsm.i18n import _
from itsm.kb.authoring import MAX_BODY, MAX_TITLE
from itsm.kb.models import AUDIENCES, LANGUAGES


class ArticleSchema(colander.MappingSchema):
    title = colander.SchemaNode(
        colander.String(), title=_("Title"), validator=colander.Length(1, MAX_TITLE)
    )
    body = colander.SchemaNode(
        colander.String(),
        title=_("Text (Markdown)"),
        validator=colander.Length(0, MAX_BODY),
        missing="",
    )
    category = colander.SchemaNode(
        colander.String(), title=_("Category"), validator=colander.Length(0, 100), missing=""
    )
    tags = colander.SchemaNode(
        colander.String(), title=_("Tags"), validator=colander.Length(0, 1000), missing=""
    )
    language = colander.SchemaNode(
        colander.String(), title=_("Language"), validator=colander.OneOf(LANGUAGES)
    )
    translation = colander.SchemaNode(
        colander.String(), title=_("Translation"), missing="", validator=colander.Length(0, 20)
    )
    audience = colander.SchemaNode(
        colander.String(), title=_("Audience"), validator=colander.OneOf(AUDIENCES)
    )
    owner = colander.SchemaNode(colander.String(), title=_("Owner"), missing="")
    review_date = colander.SchemaNode(colander.Date(), title=_("Review date"), missing=None)
    note = colander.SchemaNode(
        colander.String(), title=_("What changed"), missing="", validator=colander.Length(0, 500)
    )


def read_form(post: dict[str, str]) -> dict:
    """The form's fields validated (colander.Invalid when they are not)."""
    return ArticleSchema().deserialize({k: v for k, v in post.items() if v != ""})
