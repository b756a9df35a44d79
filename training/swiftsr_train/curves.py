"""Training curves as SVG from the engine's progress logs (<checkpoint>.curve.jsonl):
`python3 -m training.swiftsr_train.curves OUT.svg RUN.curve.jsonl [...]` plots held-out Y-PSNR minus the
bicubic baseline against steps, one line per run (the last record of a step wins, so resumed runs join up)."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from xml.sax.saxutils import escape

COLOURS = ('#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf')


def read_curve(path: Path) -> list[tuple[int, float]]:
    points: dict[int, float] = {}
    for line in path.read_text().splitlines():
        r = json.loads(line)
        if r.get('val') is not None and r.get('bicubic') is not None:
            points[int(r['step'])] = float(r['val']) - float(r['bicubic'])
    return sorted(points.items())


def svg(curves: dict[str, list[tuple[int, float]]], title: str, w: int = 640, h: int = 360) -> str:
    pts = [p for c in curves.values() for p in c]
    if not pts:
        raise ValueError('no validation records in the given logs')
    x1 = max(p[0] for p in pts) or 1
    y0, y1 = min(0.0, min(p[1] for p in pts)), max(p[1] for p in pts)
    y1 = y1 + 0.05 * (y1 - y0 or 1)
    left, right, top, bottom = 56, 150, 30, 40
    sx = lambda x: left + (w - left - right) * x / x1  # noqa: E731
    sy = lambda y: h - bottom - (h - top - bottom) * (y - y0) / (y1 - y0)  # noqa: E731
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="11">',
           f'<rect width="{w}" height="{h}" fill="white"/>', f'<text x="{w / 2}" y="16" text-anchor="middle" font-size="13">{escape(title)}</text>',
           f'<line x1="{left}" y1="{sy(0):.1f}" x2="{w - right}" y2="{sy(0):.1f}" stroke="#888" stroke-dasharray="4 3"/>',
           f'<text x="{w - right + 4}" y="{sy(0) + 4:.1f}" fill="#888">bicubic</text>',
           f'<line x1="{left}" y1="{top}" x2="{left}" y2="{h - bottom}" stroke="black"/><line x1="{left}" y1="{h - bottom}" x2="{w - right}" y2="{h - bottom}" stroke="black"/>']
    for i in range(5):
        yv = y0 + (y1 - y0) * i / 4
        out.append(f'<text x="{left - 4}" y="{sy(yv) + 4:.1f}" text-anchor="end">{yv:+.2f}</text>')
        xv = x1 * i / 4
        out.append(f'<text x="{sx(xv):.1f}" y="{h - bottom + 14}" text-anchor="middle">{int(xv)}</text>')
    out.append(f'<text x="{(left + w - right) / 2}" y="{h - 6}" text-anchor="middle">steps</text>')
    out.append(f'<text x="14" y="{(top + h - bottom) / 2}" transform="rotate(-90 14 {(top + h - bottom) / 2})" text-anchor="middle">held-out Y-PSNR − bicubic (dB)</text>')
    for k, (name, c) in enumerate(curves.items()):
        col = COLOURS[k % len(COLOURS)]
        out.append(f'<polyline fill="none" stroke="{col}" stroke-width="1.5" points="{" ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in c)}"/>')
        out.append(f'<text x="{w - right + 4}" y="{top + 14 * k + 10}" fill="{col}">{escape(name)}</text>')
    out.append('</svg>')
    return '\n'.join(out) + '\n'


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    curves = {Path(p).name.removesuffix('.curve.jsonl'): read_curve(Path(p)) for p in argv[1:]}
    Path(argv[0]).parent.mkdir(parents=True, exist_ok=True)
    Path(argv[0]).write_text(svg(curves, 'Held-out validation during training (T91 + BSD200 + BSDS500test hold-outs)'))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
