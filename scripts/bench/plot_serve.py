"""Draws scripts/bench-serve.sh's latency plot as an SVG, with no plotting
library: one panel per model, latency (log scale) against concurrency, a
line per server for p50 (solid) and p99 (dashed).

    python3 plot_serve.py results.jsonl docs/serve-latency.svg
"""
import json
import math
import sys

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
PANEL_W, PANEL_H, LEFT, TOP, BOTTOM, GAP = 420, 300, 60, 40, 50, 40


def panel(out, x0, model, rows):
    """Appends one model's panel to out, its left edge at x0."""
    labels = list(dict.fromkeys(r["label"] for r in rows))
    concs = sorted({r["concurrency"] for r in rows})
    lat = [v for r in rows for v in (r["p50_ms"], r["p99_ms"]) if v > 0]
    lo = 10 ** math.floor(math.log10(min(lat)))
    hi = 10 ** math.ceil(math.log10(max(lat)))
    w, h = PANEL_W - LEFT - 10, PANEL_H - TOP - BOTTOM

    def px(i):
        return x0 + LEFT + (w * i / max(1, len(concs) - 1) if len(concs) > 1 else w / 2)

    def py(ms):
        return TOP + h - h * (math.log10(ms) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))

    out.append(f'<text x="{x0 + LEFT + w / 2}" y="{TOP - 18}" text-anchor="middle" font-weight="bold">{model}</text>')
    out.append(f'<rect x="{x0 + LEFT}" y="{TOP}" width="{w}" height="{h}" fill="none" stroke="#888"/>')
    d = lo
    while d <= hi * 1.0001:
        y = py(d)
        out.append(f'<line x1="{x0 + LEFT}" y1="{y:.1f}" x2="{x0 + LEFT + w}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{x0 + LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{d:g}</text>')
        d *= 10
    for i, c in enumerate(concs):
        out.append(f'<text x="{px(i):.1f}" y="{TOP + h + 18}" text-anchor="middle">{c}</text>')
    out.append(f'<text x="{x0 + LEFT + w / 2}" y="{TOP + h + 38}" text-anchor="middle">concurrency</text>')
    out.append(f'<text transform="translate({x0 + 16},{TOP + h / 2}) rotate(-90)" text-anchor="middle">latency, ms</text>')
    for k, label in enumerate(labels):
        colour = COLOURS[k % len(COLOURS)]
        mine = sorted((r for r in rows if r["label"] == label), key=lambda r: r["concurrency"])
        for key, dash in (("p50_ms", ""), ("p99_ms", ' stroke-dasharray="5,4"')):
            pts = [(px(concs.index(r["concurrency"])), py(r[key])) for r in mine if r[key] > 0]
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
            for x, y in pts:
                out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')
        # The legend sits bottom right, below the lines that climb with concurrency.
        ly, lx = TOP + h - 10 - 16 * (len(labels) - 1 - k), x0 + LEFT + w - 170
        out.append(f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 20}" y2="{ly - 4}" stroke="{colour}" stroke-width="2"/>')
        out.append(f'<text x="{lx + 24}" y="{ly}">{label.removeprefix(model + " ")}</text>')


def main():
    rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    models = list(dict.fromkeys(r["label"].split(" ")[0] for r in rows))
    width = len(models) * PANEL_W + (len(models) - 1) * GAP
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{PANEL_H + 24}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{PANEL_H + 24}" fill="white"/>']
    for i, model in enumerate(models):
        panel(out, i * (PANEL_W + GAP), model, [r for r in rows if r["label"].split(" ")[0] == model])
    out.append(f'<text x="{width / 2}" y="{PANEL_H + 16}" text-anchor="middle" fill="#555">'
               "solid: p50, dashed: p99 (scripts/bench-serve.sh)</text>")
    out.append("</svg>")
    with open(sys.argv[2], "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
