"""The tag index: ranking rules, Unicode, incremental upkeep, and its layering."""

from __future__ import annotations

import subprocess
import sys

import pytest

from benchmarks.bench_tag_search import generate_tags
from tui.services.search import SURE_MARGIN, SURE_SCORE, TagIndex, TagMatch, TagStats, enter_choice


def names(matches: list[TagMatch]) -> list[str]:
    return [m.name for m in matches]


def index_of(*tags: str | TagStats) -> TagIndex:
    return TagIndex(t if isinstance(t, TagStats) else TagStats(t) for t in tags)


@pytest.fixture(scope="module")
def big() -> TagIndex:
    return TagIndex(generate_tags(10_000))


# -- layering ------------------------------------------------------------------------------


def test_search_imports_neither_textual_nor_tinydb():
    code = (
        "import sys, tui.services.search; print('textual' in sys.modules, 'tinydb' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False", "False"]


# -- classes: exact, then prefix, then fuzzy -----------------------------------------------


def test_exact_name_comes_first_whatever_the_uses():
    index = index_of(TagStats("pricing/annual", uses=90), TagStats("Pricing", uses=1))
    result = index.search("pricing")
    assert names(result) == ["Pricing", "pricing/annual"]
    assert [m.kind for m in result] == ["exact", "prefix"]


def test_exact_is_case_insensitive_and_ignores_separator_spelling():
    index = index_of("need/export-csv", "need/export")
    assert index.search("NEED/EXPORT CSV")[0].name == "need/export-csv"
    assert index.search("NEED/EXPORT CSV")[0].kind == "exact"


def test_leaf_is_exact_but_after_a_whole_name_match():
    index = index_of(
        TagStats("pain/onboarding", uses=50), TagStats("onboarding", uses=1), "onboarding-flow"
    )
    result = index.search("onboarding")
    assert names(result) == ["onboarding", "pain/onboarding", "onboarding-flow"]
    assert [m.kind for m in result] == ["exact", "exact", "prefix"]


def test_prefix_of_any_level_or_word_beats_fuzzy():
    index = index_of(
        TagStats("pain/onboarding", uses=1),
        TagStats("tool/spreadsheet", uses=1),
        TagStats("need/export-csv", uses=1),
        TagStats("onbaording-typo", uses=99),  # used more, but only fuzzy for "onboard"
        TagStats("sheets", uses=99),
    )
    assert names(index.search("onboard")) == ["pain/onboarding", "onbaording-typo"]
    assert index.search("onboard")[0].kind == "prefix"
    assert index.search("onboard")[1].kind == "fuzzy"
    assert index.search("pain/onb")[0].name == "pain/onboarding"  # whole-name prefix
    assert index.search("spread")[0].name == "tool/spreadsheet"  # a level
    assert index.search("csv")[0].name == "need/export-csv"  # a word
    assert index.search("csv exp")[0].kind == "prefix"  # words in any order
    assert index.search("sheet")[0].name == "sheets"  # "spreadsheet" only contains it


def prefixes(matches: list[TagMatch]) -> list[str]:
    return [m.name for m in matches if m.kind == "prefix"]


def test_prefix_needs_each_query_word_on_a_different_word():
    index = index_of("pain/login", "pain/login/payment")
    assert prefixes(index.search("pa pa")) == ["pain/login/payment"]


def test_typos_are_found_fuzzily():
    index = index_of("pricing", "pain/onboarding", "tool/spreadsheet", "prison")
    assert index.search("prcing")[0].name == "pricing"
    assert index.search("prcing")[0].kind == "fuzzy"
    assert index.search("onbord")[0].name == "pain/onboarding"
    assert index.search("spredsheet")[0].name == "tool/spreadsheet"
    assert index.search("xqzvw") == []


def test_fuzzy_prefers_a_match_of_the_leaf():
    index = index_of(
        TagStats("pain/onboarding/sso", uses=40),
        TagStats("pain/onboarding", uses=1),
        TagStats("need/onboarding-checklist", uses=40),
    )
    assert index.search("onbord")[0].name == "pain/onboarding"


