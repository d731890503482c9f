"""The SVG chart's geometry (claims/pages/chart.py): short money labels, round ticks, which x
points get a label, and how values land in the viewBox."""

from __future__ import annotations

import pytest

from claims.pages.chart import (
    Series,
    XTick,
    line_chart,
    money_ticks,
    nice_step,
    short_rupiah,
    tick_indexes,
)


@pytest.mark.parametrize(
    ("amount", "indonesian", "english"),
    [
        (0, "Rp 0", "Rp 0"),
        (750, "Rp 750", "Rp 750"),
        (75_000, "Rp 75 rb", "Rp 75 k"),
        (850_000_000, "Rp 850 jt", "Rp 850 m"),
        (1_250_000, "Rp 1,2 jt", "Rp 1.2 m"),  # cut, not rounded up
        (1_200_000_000, "Rp 1,2 M", "Rp 1.2 bn"),
        (1_999_999_999, "Rp 1,9 M", "Rp 1.9 bn"),
        (2_000_000_000, "Rp 2 M", "Rp 2 bn"),
        (12_500_000, "Rp 12 jt", "Rp 12 m"),
        (3_000_000_000_000, "Rp 3 T", "Rp 3 tn"),
        (-1_500_000, "-Rp 1,5 jt", "-Rp 1.5 m"),
    ],
)
def test_short_rupiah(amount: int, indonesian: str, english: str) -> None:
    assert short_rupiah(amount) == indonesian
    assert short_rupiah(amount, "en") == english


@pytest.mark.parametrize(
    ("maximum", "step"),
    [(0, 1), (4, 1), (10, 5), (132_490_297, 50_000_000), (90_000_000, 25_000_000), (7, 2)],
)
def test_nice_step(maximum: int, step: int) -> None:
    assert nice_step(maximum) == step


def test_money_ticks_reach_the_maximum() -> None:
    assert money_ticks(132_490_297) == [0, 50_000_000, 100_000_000, 150_000_000]
    assert money_ticks(100_000_000) == [0, 25_000_000, 50_000_000, 75_000_000, 100_000_000]
    assert money_ticks(0) == [0, 1]


@pytest.mark.parametrize(
    ("count", "chosen"),
    [
        (0, []),
        (1, [0]),
        (4, [0, 1, 2, 3]),
        (6, [0, 1, 2, 3, 4, 5]),
        (17, [0, 4, 8, 12, 16]),
        (42, [0, 9, 18, 27, 36, 41]),
        (11, [0, 2, 4, 6, 8, 10]),
        (12, [0, 3, 6, 9, 11]),
    ],
)
def test_tick_indexes(count: int, chosen: list[int]) -> None:
    assert tick_indexes(count) == chosen


def test_values_land_in_the_plot_box() -> None:
    series = [
        Series("5%", ((2026.0, 0), (2027.0, 50_000_000), (2028.0, 100_000_000))),
        Series("6%", ((2026.0, 0), (2027.0, 60_000_000), (2028.0, 120_000_000))),
    ]
    ticks = [XTick(2026.0, "40", "2026"), XTick(2027.0, "41", "2027"), XTick(2028.0, "42", "2028")]
    chart = line_chart(series, ticks, width=360, height=240)
    assert (chart.left, chart.top, chart.right, chart.bottom) == (62.0, 12.0, 346.0, 200.0)
    # y: 0..150 jt in steps of 50 jt (120 jt / 4 = 30 jt, the next round step is 50 jt);
    # 100 jt at 200 - 100/150 x 188 = 74.7, 120 jt at 200 - 0.8 x 188 = 49.6
    assert [tick.label for tick in chart.y_ticks] == ["Rp 0", "Rp 50 jt", "Rp 100 jt", "Rp 150 jt"]
    assert chart.lines[0].points == "62,200 204,137.3 346,74.7"
    assert (chart.lines[1].end_x, chart.lines[1].end_y) == (346.0, 49.6)
    assert [tick.at for tick in chart.x_ticks] == [62.0, 204.0, 346.0]
    assert [tick.label for tick in chart.x_ticks] == ["40", "41", "42"]
    assert chart.y_ticks[0].at == 200.0 and chart.y_ticks[-1].at == 12.0


def test_crowded_x_labels_keep_the_last() -> None:
    series = [Series("5%", ((2026.9, 10), (2027.0, 20), (2039.9, 30), (2040.0, 40)))]
    # 2027.0 is 0.1 of 13.1 years (2 units) after the first; 2039.9 as close before the last.
    ticks = [XTick(2026.9, "42", ""), XTick(2027.0, "42", ""), XTick(2040.0, "56", "")]
    assert [tick.label for tick in line_chart(series, ticks).x_ticks] == ["42", "56"]
    ticks = [XTick(2026.9, "42", ""), XTick(2039.9, "55", ""), XTick(2040.0, "56", "")]
    chart = line_chart(series, ticks)
    assert [tick.label for tick in chart.x_ticks] == ["42", "56"]
    assert chart.x_ticks[-1].at == chart.right


def test_a_flat_projection_still_has_a_scale() -> None:
    chart = line_chart([Series("0%", ((2026.5, 0), (2026.5, 0)))], [])
    assert chart.lines[0].points == "62,200 62,200"
