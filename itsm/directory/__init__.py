"""The directory: LDAP / Active Directory or local accounts, chosen by ``itsm.directory``."""

from __future__ import annotations

from typing import Any

from itsm.directory.base import Directory


def make_directory(registry: Any, app_root: Any) -> Directory:
    """The directory for one unit of work. LDAP is shared per process (it pools its own
    connections); local accounts live in the ZODB connection of the caller."""
    settings = registry.itsm_settings
    if settings.directory == "ldap":
        directory = getattr(registry, "itsm_ldap_directory", None)
        if directory is None:
            from itsm.directory.ldap import LdapDirectory

            directory = registry.itsm_ldap_directory = LdapDirectory(settings.ldap)
        return directory
    from itsm.directory.local import LocalDirectory

    return LocalDirectory(app_root.accounts)


def includeme(config: Any) -> None:
    from itsm.folder import Folder

    # Local accounts (demo, small sites); the LDAP set-up keeps the empty folder.
    config.add_itsm_root_attribute("accounts", Folder)
    settings = config.registry.itsm_settings
    if settings.directory == "ldap":
        # Made once at start-up: a configuration error stops the start with a clear line
        # instead of a 500 on the first login, and threads never race to create it.
        from itsm.directory.ldap import LdapDirectory

        config.registry.itsm_ldap_directory = LdapDirectory(settings.ldap)

    def directory(request: Any) -> Directory:
        return make_directory(request.registry, request.itsm_root)

    config.add_request_method(directory, "directory", reify=True)
