"""The results as a table for the terminal and as an HTML page with a bar chart.

The chart is inline SVG written here rather than with a plotting library: the results page
must open offline with nothing installed, and it is a few bars.
"""

from __future__ import annotations

import html
from collections import defaultdict

BASELINE_WORDS = ("bare", "plain", "memcpy", "native", "best-")


def groups(result: dict) -> dict:
    grouped = defaultdict(list)
    for figure in result["figures"]:
        grouped[(figure["case"], figure["name"])].append(figure)
    return grouped


def baseline_of(figures: list[dict]) -> dict | None:
    for figure in figures:
        if any(word in figure["variant"] for word in BASELINE_WORDS):
            return figure
    return None


def ratio(figure: dict, baseline: dict | None) -> float | None:
    if baseline is None or figure is baseline or not baseline["median"]:
        return None
    return figure["median"] / baseline["median"]


def table(result: dict) -> str:
    lines = [f"{'case':10} {'figure':28} {'variant':24} {'median':>12} {'min':>12} {'max':>12}  ratio",
             "-" * 110]
    for (case, name), figures in groups(result).items():
        base = baseline_of(figures)
        for figure in figures:
            r = ratio(figure, base)
            lines.append(f"{case:10} {name:28} {figure['variant']:24} {figure['median']:12.4g} {figure['min']:12.4g} "
                         f"{figure['max']:12.4g}  {'' if r is None else f'{r:.2f}x'} {figure['unit']}")
    return "\n".join(lines)


STACK_COLOURS = ["#3b78d8", "#6aa84f", "#e69138", "#8e7cc3", "#c27ba0", "#76a5af", "#999999", "#bf9000"]


def stacked_svg(figures: list[dict]) -> str:
    """Figures with a "stack" (a bar) and a "phase" (a segment): a bar per stack, its
    segments the phases' medians in order, with a legend."""
    stacks: dict[str, list[dict]] = defaultdict(list)
    for figure in figures:
        stacks[figure["stack"]].append(figure)
    phases = list(dict.fromkeys(figure["phase"] for figure in figures))
    top = max(sum(f["median"] for f in segments) for segments in stacks.values()) or 1
    rows = []
    for i, (stack, segments) in enumerate(stacks.items()):
        y, x = 10 + i * 28, 160.0
        rows.append(f'<text x="0" y="{y + 15}">{html.escape(stack)}</text>')
        for figure in segments:
            width = 560 * figure["median"] / top
            colour = STACK_COLOURS[phases.index(figure["phase"]) % len(STACK_COLOURS)]
            rows.append(f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="20" fill="{colour}">'
                        f'<title>{html.escape(figure["phase"])}: {figure["median"]:.0f} {figure["unit"]}</title></rect>')
            x += width
        rows.append(f'<text x="{x + 5:.1f}" y="{y + 15}">{sum(f["median"] for f in segments):.0f} {segments[0]["unit"]}</text>')
    legend_y = 20 + 28 * len(stacks)
    for j, phase in enumerate(phases):
        y = legend_y + j * 18
        rows.append(f'<rect x="160" y="{y}" width="12" height="12" fill="{STACK_COLOURS[j % len(STACK_COLOURS)]}"/>'
                    f'<text x="178" y="{y + 11}">{html.escape(phase)}</text>')
    height = legend_y + 18 * len(phases) + 10
    return f'<svg width="900" height="{height}" font-size="13" font-family="sans-serif">{"".join(rows)}</svg>'


def write_html(result: dict, path) -> None:
    sections = []
    for (case, name), figures in groups(result).items():
        if "stack" in figures[0]:
            sections.append(f"<h2>{html.escape(case)}: {html.escape(name)} (stacked, medians)</h2>" + stacked_svg(figures))
            continue
        top = max(f["max"] for f in figures) or 1
        base = baseline_of(figures)
        rows = []
        for i, figure in enumerate(figures):
            y = 10 + i * 28
            width = 420 * figure["median"] / top
            low, high = 160 + 420 * figure["min"] / top, 160 + 420 * figure["max"] / top
            r = ratio(figure, base)
            label = f"{figure['median']:.4g} {figure['unit']}" + ("" if r is None else f" ({r:.2f}x)")
            rows.append(
                f'<text x="0" y="{y + 15}">{html.escape(figure["variant"])}</text>'
                f'<rect x="160" y="{y}" width="{width:.1f}" height="20" fill="{"#888" if figure is base else "#3b78d8"}"/>'
                f'<line x1="{low:.1f}" x2="{high:.1f}" y1="{y + 10}" y2="{y + 10}" stroke="#000"/>'
                f'<text x="{165 + width:.1f}" y="{y + 15}">{html.escape(label)}</text>')
        height = 20 + 28 * len(figures)
        sections.append(f"<h2>{html.escape(case)}: {html.escape(name)}</h2>"
                        f'<svg width="900" height="{height}" font-size="13" font-family="sans-serif">{"".join(rows)}</svg>')
    page = (f"<!doctype html><meta charset='utf-8'><title>pyapp benchmarks {html.escape(result['date'])}</title>"
            f"<h1>pyapp benchmarks</h1><p>{html.escape(result['date'])}, {html.escape(result['browser'])}, "
            f"{html.escape(str(result['machine']))}. Bars: median; line: min to max; grey: the baseline.</p>"
            + "".join(sections) + f"<pre>{html.escape(table(result))}</pre>")
    path.write_text(page)
