"""Every benchmark, then one table of its targets: `python -m benchmarks [--quick] [WORD ...]`
(with words, only the sections whose title holds one: `python -m benchmarks --quick commit`).

Each target is measured beside a naive baseline (what a first version would do: TinyDB's
default storage, a scan of every tag, Textual's stock key path) or a floor (the least the
same work can cost: `cat` in the same tmux pane, the same screen over a small session, one
paste of the same text), in the same run (`bench_load_checks` sets no target: it prints its
check beside the parse it follows). The closing table shows, per target, the
figure, its baseline or floor, and met / MISSED. A missed target is a line in that table;
a benchmark that fails to run is one too ("did not run"), and the run goes on.

A benchmark reports a target with one call from `benchmarks/targets.py`:

    from benchmarks.targets import record

    record(
        "commit a note: p99 < 16 ms",        # what is promised, with its bound
        f"{p99:.1f} ms",                     # the figure measured, with its unit
        f"naive one-file TinyDB {naive:.0f} ms",  # the baseline or floor, naming which
        p99 < 16,                            # met
    )

and is added to `SECTIONS` below.
"""

from __future__ import annotations

import argparse
import sys
import traceback

from benchmarks import (
    bench_agreement,
    bench_analysis,
    bench_commit,
    bench_exchange,
    bench_import_memory,
    bench_keys,
    bench_load_checks,
    bench_open,
    bench_recording,
    bench_startup,
    bench_sync,
    bench_tag_search,
    bench_tagging,
    bench_tagging_recording,
    bench_typing,
)
from benchmarks.targets import record, table

SECTIONS = [
    ("start-up", bench_startup.run),
    ("commit a note", bench_commit.run),
    (
        "tag picker search",
        lambda quick: print(bench_tag_search.report(bench_tag_search.run(quick))),
    ),
    ("open a big session", bench_open.run),
    ("the tagging screen", bench_tagging.run),
    ("type checks on load", bench_load_checks.run),
    ("export and import", bench_exchange.run),
    ("peak memory of hostile imports", bench_import_memory.run),
    ("the analysis of a study", bench_analysis.run),
    ("a 500-session archive from the study index", bench_analysis.run_archive),
    ("agreement between two coders", bench_agreement.run),
    ("key to screen in a tmux pane", bench_keys.run),
    ("sync a study through git", bench_sync.run),
    ("typing 100 KB as keystrokes", bench_typing.run),
    ("notes aligned with a recording", bench_recording.run),
    ("the tagging screen over a recording", bench_tagging_recording.run),
]


def parse(argv: list[str]) -> argparse.Namespace:
    """The command line. A word that names no section, or an option other than --quick (a
    typo, --help), stops here: ignored, it would run every benchmark, minutes of the machine."""
    titles = [title for title, _ in SECTIONS]
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Run the benchmarks, then one table of their targets, met or MISSED.",
        epilog="sections: " + "; ".join(titles),
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    parser.add_argument(
        "words",
        nargs="*",
        metavar="WORD",
        help="run only the sections whose title holds one of the words (all without)",
    )
    args = parser.parse_args(argv)
    for word in args.words:
        if not any(word in title for title in titles):
            parser.error(f"{word!r} is in no section's title; the sections: {'; '.join(titles)}")
    return args


def main(argv: list[str]) -> None:
    args = parse(argv)
    quick, chosen = args.quick, args.words
    for title, run in SECTIONS:
        if chosen and not any(word in title for word in chosen):
            continue
        print(f"\n== {title} ==")
        try:
            run(quick=quick)
        except Exception as error:  # one benchmark's failure is a line of the table
            traceback.print_exc()
            record(title, f"did not run: {type(error).__name__}: {error}"[:60], "-", False)
    print("\n== targets ==")
    print(table())


if __name__ == "__main__":
    main(sys.argv[1:])
