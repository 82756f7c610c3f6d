"""The talk-time meter's part of the interview header: the participant's share of the talking
against the 70-80% target, amber outside it, and who is talking now."""

from __future__ import annotations

from rich.text import Text

from tui.domain.pacing import PARTICIPANT, TARGET_SHARE
from tui.services.interview_aids import InterviewAids

SPEAKER_LETTERS = {PARTICIPANT: "P", "interviewer": "I"}


def talk_meter(aids: InterviewAids, warning_color: str) -> Text | None:
    """None while the meter is off (until the talk key is first pressed)."""
    if not aids.talk_on:
        return None
    share = aids.talk().participant_share
    meter = Text(no_wrap=True)
    low, high = (round(100 * bound) for bound in TARGET_SHARE)
    if share is None:
        meter.append("  talk P --%", style="dim")
    else:
        percent = round(100 * share)
        outside = not low <= percent <= high
        meter.append("  talk ")
        meter.append(f"P {percent}%", style=f"bold {warning_color}" if outside else "bold")
    speaker = aids.speaker
    if speaker is not None:
        meter.append(f" \u25b8{SPEAKER_LETTERS[speaker]}", style="reverse")
    return meter
