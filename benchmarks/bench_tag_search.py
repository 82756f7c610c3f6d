"""Tag picker search: per-keystroke latency of `TagIndex` against the naive rapidfuzz scan.

Run with `python -m benchmarks.bench_tag_search` (add `--quick` for a short run). The budget
(docs/ARCHITECTURE.md, "Budgets") is p99 under 5 ms per keystroke with 10,000 tags.

The naive baseline is what a first picker would do: rebuild the list of names and call
`process.extract` with `WRatio` over all of them on every keystroke.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from rapidfuzz import fuzz, process

from benchmarks.targets import record
from tui.services.search import TagIndex, TagStats

SEED = 20240611
TAG_COUNT = 10_000

# What a researcher types into the picker, keystroke by keystroke.
QUERIES = (
    "onbord",
    "pricing",
    "export csv",
    "frustr",
    "sso login",
    "überweisung",
    "支払",
    "pain/perf",
    "need/integ",
    "dashbord slow",
)

_KINDS = (
    "pain",
    "need",
    "goal",
    "tool",
    "behavior",
    "emotion",
    "workaround",
    "feature",
    "persona",
    "context",
    "quote",
    "insight",
)
_AREAS = (
    "onboarding",
    "pricing",
    "billing",
    "export",
    "import",
    "login",
    "sso",
    "search",
    "reporting",
    "dashboard",
    "notifications",
    "permissions",
    "integration",
    "mobile",
    "performance",
    "support",
    "documentation",
    "collaboration",
    "sharing",
    "security",
    "settings",
    "calendar",
    "invoicing",
    "analytics",
    "migration",
    "accessibility",
    "trust",
    "workflow",
    "spreadsheet",
    "email",
    "api",
    "templates",
    "approvals",
    "audit-log",
    "offline",
    "localization",
    "contracts",
    "procurement",
    "handoff",
    "feedback",
)
_LEAVES = (
    "sso",
    "csv",
    "pdf",
    "xlsx",
    "setup",
    "trial",
    "invoice",
    "slow-load",
    "2fa",
    "password-reset",
    "first-week",
    "empty-state",
    "too-many-steps",
    "unclear-copy",
    "hidden-setting",
    "bulk-edit",
    "undo",
    "shortcuts",
    "dark-mode",
    "tablet",
    "roles",
    "guest-access",
    "seat-pricing",
    "annual-plan",
    "discount",
    "churn-risk",
    "manager-approval",
    "weekly-report",
    "custom-fields",
    "filters",
    "sort-order",
    "timezone",
    "currency",
    "vat",
    "refund",
    "webhooks",
    "zapier",
    "slack",
    "jira",
    "salesforce",
    "frustration",
    "frustrated-by-sync",
    "confusion",
    "delight",
    "anxiety",
    "workaround-copy-paste",
    "spreadsheet-export",
    "export-csv",
    "login-loop",
    "sso-login",
    "session-timeout",
    "data-loss",
    "duplicate-records",
    "merge-conflict",
    "version-history",
    "print",
    "screen-reader",
    "keyboard-only",
    "large-files",
    "sync-delay",
)
_UNICODE = (
    "café",
    "Überweisung",
    "Überweisung/sepa",
    "支払い",
    "支払い/遅延",
    "請求書",
    "ログイン",
    "оплата",
    "оплата/карта",
    "naïve-user",
    "façade",
    "straße",
    "señal",
    "zahlung/verspätet",
    "🔥/urgent",
    "💡/idea",
    "😤",
    "✅/solved",
    "Ärger/abrechnung",
    "épargne",
)


def generate_tags(count: int = TAG_COUNT, seed: int = SEED) -> list[TagStats]:
    """`count` distinct, realistic research codes with skewed uses and random recency."""
    rng = random.Random(seed)
    now = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    names: dict[str, str] = {}

    def put(name: str) -> None:
        names.setdefault(name.casefold(), name)

    for name in _UNICODE:
        put(name)
    for kind in _KINDS:
        put(kind)
        for area in _AREAS:
            put(f"{kind}/{area}")
    while len(names) < count:
        roll = rng.random()
        kind, area, leaf = rng.choice(_KINDS), rng.choice(_AREAS), rng.choice(_LEAVES)
        if roll < 0.70:
            put(f"{kind}/{area}/{leaf}")
        elif roll < 0.85:
            put(f"{kind}/{area}-{leaf}")
        elif roll < 0.95:
            put(f"{kind}/{area}/{leaf}/{rng.choice(_LEAVES)}")
        else:
            put(f"{rng.choice(_UNICODE)}/{leaf}")
    tags = []
    for name in list(names.values())[:count]:
        uses = int(rng.paretovariate(1.2)) - 1 if rng.random() < 0.9 else 0
        if uses:
            when = now - timedelta(seconds=rng.randrange(365 * 24 * 3600))
            last = when.isoformat().replace("+00:00", "Z")
        else:
            last = None
        tags.append(TagStats(name=name, uses=uses, last_used_at=last))
    return tags


def _keystrokes(queries: tuple[str, ...]) -> list[str]:
    return [query[:end] for query in queries for end in range(1, len(query) + 1)]


def _summary(samples_ns: list[int]) -> dict[str, float]:
    ms = sorted(ns / 1e6 for ns in samples_ns)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    return {"p50": statistics.median(ms), "p99": p99, "max": ms[-1], "n": len(ms)}


def _time_index(index: TagIndex, keystrokes: list[str], rounds: int) -> list[int]:
    samples = []
    for _ in range(rounds):
        for text in keystrokes:
            start = time.perf_counter_ns()
            index.search(text)
            samples.append(time.perf_counter_ns() - start)
    return samples


def _time_naive(tags: list[TagStats], keystrokes: list[str], rounds: int) -> list[int]:
    samples = []
    for _ in range(rounds):
        for text in keystrokes:
            start = time.perf_counter_ns()
            choices = [tag.name for tag in tags]
            process.extract(text, choices, scorer=fuzz.WRatio, processor=str.casefold, limit=20)
            samples.append(time.perf_counter_ns() - start)
    return samples


def run(quick: bool = False) -> dict:
    """Measure both approaches; return the numbers (milliseconds) as a dict."""
    tags = generate_tags()
    keystrokes = _keystrokes(QUERIES)
    rounds_index, rounds_naive = (3, 1) if quick else (20, 3)

    start = time.perf_counter_ns()
    index = TagIndex(tags)
    build_ms = (time.perf_counter_ns() - start) / 1e6

    _time_index(index, keystrokes, 1)  # warm caches, as a running app would be
    indexed = _summary(_time_index(index, keystrokes, rounds_index))
    naive = _summary(_time_naive(tags, keystrokes, rounds_naive))

    top = {query: [m.name for m in index.search(query, limit=3)] for query in QUERIES}
    record(
        f"tag picker keystroke, {len(tags):,} tags: p99 < 5 ms",
        f"{indexed['p99']:.2f} ms",
        f"naive WRatio scan {naive['p99']:.1f} ms",
        indexed["p99"] < 5,
    )
    return {
        "tags": len(tags),
        "keystrokes": len(keystrokes),
        "build_ms": build_ms,
        "index": indexed,
        "naive": naive,
        "ratio_p50": naive["p50"] / indexed["p50"],
        "ratio_p99": naive["p99"] / indexed["p99"],
        "top": top,
    }


def report(result: dict) -> str:
    lines = [
        f"tag search: {result['tags']} tags, {result['keystrokes']} keystrokes per round",
        f"  index build          {result['build_ms']:8.1f} ms (once)",
    ]
    for label, key in (("TagIndex", "index"), ("naive WRatio scan", "naive")):
        s = result[key]
        lines.append(
            f"  {label:<20} p50 {s['p50']:6.3f} ms  p99 {s['p99']:6.3f} ms  "
            f"max {s['max']:6.3f} ms  (n={s['n']})"
        )
    lines.append(
        f"  naive / index        p50 x{result['ratio_p50']:.1f}  p99 x{result['ratio_p99']:.1f}"
        f"  (budget: p99 < 5 ms)"
    )
    lines.append("  top 3 per query:")
    for query, names in result["top"].items():
        lines.append(f"    {query!r:18} {', '.join(names)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    args = parser.parse_args(argv)
    print(report(run(quick=args.quick)))


if __name__ == "__main__":
    main()