def test_fuzzy_multi_word_query_matches_words():
    index = index_of(
        TagStats("need/documentation-slow-load", uses=50), TagStats("pain/dashboard/slow-load")
    )
    assert index.search("dashbord slow")[0].name == "pain/dashboard/slow-load"


def test_among_ten_thousand_tags_typos_still_find_the_tag(big):
    assert "pain/onboarding" in names(big.search("onbord"))
    assert big.search("prcing")[0].name.endswith("/pricing")
    assert all("dashboard" in n and "slow" in n for n in names(big.search("dashbord slow"))[:2])
    assert len(big.search("on")) == 20


# -- ties ----------------------------------------------------------------------------------


def test_ties_go_to_uses_then_recency_then_name():
    index = index_of(
        TagStats("pain/b", uses=2, last_used_at="2025-01-01T00:00:00Z"),
        TagStats("pain/a", uses=2, last_used_at="2025-01-01T00:00:00Z"),
        TagStats("pain/c", uses=2, last_used_at="2025-03-01T00:00:00Z"),
        TagStats("pain/d", uses=5, last_used_at="2024-01-01T00:00:00Z"),
        TagStats("pain/e", uses=2),
    )
    assert names(index.search("pain")) == ["pain/d", "pain/c", "pain/a", "pain/b", "pain/e"]


def test_fuzzy_scores_in_one_bucket_tie_and_uses_decide():
    # "prcing" is a little closer to "prizing" than to "repricing-page": not enough to matter
    # (one bucket), so uses decide. "price-thing" is clearly further, however much it is used.
    index = index_of(
        TagStats("prizing"), TagStats("repricing-page", uses=9), TagStats("price-thing", uses=99)
    )
    result = index.search("prcing")
    assert names(result) == ["repricing-page", "prizing", "price-thing"]
    assert 0 < result[1].score - result[0].score < 5
    assert result[0].score - result[2].score >= 1
    assert {m.kind for m in result} == {"fuzzy"}


def test_clearly_better_fuzzy_score_beats_uses():
    index = index_of(TagStats("pricing"), TagStats("pain/procurement-cycle", uses=99))
    assert index.search("prcing")[0].name == "pricing"


def test_empty_query_lists_most_used_then_most_recent():
    index = index_of(
        TagStats("a", uses=1, last_used_at="2025-05-01T00:00:00Z"),
        TagStats("b", uses=3),
        TagStats("c", uses=1, last_used_at="2025-06-01T00:00:00+00:00"),
    )
    assert names(index.search("")) == ["b", "c", "a"]
    assert names(index.search("  ", limit=1)) == ["b"]
    assert index.search("x", limit=0) == []


# -- Unicode -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("CAFÉ", "café"),
        ("caf", "café"),
        ("überweisung", "Überweisung"),
        ("uberweisung", "Überweisung"),  # fuzzy, without the umlaut
        ("strasse", "Straße"),  # casefolding: ß is ss
        ("支払", "支払い/遅延"),
        ("遅延", "支払い/遅延"),
        ("🔥", "🔥/urgent"),
        ("оплата", "оплата/карта"),
    ],
)
def test_unicode_tags(query, expected):
    index = index_of("café", "Überweisung", "Straße", "支払い/遅延", "🔥/urgent", "оплата/карта")
    assert index.search(query)[0].name == expected


def test_spans_point_into_the_name_as_written():
    index = index_of("Straße/Ärger", "need/export-csv")
    assert index.search("ärger")[0].spans == ((7, 12),)
    match = index.search("exp csv")[0]
    assert [match.name[a:b] for a, b in match.spans] == ["exp", "csv"]
    match = index.search("STRASSE")[0]
    assert [match.name[a:b] for a, b in match.spans] == ["Straße"]


# -- the collection and its upkeep ---------------------------------------------------------


def test_len_contains_and_has_exact_are_case_insensitive():
    index = index_of("Pain/Onboarding", "pain/onboarding", "café")
    assert len(index) == 2
    assert "PAIN/ONBOARDING" in index and "CAFÉ" in index and "onboarding" not in index
    assert index.has_exact("pain/onboarding ")
    assert not index.has_exact("onboarding")  # a leaf can still be created at the top level
    assert not index.has_exact("")


