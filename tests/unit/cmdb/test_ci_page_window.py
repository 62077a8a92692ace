"""The CI list links a window of pages, not all of them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from itsm.cmdb.views import page_window


def test_a_window_around_the_page_with_the_ends_and_gaps():
    assert page_window(1, 1) == [1]
    assert page_window(1, 5) == [1, 2, 3, 4, 5]
    assert page_window(500, 1001) == [1, None, 497, 498, 499, 500, 501, 502, 503, None, 1001]
    assert page_window(1001, 1001) == [1, None, 998, 999, 1000, 1001]


@given(st.integers(1, 5000), st.integers(1, 5000))
def test_the_window_is_short_ordered_and_holds_the_page_and_both_ends(a, b):
    pages, page = max(a, b), min(a, b)
    links = page_window(page, pages)
    numbers = [n for n in links if n is not None]
    assert {1, page, pages} <= set(numbers)
    assert numbers == sorted(set(numbers)) and len(links) <= 11
    assert all(x is not None or y is not None for x, y in zip(links, links[1:], strict=False))
