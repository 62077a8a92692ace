"""Knowledge base: articles, versions, search with snippets, votes and deflection."""

from typing import Any


def includeme(config: Any) -> None:
    from itsm.containers import KnowledgeBase
    from itsm.kb.jobs import review_reminder_job

    config.add_itsm_container("kb", KnowledgeBase)
    config.include("itsm.kb.api")
    config.scan("itsm.kb.views")
    # Hourly is plenty for a date-based reminder; each review date is mailed once.
    config.add_itsm_job("kb_review_reminders", review_reminder_job, 3600)
