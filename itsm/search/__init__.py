"""The catalog: hypatia indexes at the root, ru/en stemming, reindexing at commit.

See ARCHITECTURE.md (Search) and :mod:`itsm.search.catalog`.
"""

from typing import Any


def catalog_search(request: Any, **kw: Any) -> tuple[int, list[Any]]:
    """``request.catalog_search(**kw)``: :func:`itsm.search.catalog.search` on this request's
    root. It does not filter by permission: callers restrict by requester, group, etc."""
    from itsm.search.catalog import search

    return search(request.itsm_root, **kw)


def includeme(config: Any) -> None:
    from itsm.search.catalog import ensure_catalog, text_drain_job

    config.add_itsm_setup("catalog", ensure_catalog)
    # The deferred text index's queue (itsm.search.textqueue), drained every few seconds.
    config.add_itsm_job("search_text_drain", text_drain_job, 5)
    config.add_request_method(catalog_search, "catalog_search")
