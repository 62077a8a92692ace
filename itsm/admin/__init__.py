"""Settings pages and API: the priority matrix, routing rules, canned replies, support groups,
business calendars and SLA policies, changed by administrators and audited."""

from typing import Any


def includeme(config: Any) -> None:
    from itsm.admin.api import add_routes
    from itsm.admin.views import SettingsItemPredicate

    config.add_view_predicate("settings_item", SettingsItemPredicate)
    add_routes(config)
    config.scan("itsm.admin.views")
    config.scan("itsm.admin.api")
