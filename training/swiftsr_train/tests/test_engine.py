from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from training.swiftsr_train import checkpoint as ckpt
from training.swiftsr_train.cli import main, options
from training.swiftsr_train.data import CropSampler, list_images, load_train_images, split_images
from training.swiftsr_train.loop import curve_path, train
from training.swiftsr_train.metrics import Validator
from training.swiftsr_train.model import build_generator
from training.swiftsr_train.variants import REPO, get_variant

from .synthetic import make_images


@pytest.fixture(scope='module')
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_images(tmp_path_factory.mktemp('data') / 'synthetic', n=6)


def opts(data: Path, tmp: Path, *extra: str, variant: str = 'tiny') -> dict:
    return options(['--variant', variant, '--out', str(tmp / 'model'), '--checkpoint', str(tmp / 'run.pt'), '--data', str(data),
                    '--patch', '24', '--batch', '4', '--warmup', '2', '--val-split-every', '3', '--val-max', '1', '--threads', '1',
                    '--no-export', '--log-every-s', '100', *extra])


def test_loss_falls(data: Path, tmp_path: Path) -> None:
    o = opts(data, tmp_path, '--steps', '80', '--val-every', '80', '--ckpt-every', '80', '--lr', '5e-3')
    files = list_images(o['data'])
    validator = Validator(split_images(files, 3, 1)[1], 4)
    untrained = build_generator(get_variant('tiny'), o['seed'])
    before = validator(untrained, torch.device('cpu'))
    lr, hr = CropSampler(load_train_images(files, 4, 24, False), 4, 24, {'clean': 1.0}, seed=99).batch(32)
    assert train(o) == 0
    recs = [json.loads(line) for line in curve_path(tmp_path / 'run.pt').read_text().splitlines()]
    after = [r for r in recs if 'val' in r][0]
    assert after['step'] == 80
    # Held-out Y-PSNR rises from the untrained model's (close to plain bilinear) by a clear margin.
    assert after['val'] > before + 0.5, (before, after)
    c = ckpt.load(tmp_path / 'run.pt')
    assert c['step'] == 80
    trained = build_generator(get_variant('tiny'), o['seed'])
    trained.load_state_dict(c['model'])
    with torch.no_grad():  # the L1 loss on one fixed batch of 32 crops falls
        assert F.l1_loss(trained(lr), hr) < 0.9 * F.l1_loss(untrained(lr), hr)


def test_resume_is_exact(data: Path, tmp_path: Path) -> None:
    a, b = tmp_path / 'a', tmp_path / 'b'
    base = ('--steps', '4', '--val-every', '100', '--ckpt-every', '100', '--degrade', 'clean')
    assert train(opts(data, a, *base)) == 0
    two = list(base)
    two[1] = '2'
    assert train(opts(data, b, *two)) == 0
    assert ckpt.load(b / 'run.pt')['step'] == 2
    assert train(opts(data, b, *base, '--resume')) == 0
    ca, cb = ckpt.load(a / 'run.pt'), ckpt.load(b / 'run.pt')
    assert cb['step'] == 4
    for k, t in ca['model'].items():
        assert torch.equal(t, cb['model'][k]), k
    assert torch.equal(ca['rng'], cb['rng'])


def test_resume_refuses_changed_options(data: Path, tmp_path: Path) -> None:
    assert train(opts(data, tmp_path, '--steps', '1', '--val-every', '100', '--ckpt-every', '100')) == 0
    with pytest.raises(ValueError, match=r'options differ from the checkpoint: lr'):
        train(opts(data, tmp_path, '--steps', '2', '--lr', '1e-4', '--resume'))


def test_sigterm_checkpoints_exports_and_exits_130(data: Path, tmp_path: Path) -> None:
    cmd = [sys.executable, '-m', 'training.swiftsr_train', '--variant', 'tiny', '--out', str(tmp_path / 'model'), '--checkpoint', str(tmp_path / 'run.pt'),
           '--data', str(data), '--patch', '24', '--batch', '4', '--steps', '100000', '--val-every', '100000', '--ckpt-every', '100000',
           '--val-split-every', '3', '--val-max', '1', '--threads', '1', '--log-every-s', '0']
    p = subprocess.Popen(cmd, cwd=REPO, stderr=subprocess.PIPE, text=True)
    assert p.stderr is not None
    for line in p.stderr:  # the progress line appears once steps run
        if line.startswith('step '):
            break
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130, err
    step = ckpt.load(tmp_path / 'run.pt')['step']
    assert 0 < step < 100000
    assert (tmp_path / 'model' / 'swiftsr.json').is_file(), err