def test_add_remove_and_record_use_update_search_without_a_rebuild():
    index = index_of(TagStats("pain/sso", uses=5), TagStats("pain/setup", uses=1))
    assert names(index.search("pain")) == ["pain/sso", "pain/setup"]
    index.record_use("PAIN/SETUP", "2025-06-01T10:00:00Z")
    index.record_use("pain/setup", "2025-06-01T10:01:00Z")
    index.record_use("pain/setup", "2025-06-01T10:02:00Z")
    index.record_use("pain/setup", "2025-06-01T10:03:00Z")
    index.record_use("pain/setup", "2025-06-01T10:04:00Z")  # now 6 uses against 5
    assert names(index.search("pain")) == ["pain/setup", "pain/sso"]
    assert index.stats("pain/setup") == TagStats("pain/setup", 6, "2025-06-01T10:04:00Z")

    index.add(TagStats("pain/search", uses=9))
    assert prefixes(index.search("pain/se")) == ["pain/search", "pain/setup"]
    assert names(index.search("serch")) == ["pain/search"]
    index.remove("PAIN/SEARCH")
    index.remove("never/there")
    assert "pain/search" not in index
    assert index.search("serch") == []
    assert names(index.search("")) == ["pain/setup", "pain/sso"]

    index.add(TagStats("Pain/SSO", uses=0))  # replaces the spelling and the stats
    assert names(index.search("")) == ["pain/setup", "Pain/SSO"]
    assert len(index) == 2


def test_removed_slots_are_reused_cleanly():
    index = index_of(*[f"tag/{i}" for i in range(50)])
    for i in range(0, 50, 2):
        index.remove(f"tag/{i}")
    for i in range(10):
        index.add(TagStats(f"new/{i}"))
    assert len(index) == 35
    assert prefixes(index.search("tag/4")) == ["tag/41", "tag/43", "tag/45", "tag/47", "tag/49"]
    assert sorted(names(index.search("new", limit=50))) == [f"new/{i}" for i in range(10)]


def test_an_older_use_does_not_make_a_tag_less_recent():
    index = index_of(TagStats("a", uses=1, last_used_at="2025-06-01T00:00:00Z"))
    index.record_use("a", "2025-01-01T00:00:00Z")
    assert index.stats("a") == TagStats("a", 2, "2025-06-01T00:00:00Z")


def test_recording_a_use_of_an_unknown_tag_adds_it():
    index = TagIndex([])
    index.record_use("new/tag", "2025-06-01T00:00:00Z")
    assert index.stats("NEW/TAG") == TagStats("new/tag", 1, "2025-06-01T00:00:00Z")


def test_recent_is_newest_first_and_skips_unused_tags():
    index = index_of(
        TagStats("old", uses=9, last_used_at="2024-01-01T00:00:00Z"),
        TagStats("never", uses=0),
        TagStats("mid", uses=1, last_used_at="2025-01-01T00:00:00Z"),
        TagStats("new", uses=1, last_used_at="2025-05-01T00:00:00Z"),
    )
    assert index.recent() == ["new", "mid", "old"]
    assert index.recent(1) == ["new"]
    index.record_use("old", "2025-06-01T00:00:00Z")
    assert index.recent(2) == ["old", "new"]


# -- Enter: apply at once, or show the choice first ------------------------------------------


@pytest.fixture
def coded() -> TagIndex:
    """A codebook where the most used tags are not the ones a typo meant."""
    return index_of(
        TagStats("product/defect", uses=40),
        TagStats("staff/deflection", uses=2),
        TagStats("customer/investigation", uses=1),
        TagStats("pain/investing", uses=30),
        TagStats("pain/onboarding", uses=5),
        TagStats("pricing", uses=5),
        TagStats("need/export", uses=5),
        TagStats("delight/support", uses=5),
    )


def choice(index: TagIndex, query: str):
    return enter_choice(query, index.search(query))


def test_a_dropped_letter_typo_shows_every_tag_it_could_mean(coded):
    deflct = choice(coded, "deflct")
    assert not deflct.at_once
    assert names(list(deflct.rivals))[:2] == ["product/defect", "staff/deflection"]
    invstig = choice(coded, "invstig")
    assert not invstig.at_once
    assert "customer/investigation" in names(list(invstig.rivals))
    assert invstig.reason


