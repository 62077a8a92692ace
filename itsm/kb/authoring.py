"""Writing articles: create, edit (each save a version), restore, transitions, links to
incidents, and a draft from a resolved incident. Views and the API both call these."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from itsm.i18n import _
from itsm.kb.models import AUDIENCES, LANGUAGES, Article
from itsm.kb.workflow import WORKFLOW
from itsm.numbering import allocate_number, next_number
from itsm.search.catalog import mark_changed, new_docid, reindex
from itsm.tickets.context import ActionContext
from itsm.tickets.workflow import TransitionError, fire

MAX_TITLE = 200
MAX_BODY = 100_000
EDITABLE = ("title", "body", "category", "tags", "language", "audience", "owner", "review_date")


class ArticleError(TransitionError):
    """Invalid article fields (400, with a message per field)."""

    status = 400
    code = "invalid"


def clean_tags(tags: Any) -> tuple[str, ...]:
    if isinstance(tags, str):
        tags = tags.split(",")
    cleaned = (str(t).strip().lower()[:50] for t in tags or ())
    return tuple(dict.fromkeys(t for t in cleaned if t))[:20]


def validate(root: Any, fields: Mapping[str, Any], article: Article | None = None) -> dict:
    """Field errors of ``fields`` (only the keys given are checked)."""
    errors: dict[str, Any] = {}
    if "title" in fields and not (fields["title"] or "").strip():
        errors["title"] = _("Required")
    if "title" in fields and len(fields["title"] or "") > MAX_TITLE:
        errors["title"] = _("At most ${n} characters.", mapping={"n": MAX_TITLE})
    if "body" in fields and len(fields["body"] or "") > MAX_BODY:
        errors["body"] = _("At most ${n} characters.", mapping={"n": MAX_BODY})
    if "language" in fields and fields["language"] not in LANGUAGES:
        errors["language"] = _("Choose one of the options.")
    if "audience" in fields and fields["audience"] not in AUDIENCES:
        errors["audience"] = _("Choose one of the options.")
    if fields.get("owner") and fields["owner"] not in root["people"]:
        errors["owner"] = _("Unknown person.")
    if "review_date" in fields and fields["review_date"] not in (None, ""):
        if not isinstance(fields["review_date"], date):
            errors["review_date"] = _("Invalid date.")
    translation = fields.get("translation")
    if translation:
        other = root["kb"].get(str(translation).upper())
        if other is None or other is article:
            errors["translation"] = _("No such article.")
    return errors


def _apply(root: Any, article: Article, fields: Mapping[str, Any]) -> None:
    for key in EDITABLE:
        if key not in fields:
            continue
        value = fields[key]
        if key == "tags":
            value = clean_tags(value)
        elif key in ("title", "category"):
            value = (value or "").strip()
        elif key in ("owner", "review_date"):
            value = value or None
        setattr(article, key, value)
    if "translation" in fields:
        link_translation(root, article, fields["translation"] or None)


def _changed(root: Any, obj: Any) -> None:
    """Reindex ``obj`` at commit; a root not in a connection yet (the demo, loaded in the
    transaction that creates the tree) has no transaction to hook, so index now."""
    if root._p_jar is None:
        reindex(root, obj)
    else:
        mark_changed(root, obj)


def link_translation(root: Any, article: Article, number: str | None) -> None:
    """Link ``article`` and ``number`` both ways (and unlink what they were linked to)."""
    kb = root["kb"]
    old = kb.get(article.translation) if article.translation else None
    if old is not None and old.translation == article.number:
        old.translation = None
        _changed(root, old)
    article.translation = None
    if number:
        other = kb[str(number).upper()]
        previous = kb.get(other.translation) if other.translation else None
        if previous is not None and previous is not article:
            previous.translation = None
        other.translation = article.number
        article.translation = other.number


def create_article(
    ctx: ActionContext, fields: Mapping[str, Any], *, number: str | None = None
) -> Article:
    """A new draft article owned by the actor (unless ``owner`` is given)."""
    root = ctx.root
    errors = validate(root, fields)
    if not (fields.get("title") or "").strip():
        errors["title"] = _("Required")
    if errors:
        raise ArticleError(_("Some fields are not valid."), errors)
    number = number or allocate_number(root._p_jar.db(), "kb")
    article = Article(number, new_docid(root), ctx.now)
    article.owner = ctx.actor
    root["kb"].add(number, article)
    _apply(root, article, fields)
    article.source_incident = fields.get("source_incident") or None
    article.add_version(ctx.now, ctx.actor, "created")
    article.history.record(ctx.now, ctx.actor, "created")
    _changed(root, article)
    return article


def update_article(
    ctx: ActionContext, article: Article, fields: Mapping[str, Any], note: str = ""
) -> bool:
    """Change fields; a changed title or body is saved as a new version. True if anything
    changed."""
    errors = validate(ctx.root, fields, article)
    if errors:
        raise ArticleError(_("Some fields are not valid."), errors)
    before = {key: getattr(article, key) for key in (*EDITABLE, "translation")}
    _apply(ctx.root, article, fields)
    changed = [k for k, v in before.items() if getattr(article, k) != v]
    if not changed:
        return False
    for key in changed:
        if key not in ("body",):
            after = getattr(article, key)
            article.history.record(
                ctx.now, ctx.actor, "field", field=key, before=before[key], after=after
            )
    if "title" in changed or "body" in changed:
        article.add_version(ctx.now, ctx.actor, note)
    article.updated = ctx.now
    _changed(ctx.root, article)
    return True


def restore_version(ctx: ActionContext, article: Article, number: int) -> bool:
    """Make version ``number``'s title and body current again (as a new version)."""
    version = article.versions.get(number)
    if version is None:
        raise ArticleError(_("No such version."), {"version": _("No such version.")})
    return update_article(
        ctx,
        article,
        {"title": version.title, "body": version.body},
        note=f"restored version {number}",
    )


def transition(ctx: ActionContext, article: Article, name: str, note: str = "") -> None:
    fire(
        WORKFLOW,
        article,
        name,
        actor=ctx.actor,
        roles=ctx.roles,
        fields={"note": note},
        now=ctx.now,
    )
    _changed(ctx.root, article)


def link_incident(ctx: ActionContext, article: Article, incident: Any) -> bool:
    """Remember that ``article`` helps with ``incident`` (on both). False if it already was."""
    if article.number in incident.kb_links:
        return False
    incident.kb_links = (*incident.kb_links, article.number)
    incident.history.record(ctx.now, ctx.actor, "link", field="kb", after=article.number)
    article.incidents = (*article.incidents, incident.number)
    _changed(ctx.root, incident)
    return True


def draft_from_incident(incident: Any) -> dict[str, Any]:
    """Fields of a new article prefilled from a resolved incident."""
    from itsm.incidents.workflow import CLOSED, RESOLVED

    if incident.status not in (RESOLVED, CLOSED):
        raise ArticleError(
            _("Only a resolved incident can become an article."),
            {"incident": _("Not resolved yet.")},
        )
    parts = [incident.description or "", "", "## Solution", "", incident.resolution or ""]
    return {
        "title": incident.title,
        "body": "\n".join(parts).strip() + "\n",
        "category": incident.category or "",
        "source_incident": incident.number,
    }


def demo_number(root: Any) -> str:
    """A number taken inside the current transaction (demo loading, where the counters may
    not be committed yet for allocate_number's own connection)."""
    return next_number(root.counters, "kb")
