"""The matrix's label placement: the grid of placed boxes answers as testing every box."""

from __future__ import annotations

import random

from tui.services.chart_labels import Box, _Taken


def test_a_spot_is_taken_exactly_when_it_overlaps_a_box_placed_before():
    # Edges on a half-pixel grid, so boxes exactly GAP apart (just free) come up often, and
    # some reach past the chart's origin (negative cells).
    rng = random.Random(22)

    def box() -> Box:
        left, top = rng.randrange(-40, 400) / 2, rng.randrange(-40, 200) / 2
        return Box(left, top, left + rng.randrange(1, 60) / 2, top + rng.randrange(1, 30) / 2)

    placed = [box() for _ in range(40)]
    taken = _Taken()
    for each in placed:
        taken.add(each)
    answers = []
    for _ in range(3000):
        spot = box()
        expected = any(spot.overlaps(other) for other in placed)
        assert taken.overlaps(spot.left, spot.top, spot.right, spot.bottom) == expected, spot
        answers.append(expected)
    assert 0.2 < sum(answers) / len(answers) < 0.8  # both answers are tested, many times
