"""Call-realistic LR: what a WebRTC call delivers to the receiver, precomputed once into a cache outside the
repository.

Per training image and clip: a short synthetic pan over the HR image (8 frames at 30 fps, a random speed of
0-3 HR pixels per frame in x and y, so LR motion is sub-pixel as a moving camera's is), each frame downscaled
by the sender's scaler (ffmpeg `scale flags=area`, the box filter libyuv uses when WebRTC scales down, or
`bilinear`; in YUV 4:2:0), encoded with the real-time encoder a browser uses (libvpx VP8 `-deadline realtime
-cpu-used 8 -lag-in-frames 0`, CBR, as bench/ does; or VP9 / H.264) at a bitrate drawn log-uniformly from
the 150 kbit/s-2.5 Mbit/s range of a call, and decoded. The bitrate is defined at the tier's input frame
(480x270 for 4x, 640x360 for 3x, 960x540 for 2x) and scaled to the clip by pixel count, so the bits per pixel,
hence the quantisers, match a call's. Every decoded frame (key and inter frames) is an LR source whose HR
target is the pan window of that frame.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from .data import LrFrame, TrainImage

FRAMES, FPS, CLIPS, MAX_SPEED = 8, 30, 1, 3
KBPS_RANGE = (150.0, 2500.0)
TIER_FRAME = {4: (480, 270), 3: (640, 360), 2: (960, 540)}
DOWNSCALERS = ('area', 'bilinear')
CODECS: dict[str, list[str]] = {
    'call-vp8': ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-lag-in-frames', '0', '-g', '100000', '-f', 'ivf'],
    'call-vp9': ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-row-mt', '0', '-lag-in-frames', '0', '-g', '100000', '-f', 'ivf'],
    'call-h264': ['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-g', '100000', '-f', 'h264'],
}
VERSION = 1


class CodecError(RuntimeError):
    pass


def cache_root() -> Path:
    base = os.environ.get('XDG_CACHE_HOME') or str(Path.home() / '.cache')
    return Path(base) / 'swiftsr' / 'call-lr'


def _ffmpeg(args: list[str], data: bytes) -> bytes:
    cmd = ['nice', '-n', '10', os.environ.get('SWIFTSR_FFMPEG', 'ffmpeg'), '-hide_banner', '-loglevel', 'error', '-nostdin', *args]
    try:
        r = subprocess.run(cmd, input=data, capture_output=True, check=False)
    except FileNotFoundError:
        raise CodecError('ffmpeg not found: install ffmpeg with libvpx (scripts/setup.sh), or set SWIFTSR_FFMPEG') from None
    if r.returncode != 0:
        raise CodecError(f'ffmpeg exited with {r.returncode}: {r.stderr.decode(errors="replace").strip()[-400:]}')
    return r.stdout


def make_clip(hr: np.ndarray, scale: int, codec: str, kbps: float, speed: tuple[int, int], downscale: str) -> list[LrFrame]:
    """Encodes and decodes one pan clip; returns its decoded LR frames with their HR windows."""
    vx, vy = speed
    h, w = hr.shape[:2]
    step = 2 * scale  # even LR sides for 4:2:0
    ww = (w - abs(vx) * (FRAMES - 1)) // step * step
    wh = (h - abs(vy) * (FRAMES - 1)) // step * step
    if ww < 16 * scale or wh < 16 * scale:
        return []
    x0 = 0 if vx >= 0 else abs(vx) * (FRAMES - 1)
    y0 = 0 if vy >= 0 else abs(vy) * (FRAMES - 1)
    offsets = [(x0 + vx * t, y0 + vy * t) for t in range(FRAMES)]
    raw = b''.join(np.ascontiguousarray(hr[oy: oy + wh, ox: ox + ww]).tobytes() for ox, oy in offsets)
    lw, lh = ww // scale, wh // scale
    tw, th = TIER_FRAME[scale]
    bps = int(max(kbps * 1000 * (lw * lh) / (tw * th), 2000))
    rate = ['-b:v', str(bps), '-maxrate', str(bps), '-bufsize', str(bps)] + (['-minrate', str(bps)] if codec != 'call-h264' else [])
    stream = _ffmpeg(['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', f'{ww}x{wh}', '-r', str(FPS), '-i', 'pipe:0', '-vf', f'scale={lw}:{lh}:flags={downscale},format=yuv420p',
                      '-threads', '1', *rate, *CODECS[codec], 'pipe:1'], raw)
    dec = _ffmpeg(['-i', 'pipe:0', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], stream)
    n = lw * lh * 3
    if len(dec) != n * FRAMES:
        raise CodecError(f'{codec} round trip of {FRAMES} {lw}x{lh} frames returned {len(dec)} bytes, expected {n * FRAMES}')
    frames = np.frombuffer(dec, dtype=np.uint8).reshape(FRAMES, lh, lw, 3)
    return [LrFrame(frames[t].copy(), ox, oy) for t, (ox, oy) in enumerate(offsets)]


def _clip_settings(key: bytes, clip: int) -> tuple[float, tuple[int, int], str]:
    rng = np.random.default_rng(int.from_bytes(hashlib.sha256(key + bytes([clip])).digest()[:8], 'little'))
    lo, hi = math.log(KBPS_RANGE[0]), math.log(KBPS_RANGE[1])
    kbps = float(math.exp(rng.uniform(lo, hi)))
    speed = (int(rng.integers(-MAX_SPEED, MAX_SPEED + 1)), int(rng.integers(-MAX_SPEED, MAX_SPEED + 1)))
    return kbps, speed, DOWNSCALERS[int(rng.integers(len(DOWNSCALERS)))]


def image_clips(im: TrainImage, scale: int, codec: str, seed: int, root: Path) -> list[LrFrame]:
    settings = json.dumps({'v': VERSION, 'codec': CODECS[codec], 'scale': scale, 'frames': FRAMES, 'clips': CLIPS, 'speed': MAX_SPEED, 'kbps': KBPS_RANGE,
                           'tier': TIER_FRAME[scale], 'down': DOWNSCALERS, 'seed': seed}, sort_keys=True).encode()
    key = hashlib.sha256(settings + im.hr.tobytes() + str(im.hr.shape).encode()).digest()
    path = root / codec / f'{key.hex()[:32]}.npz'
    if path.is_file():
        with np.load(path) as z:
            return [LrFrame(lr, int(x), int(y)) for c in range(CLIPS) if f'lr{c}' in z for lr, (x, y) in zip(z[f'lr{c}'], z[f'off{c}'])]
    arrays: dict[str, np.ndarray] = {}
    frames: list[LrFrame] = []
    for c in range(CLIPS):
        kbps, speed, down = _clip_settings(key, c)
        clip = make_clip(im.hr, scale, codec, kbps, speed, down)
        if clip:  # clips differ in size (their pans do): one array per clip
            arrays[f'lr{c}'] = np.stack([f.lr for f in clip])
            arrays[f'off{c}'] = np.array([[f.hr_x, f.hr_y] for f in clip], dtype=np.int64)
        frames += clip
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f'.{path.name}.{os.getpid()}.tmp.npz')
    np.savez(tmp, **arrays)
    os.replace(tmp, path)
    return frames


def attach_call_sources(images: list[TrainImage], scale: int, kinds: list[str], seed: int, workers: int, max_images: int = 0) -> dict[str, Any]:
    """Adds the call-degraded LR frames under each kind to `max_images` evenly spaced images (0: all; encoding
    every image costs minutes of CPU per scale). The sampler draws a crop's kind first, then an image that has
    it. Returns the settings for the model's provenance."""
    root = cache_root()
    n = len(images) if max_images <= 0 else min(max_images, len(images))
    chosen = [images[round(i * len(images) / n)] for i in range(n)] if n else []
    for kind in kinds:
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            results = list(pool.map(lambda im: image_clips(im, scale, kind, seed, root), chosen))
        for im, frames in zip(chosen, results):
            if frames:
                im.sources[kind] = frames
    return {'call': {'codecs': {k: ' '.join(CODECS[k]) for k in kinds}, 'images': sum(1 for im in images if kinds[0] in im.sources) if kinds else 0,
                     'clipFrames': FRAMES, 'fps': FPS, 'clipsPerImage': CLIPS,
                     'panMaxHrPxPerFrame': MAX_SPEED, 'kbpsRange': list(KBPS_RANGE), 'kbpsAtInputFrame': list(TIER_FRAME[scale]),
                     'senderDownscale': [f'ffmpeg scale flags={d}, yuv420p' for d in DOWNSCALERS], 'rateControl': 'CBR (b = minrate = maxrate = bufsize)',
                     'cache': str(root)}}
