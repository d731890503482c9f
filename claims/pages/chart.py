"""The geometry of a server-rendered SVG line chart (no web framework): scales from values to
the viewBox, round ticks for money, tick choice along the x axis, polyline points, and money
in the short form people read on a chart (`Rp 1,2 M`, `Rp 850 jt`). The template draws it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Language = Literal["id", "en"]

# Units of the short form, largest first: (size, Bahasa Indonesia, English).
_UNITS = (
    (1_000_000_000_000, "T", "tn"),
    (1_000_000_000, "M", "bn"),
    (1_000_000, "jt", "m"),
    (1_000, "rb", "k"),
)


def short_rupiah(amount: int, language: Language = "id") -> str:
    """`Rp 1,2 M` (miliar), `Rp 850 jt` (juta), `Rp 75 rb` (ribu); English `Rp 1.2 bn`. One
    decimal below 10 units, none above; the decimal is cut, never rounded up."""
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    for size, unit_id, unit_en in _UNITS:
        if amount >= size:
            unit = unit_id if language == "id" else unit_en
            whole, rest = divmod(amount, size)
            tenth = rest * 10 // size
            if whole < 10 and tenth:
                separator = "," if language == "id" else "."
                return f"{sign}Rp {whole}{separator}{tenth} {unit}"
            return f"{sign}Rp {whole} {unit}"
    return f"{sign}Rp {amount}"


def nice_step(maximum: int, steps: int = 4) -> int:
    """A round step (1, 2, 2.5 or 5 times a power of ten) so that `steps` of them reach
    `maximum`; at least 1."""
    if maximum <= 0:
        return 1
    raw = maximum / steps
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        step = int(factor * power)
        if step >= raw and step > 0:
            return step
    return int(10 * power)


def money_ticks(maximum: int, steps: int = 4) -> list[int]:
    """0 and round values up to the first at or above `maximum`."""
    step = nice_step(maximum, steps)
    count = max(1, math.ceil(maximum / step))
    return [step * index for index in range(count + 1)]


def tick_indexes(count: int, most: int = 6) -> list[int]:
    """Which of `count` points get an x label: evenly spaced, at most `most`, always the
    first and the last (the one before the last is dropped when it would crowd it)."""
    if count <= 0:
        return []
    if count <= most:
        return list(range(count))
    step = math.ceil((count - 1) / (most - 1))
    chosen = list(range(0, count - 1, step))
    if (count - 1) - chosen[-1] < step / 2 and len(chosen) > 1:
        chosen.pop()
    return [*chosen, count - 1]


@dataclass(frozen=True)
class Series:
    """One line: its label and its (x, value) points, x ascending."""

    label: str
    points: tuple[tuple[float, int], ...]


@dataclass(frozen=True)
class XTick:
    x: float
    label: str
    sublabel: str = ""


@dataclass(frozen=True)
class PlacedTick:
    at: float
    label: str
    sublabel: str = ""


@dataclass(frozen=True)
class PlacedLine:
    label: str
    points: str  # the polyline's `points` attribute
    end_x: float
    end_y: float


@dataclass(frozen=True)
class ChartGeometry:
    """Everything the SVG needs, in viewBox units."""

    width: int
    height: int
    left: float
    top: float
    right: float
    bottom: float
    x_ticks: tuple[PlacedTick, ...]
    y_ticks: tuple[PlacedTick, ...]
    lines: tuple[PlacedLine, ...]


# Two x labels closer than this (viewBox units) would print over each other.
MIN_TICK_GAP = 26.0


def _spaced(ticks: list[PlacedTick]) -> tuple[PlacedTick, ...]:
    """The ticks without those crowding the one before; the last always stays (the end of the
    projection), so the one before it goes when they crowd."""
    kept: list[PlacedTick] = []
    for tick in ticks:
        if kept and tick.at - kept[-1].at < MIN_TICK_GAP:
            if tick is not ticks[-1]:
                continue
            if len(kept) > 1:
                kept.pop()
        kept.append(tick)
    return tuple(kept)


@dataclass(frozen=True)
class Margins:
    left: int = 62
    top: int = 12
    right: int = 14
    bottom: int = 40


def line_chart(
    series: Sequence[Series],
    x_ticks: Sequence[XTick],
    language: Language = "id",
    *,
    width: int = 360,
    height: int = 240,
    margins: Margins = Margins(),
) -> ChartGeometry:
    """Scales the lines into a `width` x `height` viewBox: x from the smallest to the largest
    x of any point, y from 0 to the round tick at or above the largest value."""
    xs = [x for line in series for x, _ in line.points]
    values = [value for line in series for _, value in line.points]
    x_low, x_high = (min(xs), max(xs)) if xs else (0.0, 1.0)
    if x_high <= x_low:
        x_high = x_low + 1
    y_values = money_ticks(max(values, default=0))
    y_high = y_values[-1]
    left, top = float(margins.left), float(margins.top)
    right, bottom = float(width - margins.right), float(height - margins.bottom)

    def at_x(x: float) -> float:
        return round(left + (x - x_low) / (x_high - x_low) * (right - left), 1)

    def at_y(value: int) -> float:
        return round(bottom - value / y_high * (bottom - top), 1)

    lines = []
    for line in series:
        placed = [(at_x(x), at_y(value)) for x, value in line.points]
        if not placed:
            continue
        lines.append(
            PlacedLine(
                label=line.label,
                points=" ".join(f"{px:g},{py:g}" for px, py in placed),
                end_x=placed[-1][0],
                end_y=placed[-1][1],
            )
        )
    return ChartGeometry(
        width=width,
        height=height,
        left=left,
        top=top,
        right=right,
        bottom=bottom,
        x_ticks=_spaced([PlacedTick(at_x(tick.x), tick.label, tick.sublabel) for tick in x_ticks]),
        y_ticks=tuple(PlacedTick(at_y(value), short_rupiah(value, language)) for value in y_values),
        lines=tuple(lines),
    )
