"""Clusters of similar incidents and known-error matching: pure functions on plain objects."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from itsm.problems.clusters import find_clusters
from itsm.problems.matching import matches, title_similarity


@dataclass
class Inc:
    number: str
    title: str
    category: str = "network"
    cis: tuple[str, ...] = ()


@dataclass
class Prb:
    number: str
    title: str
    category: str = "network"
    cis: tuple[str, ...] = ()


def test_stemmed_titles_are_similar_in_both_languages() -> None:
    assert title_similarity("VPN drops", "the vpn keeps dropping") == 1.0
    assert title_similarity("Не работает VPN", "VPN не работал") == 1.0
    assert title_similarity("Printer jams", "VPN drops") == 0.0


@given(st.text(max_size=40), st.text(max_size=40))
def test_similarity_is_symmetric_and_between_0_and_1(a: str, b: str) -> None:
    assert 0.0 <= title_similarity(a, b) <= 1.0
    assert title_similarity(a, b) == title_similarity(b, a)


def test_five_similar_titles_in_one_category_make_a_cluster_and_four_do_not() -> None:
    vpn = [Inc(f"INC-{n}", t) for n, t in enumerate(["VPN drops"] * 4 + ["vpn dropped"])]
    noise = [Inc("INC-90", "VPN drops", category="access"), Inc("INC-91", "Printer jams")]
    (cluster,) = find_clusters([*vpn, *noise], 5)
    assert cluster.incidents == tuple(i.number for i in vpn)
    assert cluster.key == "category:network:drop vpn"
    assert find_clusters([*vpn[:4], *noise], 5) == []


def test_a_ci_cluster_hides_the_title_cluster_it_contains() -> None:
    same = [Inc(f"INC-{n}", "Mail is slow", "email", ("CI-1",)) for n in range(5)]
    (cluster,) = find_clusters(same, 5)
    assert cluster.basis == "ci" and cluster.key == "ci:CI-1"


def test_known_error_matches_by_ci_or_similar_title_not_by_category_alone() -> None:
    problem = Prb("PRB-1", "VPN drops every few minutes", cis=("CI-7",))
    assert matches(problem, Inc("INC-1", "Cannot print", "hardware", ("CI-7",)))
    assert matches(problem, Inc("INC-2", "My VPN drops", "access"))
    assert matches(problem, Inc("INC-3", "VPN is slow"))  # a third, in the same category
    assert not matches(problem, Inc("INC-4", "Wi-Fi is slow"))
