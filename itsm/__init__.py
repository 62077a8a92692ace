"""itsm: an ITIL service desk for a company's own employees (Pyramid + ZODB)."""

from __future__ import annotations

from typing import Any


def main(global_config: dict[str, Any], **settings: Any) -> Any:
    """The WSGI application (PasteDeploy ``egg:itsm``)."""
    # Imported here, not at the top: importing any itsm module (``itsm-mail-in``, run by the
    # MTA once per mail, needs only itsm.settings) then costs no Pyramid start-up.
    from pyramid.config import Configurator

    settings.setdefault("tm.manager_hook", "pyramid_tm.explicit_manager")
    settings.setdefault("retry.attempts", "5")
    # pyramid_tm would read the identity (from ZODB) outside the exception views: a database
    # outage there became a traceback instead of the 503 page.
    settings.setdefault("tm.annotate_user", "false")
    # Admin commands and itsm-worker load the app with itsm.scheduler=off in global_config.
    if "itsm.scheduler" in global_config:
        settings["itsm.scheduler"] = global_config["itsm.scheduler"]
    with Configurator(settings=settings) as config:
        config.include("itsm.settings")
        config.include("pyramid_retry")
        config.include("itsm.retry")
        config.include("pyramid_tm")
        config.include("itsm.writelock")
        config.include("pyramid_zodbconn")
        config.include("pyramid_chameleon")
        config.include("itsm.tree")
        config.include("itsm.storage")
        config.include("itsm.i18n")
        config.include("itsm.security")
        config.include("itsm.directory")
        config.include("itsm.worker")
        config.include("itsm.notify")
        config.include("itsm.search")
        config.include("itsm.sla")
        config.include("itsm.evolve")
        config.include("itsm.ui")
        config.include("itsm.api")
        config.include("itsm.people")
        config.include("itsm.health")
        config.include("itsm.incidents")
        config.include("itsm.kb")
        config.include("itsm.selfservice")
        config.include("itsm.cmdb")
        config.include("itsm.approvals")
        config.include("itsm.requests")
        config.include("itsm.changes")
        config.include("itsm.problems")
        config.include("itsm.mailin")
        config.include("itsm.admin")
        config.include("itsm.reports")
        config.include("itsm.audit")
        config.include("itsm.sync")
        config.include("itsm.chat")
        app = config.make_wsgi_app()
    from itsm.storage import after_start

    after_start(app.registry)
    return app
