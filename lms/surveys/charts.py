"""Chart geometry for server-rendered SVG (no JavaScript): the template draws what these return."""

from __future__ import annotations

from dataclasses import dataclass, field

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 40, 16, 40


@dataclass
class Series:
    name: str
    css: str  # a class from static/app.css (series-1 ...)
    points: list[tuple[float, float]] = field(default_factory=list)
    band: str = ""  # SVG polygon points of the margin of error
    dots: list[tuple[float, float, str]] = field(default_factory=list)  # x, y, label


@dataclass
class LineChart:
    series: list[Series]
    x_labels: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    width: int = WIDTH
    height: int = HEIGHT

    def polyline(self, series: Series) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in series.points)


def _x(index: int, count: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return LEFT + (span * index / (count - 1) if count > 1 else span / 2)


def _y(value: float, low: float, high: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (high - value) / (high - low)


def nps_trend(quarters: list[str], tiers: list, nps: dict) -> LineChart:
    """NPS per tier per quarter (-100..100), each with its margin of error as a shaded band."""
    series = []
    for number, tier in enumerate(tiers, start=1):
        line = Series(tier.name, f"series-{number}")
        upper, lower = [], []
        for index, quarter in enumerate(quarters):
            figure = nps.get((tier.id, quarter))
            if figure is None or figure.value is None:
                continue
            x, value, margin = _x(index, len(quarters)), float(figure.value), float(figure.margin)
            line.points.append((x, _y(value, -100, 100)))
            line.dots.append((x, _y(value, -100, 100), f"{tier.name} {quarter}: NPS {figure.value} ±{figure.margin}, "
                                                        f"{figure.count} answer(s)"))
            upper.append((x, _y(min(100.0, value + margin), -100, 100)))
            lower.append((x, _y(max(-100.0, value - margin), -100, 100)))
        line.band = " ".join(f"{x:.1f},{y:.1f}" for x, y in upper + lower[::-1])
        series.append(line)
    ticks = [(_y(v, -100, 100), str(v)) for v in (100, 50, 0, -50, -100)]
    labels = [(_x(i, len(quarters)), q.replace("-", " ")) for i, q in enumerate(quarters)]
    return LineChart(series, labels, ticks)


@dataclass
class Bar:
    label: str
    x: float
    y: float
    width: float
    height: float
    text: str
    css: str = "bar"


@dataclass
class BarChart:
    bars: list[Bar]
    y_ticks: list[tuple[float, str]]
    x_labels: list[tuple[float, str]]
    width: int = WIDTH
    height: int = HEIGHT


def percent_bars(items: list[tuple[str, float | None, str]], css: str = "bar") -> BarChart:
    """Vertical bars 0-100 %; `items` are (label, percent or None for no data, tooltip text)."""
    count = max(1, len(items))
    slot = (WIDTH - LEFT - RIGHT) / count
    bars, labels = [], []
    for index, (label, value, text) in enumerate(items):
        x = LEFT + slot * index + slot * 0.15
        labels.append((LEFT + slot * index + slot / 2, label))
        if value is None:
            continue
        top = _y(value, 0, 100)
        bars.append(Bar(label, x, top, slot * 0.7, _y(0, 0, 100) - top, text, css))
    ticks = [(_y(v, 0, 100), f"{v} %") for v in (100, 75, 50, 25, 0)]
    return BarChart(bars, ticks, labels)
