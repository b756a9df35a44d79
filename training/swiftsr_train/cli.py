"""`python3 -m training.swiftsr_train --variant tiny --out models/tiny [options]` (or `npm run train -- ...`)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Callable

from .data import DataError
from .variants import REPO, load_variants

SHARED = REPO.parent / 'shared'
DEFAULT_DATA = [str(SHARED / 'datasets' / d) for d in ('T91', 'BSD200', 'BSDS500test')]
DEGRADATIONS = ('clean', 'call-vp8', 'call-vp9', 'call-h264')


def parse_mix(s: str) -> dict[str, float]:
    mix: dict[str, float] = {}
    for part in s.split(','):
        name, _, w = part.partition(':')
        if name not in DEGRADATIONS:
            raise argparse.ArgumentTypeError(f"unknown degradation '{name}' (known: {', '.join(DEGRADATIONS)})")
        try:
            weight = float(w) if w else 1.0
        except ValueError:
            raise argparse.ArgumentTypeError(f"weight of '{name}' must be a number, got '{w}'") from None
        if not weight > 0:
            raise argparse.ArgumentTypeError(f"weight of '{name}' must be > 0, got {w}")
        mix[name] = weight
    return mix


def _positive(cast: Callable[[str], float], what: str) -> Callable[[str], Any]:
    def parse(s: str) -> Any:
        try:
            x = cast(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f'expected a positive {what}, got {s!r}') from None
        if not x > 0:
            raise argparse.ArgumentTypeError(f'expected a positive {what}, got {x}')
        return x
    return parse


positive_int = _positive(int, 'integer')
positive_float = _positive(float, 'number')


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog='python3 -m training.swiftsr_train', description='Train a SwiftSR generator (PyTorch) and export it to models/<name>/.')
    p.add_argument('--variant', required=True, help='a name from src/model/variants.ts')
    p.add_argument('--out', required=True, help='model folder to export to (models/<name>)')
    p.add_argument('--checkpoint', help='checkpoint file (default training/checkpoints/<out name>.pt)')
    p.add_argument('--data', default=','.join(DEFAULT_DATA), help='comma-separated HR folders (default T91, BSD200, BSDS500test in ../shared/datasets)')
    p.add_argument('--phase', choices=('psnr', 'gan'), default='psnr')
    p.add_argument('--degrade', type=parse_mix, default={'clean': 1.0}, help="LR sources and weights, e.g. clean:0.5,call-vp8:0.5 (default clean)")
    p.add_argument('--call-images', type=int, default=240, help='images that get call-degraded clips (evenly spaced; 0: all)')
    p.add_argument('--steps', type=positive_int, default=10000)
    p.add_argument('--batch', type=positive_int, default=16)
    p.add_argument('--patch', type=positive_int, default=96, help='HR crop size (multiple of the scale)')
    p.add_argument('--loss', choices=('l1', 'mse'), default='l1')
    p.add_argument('--lr', type=positive_float, default=2e-3)
    p.add_argument('--schedule', choices=('cosine', 'constant'), default='cosine')
    p.add_argument('--warmup', type=int, default=100)
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--init', help='start the weights from this checkpoint (e.g. the psnr phase, for --phase gan)')
    p.add_argument('--resume', action='store_true', help='continue --checkpoint exactly')
    p.add_argument('--max-minutes', type=positive_float, help='stop (checkpoint + export) after this much wall time')
    p.add_argument('--val-every', type=positive_int, default=500)
    p.add_argument('--ckpt-every', type=positive_int, default=500)
    p.add_argument('--val-split-every', type=int, default=20, help='hold out every N-th image for validation')
    p.add_argument('--val-max', type=int, default=6)
    p.add_argument('--skip-small', action='store_true', help='leave out images smaller than the crop')
    p.add_argument('--threads', type=positive_int, default=2)
    p.add_argument('--device', choices=('auto', 'cpu', 'cuda'), default='auto')
    p.add_argument('--no-export', action='store_true')
    p.add_argument('--prepare-only', action='store_true', help='load the data and fill the call-degradation cache, then exit')
    p.add_argument('--export-only', action='store_true', help='export --checkpoint to --out without training (same options as the run)')
    p.add_argument('--log-every-s', type=float, default=10.0)
    g = p.add_argument_group('gan phase')
    g.add_argument('--adv-weight', type=float, default=1e-3)
    g.add_argument('--perc-weight', type=float, default=6e-3)
    g.add_argument('--tv-weight', type=float, default=2e-8)
    g.add_argument('--d-lr', type=positive_float, default=1e-4)
    g.add_argument('--d-width', type=positive_float, default=0.5)
    g.add_argument('--mobilenet', default=str(SHARED / 'weights' / 'mobilenet_v2' / 'tm_export_0.35_224' / 'model.json'))
    g.add_argument('--feature-layer', default='block_3_expand_relu')
    return p


def options(argv: list[str]) -> dict[str, Any]:
    p = build_parser()
    a = p.parse_args(argv)
    if a.variant not in load_variants():
        p.error(f"unknown variant '{a.variant}'; known: {', '.join(load_variants())}")
    if a.phase == 'gan' and a.init is None and not a.resume:
        p.error('--phase gan needs --init <psnr checkpoint> (or --resume)')
    if a.export_only:
        a.resume = True
    o = vars(a)
    o['data'] = [d for d in a.data.split(',') if d]
    o['checkpoint'] = a.checkpoint or str(REPO / 'training' / 'checkpoints' / f'{Path(a.out).name}.pt')
    return o


def main(argv: list[str]) -> int:
    o = options(argv)
    from .loop import train  # torch import after argument errors
    try:
        return train(o)
    except (DataError, FileNotFoundError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
