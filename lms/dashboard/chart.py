"""Geometry of the server-rendered funnel chart (SVG drawn by templates/dashboard/_funnel.html)."""

from __future__ import annotations

from dataclasses import dataclass

from lms.dashboard.service import Funnel

WIDTH = 300
BAR_HEIGHT = 26
ROW_HEIGHT = 54  # label line + bar


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    percent: int
    x: float
    y: float
    width: float
    label_y: float
    text_y: float


def funnel_bars(funnel: Funnel) -> tuple[list[Bar], int]:
    """One centred bar per stage, its width in proportion to the first stage; (bars, chart height)."""
    first = funnel.total
    bars = []
    for i, step in enumerate(funnel.steps):
        width = WIDTH * step.count / first if first else 0
        if step.count and width < 4:
            width = 4  # a stage with anyone in it stays visible
        top = i * ROW_HEIGHT
        bars.append(Bar(step.label, step.count, step.percent_of_first, round((WIDTH - width) / 2, 1), top + 22,
                        round(width, 1), top + 16, top + 22 + BAR_HEIGHT / 2 + 5))
    return bars, len(funnel.steps) * ROW_HEIGHT
