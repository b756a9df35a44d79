"""PyTorch reference timing of the same generator variants (random weights: time does not depend on values).

CUDA when available (fp32 and fp16 autocast, cudnn.benchmark), else CPU as a dry run. One JSON object per line.
"""
import argparse
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', 'training', 'reference'))

import torch  # noqa: E402
from swiftsrgan import Generator  # noqa: E402


def emit(**kw):
    print(json.dumps({'runtime': 'pytorch', **kw}), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--variants', default=os.path.join(HERE, 'dist', 'variants.json'))
    ap.add_argument('--sizes', default='480x270,640x360')
    ap.add_argument('--iterations', type=int, default=30)
    ap.add_argument('--cpu', action='store_true', help='force CPU (dry run)')
    a = ap.parse_args()
    with open(a.variants) as f:
        variants = json.load(f)
    cuda = torch.cuda.is_available() and not a.cpu
    dev = torch.device('cuda' if cuda else 'cpu')
    emit(status='device', device=torch.cuda.get_device_name(0) if cuda else 'cpu', torch=torch.__version__, cuda=cuda)
    if cuda:
        torch.backends.cudnn.benchmark = True
    iters = a.iterations if cuda else min(a.iterations, 2)
    sizes = [tuple(int(v) for v in s.split('x')) for s in a.sizes.split(',')]
    for v in variants:
        c = v['config']
        net = Generator(scale=c['scale'], channels=c['channels'], blocks=c['blocks'], skip=c['skip'], tail=c['tail']).to(dev).eval()
        for (w, h) in sizes:
            for dtype in (['fp32', 'fp16'] if cuda else ['fp32']):
                x = torch.rand(1, 3, h, w, device=dev)
                times = []
                try:
                    with torch.no_grad(), torch.autocast('cuda', dtype=torch.float16, enabled=dtype == 'fp16'):
                        for i in range(iters + (5 if cuda else 1)):
                            if cuda:
                                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                                start.record()
                                net(x)
                                end.record()
                                torch.cuda.synchronize()
                                ms = start.elapsed_time(end)
                            else:
                                t0 = time.perf_counter()
                                net(x)
                                ms = (time.perf_counter() - t0) * 1000
                            if i >= (5 if cuda else 1):
                                times.append(ms)
                    times.sort()
                    med = statistics.median(times)
                    p95 = times[min(len(times) - 1, max(0, int(0.95 * len(times) + 0.999) - 1))]
                    # Every layer runs per pixel, so MACs scale exactly with the input area.
                    macs = v['macs']['480x270'] * (w * h) / (480 * 270)
                    emit(status='ok', variant=v['name'], size=f'{w}x{h}', dtype=dtype, medianMs=med, p95Ms=p95, n=len(times), gmacs=macs / 1e9, gflops=2 * macs / (med / 1000) / 1e9)
                except RuntimeError as e:
                    emit(status='error', variant=v['name'], size=f'{w}x{h}', dtype=dtype, note=str(e).split('\n')[0])
                    if cuda:
                        torch.cuda.empty_cache()


if __name__ == '__main__':
    main()
