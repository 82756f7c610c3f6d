"""All benchmarks, each beside its naive baseline: `python -m benchmarks [--quick]`."""

from __future__ import annotations

import sys

from benchmarks import (
    bench_analysis,
    bench_commit,
    bench_exchange,
    bench_import_memory,
    bench_keys,
    bench_load_checks,
    bench_open,
    bench_tag_search,
    bench_tagging,
    bench_typing,
)

quick = "--quick" in sys.argv[1:]
print("== commit a note ==")
bench_commit.run(quick=quick)
print("\n== tag picker search ==")
print(bench_tag_search.report(bench_tag_search.run(quick=quick)))
print("\n== open a big session ==")
bench_open.run(quick=quick)
print("\n== the tagging screen ==")
bench_tagging.run(quick=quick)
print("\n== type checks on load ==")
bench_load_checks.run(quick=quick)
print("\n== export and import ==")
bench_exchange.run(quick=quick)
print("\n== peak memory of hostile imports ==")
bench_import_memory.run(quick=quick)
print("\n== the analysis of a study ==")
bench_analysis.run(quick=quick)
print("\n== key to screen in a tmux pane ==")
bench_keys.run(quick=quick)
print("\n== typing 100 KB as keystrokes ==")
bench_typing.run(quick=quick)