@pytest.mark.parametrize("query", ["product/defect", "defect", "defl", "invest", "pain/onb"])
def test_exact_and_prefix_matches_apply_at_once(coded, query):
    assert coded.search(query)[0].kind in ("exact", "prefix")
    assert choice(coded, query).at_once


@pytest.mark.parametrize(
    ("query", "tag"),
    [("prcing", "pricing"), ("onbording", "pain/onboarding"), ("suport", "delight/support")],
)
def test_a_clear_typo_applies_at_once(coded, query, tag):
    result = coded.search(query)
    assert result[0].name == tag and result[0].kind == "fuzzy"
    assert choice(coded, query).at_once


def test_a_weak_top_match_is_a_choice_even_alone():
    weak = TagMatch("pain/onboarding", SURE_SCORE - 1, "fuzzy")
    assert enter_choice("onbrdng", [weak]).rivals == (weak,)
    strong = TagMatch("pain/onboarding", SURE_SCORE, "fuzzy")
    assert enter_choice("onbrdng", [strong]).at_once


def test_a_second_match_close_in_score_is_a_choice():
    top = TagMatch("need/exports", 95.0, "fuzzy")
    near = TagMatch("need/importer", 95.0 - SURE_MARGIN + 1, "fuzzy")
    far = TagMatch("need/importer", 95.0 - SURE_MARGIN, "fuzzy")
    assert enter_choice("xport", [top, near]).rivals == (top, near)
    assert enter_choice("xport", [top, far]).at_once  # "xport" is not in order in "importer"


def test_letters_in_order_count_only_from_a_word_start():
    top = TagMatch("pricing", 97.0, "fuzzy")
    inside = TagMatch("repricing", 70.0, "fuzzy")  # p-r-c-i-n-g in order, but mid-word
    starts = TagMatch("pain/pricing-page", 70.0, "fuzzy")
    assert enter_choice("prcing", [top, inside]).at_once
    assert enter_choice("prcing", [top, starts]).rivals == (top, starts)


def test_one_or_two_characters_never_apply_a_fuzzy_match_at_once(coded):
    assert coded.search("xp")[0].kind == "fuzzy"  # "need/export" contains it
    assert not choice(coded, "xp").at_once


def test_no_matches_is_nothing_to_apply():
    assert enter_choice("zzqx", []).at_once


def sample_codebook() -> TagIndex:
    """The tags of the shipped example studies, with their uses: a real codebook's shape."""
    import json
    from collections import Counter

    from tui.domain.notes import parse_inline
    from tui.services.exchange.samples import sample_studies

    uses: Counter[str] = Counter()
    for study in sample_studies():
        for path in study.glob("*.json"):
            for note in json.loads(path.read_text(encoding="utf-8")).get("notes", []):
                uses.update(parse_inline(note["text"]).tags)
    return TagIndex(TagStats(name, uses=n) for name, n in uses.items())


def one_letter_typos(word: str) -> list[str]:
    """Each letter dropped, each pair of neighbours swapped, each letter doubled."""
    typos = {word[:i] + word[i + 1 :] for i in range(1, len(word))}
    typos |= {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(1, len(word) - 1)}
    typos |= {word[:i] + word[i] + word[i:] for i in range(1, len(word))}
    return sorted(typos - {word})


def test_no_one_letter_typo_of_a_sample_tag_applies_another_tag_at_once():
    index = sample_codebook()
    assert len(index) >= 40
    asked = at_once = 0
    for name in [m.name for m in index.search("", limit=1000)]:
        leaf = name.rsplit("/", 1)[-1]
        if len(leaf) < 5:
            continue
        for typo in one_letter_typos(leaf):
            matches = index.search(typo, limit=200)
            if not matches or matches[0].kind != "fuzzy":
                continue
            decided = enter_choice(typo, matches)
            if decided.at_once:
                at_once += 1
                assert matches[0].name == name, (typo, name, matches[0].name)
            else:
                asked += 1
                assert name in names(list(decided.rivals)), (typo, name, decided.rivals)
    assert at_once > 4 * asked  # asking stays the exception
