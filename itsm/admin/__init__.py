"""Settings pages and API: the priority matrix, routing rules, canned replies, support groups,
business calendars and SLA policies, changed by administrators and audited."""

from typing import Any


def includeme(config: Any) -> None:
    from itsm.admin.api import api
    from itsm.admin.area import AdminArea

    config.add_itsm_container("admin", AdminArea)
    from itsm.admin.views import SettingsItemPredicate, add_section_views

    config.add_view_predicate("settings_item", SettingsItemPredicate)
    config.scan("itsm.admin.views")
    add_section_views(config)
    api.include(config)
