"""Knowledge base: articles, versions, search with snippets, votes and deflection."""

from typing import Any


def includeme(config: Any) -> None:
    from itsm.containers import KnowledgeBase
    from itsm.kb.jobs import review_reminder_job
    from itsm.kb.readership import Readership, deflection_job

    config.add_itsm_container("kb", KnowledgeBase)
    config.add_itsm_root_attribute("kb_readership", Readership)
    config.add_static_view("kb-static", "itsm:kb/static", cache_max_age=3600)
    config.include("itsm.kb.api")
    config.scan("itsm.kb.views")
    # Hourly is plenty for a date-based reminder; each review date is mailed once.
    config.add_itsm_job("kb_review_reminders", review_reminder_job, 3600)
    # Deflection: searches and views become 24 hours old all the time; ten minutes is fresh
    # enough for a daily figure.
    config.add_itsm_job("kb_deflection", deflection_job, 600)
