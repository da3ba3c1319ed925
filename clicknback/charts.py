"""Bar-chart geometry, drawn by a template as inline SVG (no JavaScript): the back-office dashboard
and the member site both use it."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
PLOT_HEIGHT = 150
LEFT = 56  # room for the y-axis labels
TOP = 8
BOTTOM = 22  # room for the day labels
RIGHT = 8

Number = int | Decimal
# How a bar's tooltip and the axis name its period (a day's tooltip: `isoformat`, 10x `strftime`).
PERIOD_FORMATS: dict[str, tuple[Callable[[date], str], str]] = {
    "day": (date.isoformat, "%b %d"),
    "month": (lambda month: month.strftime("%B %Y"), "%b %Y"),
}


@dataclass(frozen=True)
class Series:
    label: str
    color: str
    values: list[Number]

    @property
    def total(self) -> Number:
        return sum(self.values, type(self.values[0])(0) if self.values else 0)


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    color: str
    title: str


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class DayLabel:
    x: float
    label: str


@dataclass
class Chart:
    title: str
    series: list[Series]
    width: int = WIDTH
    height: int = TOP + PLOT_HEIGHT + BOTTOM
    left: int = LEFT
    baseline: float = TOP + PLOT_HEIGHT
    bars: list[Bar] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    day_labels: list[DayLabel] = field(default_factory=list)

    @property
    def bars_svg(self) -> SafeString:
        """The bars as SVG `<rect>`s, built here in one pass: a year of several series is thousands
        of bars, and a template loop over them took longer than everything else on the page."""
        return mark_safe(  # noqa: S308 - numbers, and colours and titles escaped here
            "".join(
                f'<rect x="{bar.x}" y="{bar.y}" width="{bar.width}" height="{bar.height}" '
                f'fill="{escape(bar.color)}"><title>{escape(bar.title)}</title></rect>'
                for bar in self.bars
            )
        )


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten that is >= value (1 for an empty chart)."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    return next(step * magnitude for step in (1, 2, 5, 10) if value <= step * magnitude)


def bar_chart(title: str, days: list[date], series: list[Series], *, stacked: bool, period: str = "day") -> Chart:
    """Bars per day, or per month (`period="month"`, each month named by its first day): stacked
    (parts of one total) or side by side (quantities to compare)."""
    name, label = PERIOD_FORMATS[period]
    chart = Chart(title=title, series=series)
    if stacked:
        peak = max((sum(values) for values in zip(*(s.values for s in series), strict=True)), default=0)
    else:
        peak = max((value for s in series for value in s.values), default=0)
    top = nice_ceiling(float(peak))
    scale = PLOT_HEIGHT / top
    slot = (WIDTH - LEFT - RIGHT) / max(len(days), 1)
    bar_width = slot * 0.8 if stacked else slot * 0.8 / max(len(series), 1)
    for index, day in enumerate(days):
        x = LEFT + index * slot + slot * 0.1
        day_name = name(day)
        base = chart.baseline
        for position, s in enumerate(series):
            value = s.values[index]
            height = float(value) * scale
            if height <= 0:
                continue
            if stacked:
                base -= height
                bar_x, bar_y = x, base
            else:
                bar_x, bar_y = x + position * bar_width, chart.baseline - height
            chart.bars.append(
                Bar(
                    round(bar_x, 1),
                    round(bar_y, 1),
                    round(bar_width, 1),
                    round(height, 1),
                    s.color,
                    f"{day_name} {s.label}: {value}",
                )
            )
    chart.ticks = [Tick(round(chart.baseline - PLOT_HEIGHT * part, 1), _label(top * part)) for part in (0, 0.5, 1)]
    for index in sorted({0, len(days) // 2, len(days) - 1}):
        if days:
            chart.day_labels.append(DayLabel(round(LEFT + (index + 0.5) * slot, 1), days[index].strftime(label)))
    return chart


def _label(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:,.1f}"
