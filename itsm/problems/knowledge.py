"""A known error's workaround as a knowledge base article: published for employees (who then
see it in deflection while reporting an incident), withdrawn (retired) when the problem is
resolved, closed or cancelled."""

from __future__ import annotations

import dataclasses
from typing import Any

from itsm.i18n import _, localizer_for
from itsm.kb import authoring
from itsm.kb.workflow import PUBLISHED, RETIRED
from itsm.security.roles import has_staff_role
from itsm.tickets.context import ActionContext
from itsm.tickets.workflow import NotAllowedNow

TAG = "known-error"
ARTICLE_TITLE = _("Workaround: ${title}")
ARTICLE_INTRO = _("This is a known error (${number}); IT is working on a fix. Until then:")


def article_of(root: Any, problem: Any) -> Any:
    return root["kb"].get(problem.kb_article) if problem.kb_article else None


def publish(ctx: ActionContext, problem: Any) -> Any:
    """Publish the workaround as an article for everyone (a new version if it exists)."""
    if not has_staff_role(ctx.roles):
        raise NotAllowedNow(_("Only IT staff work on problems."))
    if not problem.known_error:
        raise NotAllowedNow(_("Only a known error (root cause and workaround) can be published."))
    language = ctx.settings.default_locale
    translate = localizer_for(ctx.registry, language).translate
    fields = {
        "title": translate(_(ARTICLE_TITLE, mapping={"title": problem.title}))[:200],
        "body": translate(_(ARTICLE_INTRO, mapping={"number": problem.number}))
        + "\n\n"
        + problem.workaround
        + "\n",
        "category": problem.category,
        "tags": (TAG, problem.number.lower()),
        "language": language if language in ("en", "ru") else "en",
        "audience": "everyone",
    }
    article = article_of(ctx.root, problem)
    if article is None:
        article = authoring.create_article(ctx, fields)
        problem.kb_article = article.number
        problem.history.record(ctx.now, ctx.actor, "link", field="kb_article", after=article.number)
    else:
        authoring.update_article(ctx, article, fields, note=problem.number)
        if article.status == RETIRED:
            authoring.transition(ctx, article, "revive", problem.number)
    if article.status != PUBLISHED:
        authoring.transition(ctx, article, "publish", problem.number)
    return article


def withdraw(ctx: ActionContext, problem: Any) -> bool:
    """Retire the problem's published article; whether there was one to retire."""
    article = article_of(ctx.root, problem)
    if article is None or article.status == RETIRED:
        return False
    # The desk's rule, whoever resolved the problem: act with IT staff's rights on the article.
    staff = dataclasses.replace(ctx, roles=ctx.roles | {"agent"})
    authoring.transition(staff, article, "retire", problem.number)
    problem.history.record(ctx.now, ctx.actor, "unlink", field="kb_article", before=article.number)
    return True
