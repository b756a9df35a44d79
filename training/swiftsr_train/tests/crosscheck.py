"""Python side of the TypeScript cross-checks (training/swiftsr_train/crosscheck.test.ts). Raw little-endian
float32 files, HWC / NHWC, so both sides read them without a decoder.

  imresize <in.f32> <h> <w> <scale> <out.f32>     MATLAB bicubic of an RGB image
  export <variant> <workdir>                      train 3 steps on synthetic images, export to <workdir>/model,
                                                  write <workdir>/input.f32 (1x11x13x3) and output.f32 (PyTorch)
  mobilenet <model.json> <in.f32> <h> <w> <out.f32>  block_3_expand_relu features (NHWC)
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np


def _read(path: str, shape: tuple[int, ...]) -> np.ndarray:
    return np.fromfile(path, dtype='<f4').reshape(shape)


def main(argv: list[str]) -> int:
    cmd = argv[0]
    if cmd == 'imresize':
        from ..imresize import imresize
        h, w = int(argv[2]), int(argv[3])
        imresize(_read(argv[1], (h, w, 3)), float(argv[4])).astype('<f4').tofile(argv[5])
    elif cmd == 'export':
        import torch
        from ..cli import options
        from ..loop import train
        from ..model import build_generator
        from ..variants import get_variant
        from .synthetic import make_images
        variant, work = argv[1], Path(argv[2])
        data = make_images(work / 'data', n=4, size=(48, 48))
        o = options(['--variant', variant, '--out', str(work / 'model'), '--checkpoint', str(work / 'run.pt'), '--data', str(data), '--patch', str(12 * get_variant(variant).scale // 2),
                     '--batch', '2', '--steps', '3', '--warmup', '1', '--val-every', '100', '--ckpt-every', '100', '--val-split-every', '0', '--threads', '1'])
        assert train(o) == 0
        model = build_generator(get_variant(variant), 0)
        model.load_state_dict(torch.load(work / 'run.pt')['model'])
        model.eval()
        x = torch.rand(1, 3, 11, 13, generator=torch.Generator().manual_seed(3))
        with torch.no_grad():
            y = model(x)
        x.permute(0, 2, 3, 1).numpy().astype('<f4').tofile(work / 'input.f32')
        y.permute(0, 2, 3, 1).numpy().astype('<f4').tofile(work / 'output.f32')
        (work / 'shapes.json').write_text(json.dumps({'input': list(x.permute(0, 2, 3, 1).shape), 'output': list(y.permute(0, 2, 3, 1).shape)}))
    elif cmd == 'mobilenet':
        import torch
        from ..mobilenet import MobileNetFeatures
        h, w = int(argv[3]), int(argv[4])
        x = torch.from_numpy(_read(argv[2], (1, h, w, 3)).copy()).permute(0, 3, 1, 2)
        with torch.no_grad():
            MobileNetFeatures(argv[1])(x).permute(0, 2, 3, 1).numpy().astype('<f4').tofile(argv[5])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
