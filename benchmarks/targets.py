"""The targets the benchmarks report, and the table `python -m benchmarks` ends with.

A benchmark reports each target it measures with one call, beside the baseline or floor it
measured in the same run:

    record("commit a note: p99 < 16 ms", f"{p99:.1f} ms", f"naive one-file TinyDB {naive:.0f} ms",
           met=p99 < 16)

A missed target is a line marked "missed", never an exception: the run goes on to the next
benchmark. `table()` lays out everything recorded so far.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    target: str
    """What is promised, with its bound: "tag picker keystroke: p99 < 5 ms"."""
    measured: str
    """The figure measured, with its unit."""
    baseline: str
    """The naive baseline or floor measured in the same run, saying which it is."""
    met: bool


RECORDED: list[Target] = []


def record(target: str, measured: str, baseline: str, met: bool) -> None:
    """Report one target of the running benchmark for the closing table."""
    RECORDED.append(Target(target, measured, baseline, met))


def table(targets: list[Target] | None = None) -> str:
    rows = RECORDED if targets is None else targets
    if not rows:
        return "No target was recorded."
    header = ("target", "measured", "baseline or floor", "verdict")
    cells = [header] + [
        (row.target, row.measured, row.baseline, "met" if row.met else "MISSED") for row in rows
    ]
    widths = [max(len(cell[i]) for cell in cells) for i in range(3)]
    lines = [
        "  ".join(cell[i].ljust(widths[i]) for i in range(3)) + "  " + cell[3] for cell in cells
    ]
    lines.insert(1, "-" * len(lines[0]))
    missed = sum(not row.met for row in rows)
    lines.append(f"{len(rows) - missed} of {len(rows)} targets met")
    return "\n".join(lines)
