"""`python -m benchmarks`' command line: the README names `--quick` and section words; anything
else is a usage error, never a run of every benchmark (minutes of a shared machine)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_benchmarks(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "benchmarks", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_help_prints_the_usage_and_the_sections_and_runs_nothing():
    result = run_benchmarks("--help")
    assert result.returncode == 0
    assert "usage:" in result.stdout
    assert "--quick" in result.stdout
    assert "commit a note" in result.stdout
    assert "== " not in result.stdout


def test_a_word_that_names_no_section_is_refused_with_the_sections():
    result = run_benchmarks("--quick", "comit")
    assert result.returncode == 2
    assert "comit" in result.stderr
    assert "commit a note" in result.stderr
    assert "== " not in result.stdout


def test_an_unknown_option_is_refused_before_anything_runs():
    result = run_benchmarks("--quik", "commit")
    assert result.returncode == 2
    assert "--quik" in result.stderr
    assert "== " not in result.stdout