@pytest.mark.parametrize('argv, message', [
    (['--variant', 'nope', '--out', 'x'], "unknown variant 'nope'"),
    (['--variant', 'tiny', '--out', 'x', '--degrade', 'clean:0.5,fax:1'], "unknown degradation 'fax'"),
    (['--variant', 'tiny', '--out', 'x', '--degrade', 'clean:-1'], "weight of 'clean' must be > 0"),
    (['--variant', 'tiny', '--out', 'x', '--steps', '0'], 'expected a positive integer, got 0'),
    (['--variant', 'tiny', '--out', 'x', '--phase', 'gan'], '--phase gan needs --init'),
])
def test_bad_arguments(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        options(argv)
    assert e.value.code == 2
    assert message in capsys.readouterr().err


def test_data_errors_name_the_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / 'Set5').mkdir()
    assert main(['--variant', 'tiny', '--out', str(tmp_path / 'm'), '--data', str(tmp_path / 'Set5')]) == 2
    assert 'is an evaluation set' in capsys.readouterr().err
    assert main(['--variant', 'tiny', '--out', str(tmp_path / 'm'), '--data', str(tmp_path / 'missing')]) == 2
    assert 'does not exist' in capsys.readouterr().err
    assert main(['--variant', 'tiny', '--out', str(tmp_path / 'm'), '--resume', '--checkpoint', str(tmp_path / 'none.pt'), '--data', str(tmp_path)]) == 2


MOBILENET = REPO.parent / 'shared' / 'weights' / 'mobilenet_v2' / 'tm_export_0.35_224' / 'model.json'


@pytest.mark.skipif(not MOBILENET.is_file(), reason=f'the MobileNetV2 ImageNet weights are research data, absent here: {MOBILENET}')
def test_gan_phase_from_psnr_checkpoint(data: Path, tmp_path: Path) -> None:
    assert train(opts(data, tmp_path / 'p', '--steps', '2', '--val-every', '100', '--ckpt-every', '100', '--patch', '32')) == 0
    o = opts(data, tmp_path / 'g', '--phase', 'gan', '--init', str(tmp_path / 'p' / 'run.pt'), '--steps', '2', '--val-every', '100', '--ckpt-every', '100', '--patch', '32')
    assert train(o) == 0
    c = ckpt.load(tmp_path / 'g' / 'run.pt')
    assert c['init_from']['step'] == 2 and c['gan'] is not None
    rec = [json.loads(line) for line in curve_path(tmp_path / 'g' / 'run.pt').read_text().splitlines()][-1]
    for k in ('mse', 'adv', 'perc', 'tv', 'd'):
        assert rec[k] == rec[k] and rec[k] >= 0, (k, rec)


def test_sources_smaller_than_the_crop_are_never_drawn() -> None:
    import numpy as np
    from training.swiftsr_train.data import LrFrame, TrainImage
    hr = np.zeros((96, 96, 3), np.uint8)
    hr[::2] = 200
    im = TrainImage(Path('a.png'), hr, {'clean': [LrFrame(hr[::4, ::4].copy())], 'call-vp8': [LrFrame(hr[:40:4, :40:4].copy()), LrFrame(hr[::4, ::4].copy(), 0, 0)]})
    small = TrainImage(Path('b.png'), hr, {'clean': [LrFrame(hr[::4, ::4].copy())], 'call-vp8': [LrFrame(hr[:40:4, :40:4].copy())]})
    sampler = CropSampler([im, small], 4, 64, {'clean': 1.0, 'call-vp8': 1.0}, seed=0)
    lr, hr_b = sampler.batch(16)  # a 10x10 LR frame cannot hold a 16x16 crop: it must be left out, not crash
    assert lr.shape == (16, 3, 16, 16) and hr_b.shape == (16, 3, 64, 64)
    assert 'call-vp8' not in small.sources and len(im.sources['call-vp8']) == 1
