from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from training.swiftsr_train import degrade
from training.swiftsr_train.data import TrainImage, bicubic_lr
from training.swiftsr_train.metrics import psnr_y


def _image(h: int = 96, w: int = 112) -> np.ndarray:
    """Random 6 px colour blocks over a gradient: detail at every position, so a shift shows."""
    rng = np.random.default_rng(4)
    blocks = rng.uniform(0, 1, (h // 6 + 1, w // 6 + 1, 3)).repeat(6, 0).repeat(6, 1)[:h, :w]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = 0.6 * blocks + 0.4 * (0.5 + 0.5 * np.sin(xx * 0.3 + yy * 0.2))[..., None]
    return np.round(img * 255).astype(np.uint8)


@pytest.mark.parametrize('codec', ['call-vp8', 'call-h264'])
def test_call_clip_frames_are_decoded_and_aligned_with_their_hr_window(codec: str) -> None:
    hr, scale = _image(), 2
    frames = degrade.make_clip(hr, scale, codec, kbps=20000, speed=(2, -1), downscale='area')  # high rate: alignment, not damage
    assert len(frames) == degrade.FRAMES
    assert [(f.hr_x, f.hr_y) for f in frames[:3]] == [(0, 7), (2, 6), (4, 5)]
    for f in frames[::3]:
        h, w = f.lr.shape[:2]
        assert h % 2 == 0 and w % 2 == 0
        window = lambda dx, dy: bicubic_lr(hr[f.hr_y + dy: f.hr_y + dy + h * scale, f.hr_x + dx: f.hr_x + dx + w * scale], scale)  # noqa: E731
        here = psnr_y(f.lr, window(0, 0), 0)
        assert here > 25, here  # compressed, but the same picture
        # One LR pixel off is clearly worse: the frame belongs to this window, not a neighbour.
        assert here > psnr_y(f.lr, window(2, 0), 0) + 3


def test_lower_bitrate_damages_more() -> None:
    hr = _image(192, 224)
    good = degrade.make_clip(hr, 2, 'call-vp8', kbps=2500, speed=(1, 0), downscale='area')
    bad = degrade.make_clip(hr, 2, 'call-vp8', kbps=150, speed=(1, 0), downscale='area')
    ref = lambda f: bicubic_lr(hr[f.hr_y: f.hr_y + f.lr.shape[0] * 2, f.hr_x: f.hr_x + f.lr.shape[1] * 2], 2)  # noqa: E731
    assert np.mean([psnr_y(f.lr, ref(f), 0) for f in good[1:]]) > np.mean([psnr_y(f.lr, ref(f), 0) for f in bad[1:]]) + 2


def test_sources_are_cached_outside_the_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path))
    im = TrainImage(Path('synthetic.png'), _image())
    info = degrade.attach_call_sources([im], 2, ['call-vp8'], seed=1, workers=1)
    files = list((tmp_path / 'swiftsr' / 'call-lr' / 'call-vp8').glob('*.npz'))
    assert len(files) == 1 and info['call']['cache'] == str(tmp_path / 'swiftsr' / 'call-lr')
    first = [f.lr for f in im.sources['call-vp8']]
    again = TrainImage(Path('synthetic.png'), _image())
    degrade.attach_call_sources([again], 2, ['call-vp8'], seed=1, workers=1)
    assert len(first) == len(again.sources['call-vp8']) > 0
    assert all(np.array_equal(a, b.lr) for a, b in zip(first, again.sources['call-vp8']))


def test_missing_ffmpeg_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('SWIFTSR_FFMPEG', '/nonexistent/ffmpeg')
    with pytest.raises(degrade.CodecError, match='ffmpeg'):
        degrade.make_clip(_image(), 2, 'call-vp8', kbps=500, speed=(0, 0), downscale='area')
