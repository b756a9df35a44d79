"""The training loop: phases psnr and gan, budget, signals, checkpoints, validation, export."""
from __future__ import annotations

import signal
import sys
import time
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from . import checkpoint as ckpt
from .data import CropSampler, list_images, load_train_images, split_images
from .export import export_model
from .metrics import Validator
from .model import build_generator, count_params
from .progress import Progress
from .schedule import learning_rate
from .variants import get_variant

# Options a resumed run may change; every other one must equal the checkpoint's (or the run would not be
# the continuation of the same experiment).
RESUMABLE = {'export_only', 'prepare_only', 'steps', 'val_every', 'ckpt_every', 'threads', 'device', 'max_minutes', 'resume', 'out', 'checkpoint', 'no_export', 'log_every_s'}


class Stop:
    def __init__(self) -> None:
        self.signal: int | None = None

    def __call__(self, signum: int, _frame: Any) -> None:
        if self.signal is not None:
            raise KeyboardInterrupt  # second signal: exit at once
        self.signal = signum
        print(f'\n{signal.Signals(signum).name}: finishing the step, saving the checkpoint, exporting', file=sys.stderr, flush=True)


def resolve_device(name: str) -> torch.device:
    if name == 'auto':
        return torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    if name == 'cuda' and not torch.cuda.is_available():
        raise ValueError('--device cuda: no CUDA device is available to this torch build')
    return torch.device(name)


def train(o: dict[str, Any]) -> int:
    t_start = time.monotonic()
    torch.set_num_threads(o['threads'])
    device = resolve_device(o['device'])
    v = get_variant(o['variant'])
    files = list_images(o['data'])
    train_files, val_files = split_images(files, o['val_split_every'], o['val_max'])
    images = load_train_images(train_files, v.scale, o['patch'], o['skip_small'])
    mix = o['degrade']
    deg_info: dict[str, Any] = {}
    if set(mix) - {'clean'}:
        from .degrade import attach_call_sources
        deg_info = attach_call_sources(images, v.scale, [k for k in mix if k != 'clean'], o['seed'], max(2, o['threads']), o['call_images'])
    sampler = CropSampler(images, v.scale, o['patch'], mix, o['seed'])
    if o['prepare_only']:
        print(f'data ready: {len(images)} images, {deg_info}', file=sys.stderr)
        return 0
    model = build_generator(v, o['seed']).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=o['lr'], betas=(0.9, 0.999))
    gan = None
    if o['phase'] == 'gan':
        from .gan import GanPhase
        gan = GanPhase(o, device)
    step, wall, init_from, export_reason = 0, 0.0, None, 'steps'
    ck_path = Path(o['checkpoint'])
    if o['resume']:
        c = ckpt.load(ck_path)
        from .cli import build_parser
        defaults = build_parser()
        # An option newer than the checkpoint counts as unchanged when it has its default value.
        saved = {k: c['options'].get(k, defaults.get_default(k)) for k in set(c['options']) | set(o)}
        changed = {k for k in saved if k not in RESUMABLE and saved[k] != o.get(k)}
        if changed:
            raise ValueError('--resume: options differ from the checkpoint: ' + ', '.join(f"{k} ({saved[k]!r} -> {o.get(k)!r})" for k in sorted(changed)))
        model.load_state_dict(c['model'])
        opt.load_state_dict(c['optim'])
        sampler.gen.set_state(c['rng'])
        step, wall, init_from = c['step'], c['wall_s'], c.get('init_from')
        if o['export_only']:
            o['steps'], export_reason = step, c.get('stopped_by', 'steps')
        if gan is not None:
            gan.load_state_dict(c['gan'])
        print(f'resumed {ck_path} at step {step}', file=sys.stderr)
    elif o['init'] is not None:
        c = ckpt.load(Path(o['init']))
        model.load_state_dict(c['model'])
        init_from = {'checkpoint': o['init'], 'step': c['step'], 'phase': c['options']['phase'], 'variant': c['options']['variant']}
        if c['options']['variant'] != o['variant']:
            raise ValueError(f"--init {o['init']} is variant {c['options']['variant']}, not {o['variant']}")
    validator = Validator(val_files, v.scale)
    progress = Progress(o['steps'], curve_path(ck_path), o['log_every_s'])
    print(f"{o['variant']} ({count_params(model)} params) phase {o['phase']} on {device}, {o['threads']} threads: {len(images)} training images, "
          f"{len(val_files)} held out (bicubic {validator.bicubic:.2f} dB), degradations {mix}", file=sys.stderr, flush=True)

    stop = Stop()
    old = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    budget = o['max_minutes'] * 60 if o['max_minutes'] is not None else None
    t_loop = time.monotonic()  # the budget counts training, not loading (minutes on a loaded machine)
    reason, loss_v, val = (export_reason if o['export_only'] else 'steps'), float('nan'), float('nan')
    model.train()

    def save() -> None:
        ckpt.save_atomic({'format': 'swiftsr-train-v1', 'step': step, 'wall_s': wall + time.monotonic() - t_start, 'options': o,
                          'model': model.state_dict(), 'optim': opt.state_dict(), 'rng': sampler.gen.get_state(),
                          'gan': gan.state_dict() if gan is not None else None, 'init_from': init_from, 'stopped_by': reason}, ck_path)

    try:
        while step < o['steps']:
            lr_now = learning_rate(step, o['steps'], o['lr'], o['warmup'], o['schedule'])
            for gparam in opt.param_groups:
                gparam['lr'] = lr_now
            lr_b, hr_b = sampler.batch(o['batch'])
            lr_b, hr_b = lr_b.to(device), hr_b.to(device)
            sr = model(lr_b)
            if gan is None:
                loss = F.l1_loss(sr, hr_b) if o['loss'] == 'l1' else F.mse_loss(sr, hr_b)
                parts: dict[str, float] = {}
            else:
                loss, parts = gan.generator_loss(sr, hr_b)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if gan is not None:
                parts.update(gan.discriminator_step(sr.detach(), hr_b, lr_now * o['d_lr'] / o['lr']))
            step += 1
            loss_v = float(loss)
            elapsed = wall + time.monotonic() - t_start
            rec: dict[str, Any] = {'step': step, 'loss': loss_v, 'lr': lr_now, 't': round(elapsed, 2), **parts}
            val_s = ''
            if step % o['val_every'] == 0 or step == o['steps']:
                val = validator(model, device)
                rec.update(val=val, bicubic=validator.bicubic)
                val_s = f'val {val:.2f} dB (bicubic {validator.bicubic:.2f})'
            if val_s or step % 50 == 0:
                progress.log(rec)
            progress.tick(step, loss_v, lr_now, elapsed, val_s, force=bool(val_s))
            if step % o['ckpt_every'] == 0:
                save()
            if stop.signal is not None:
                reason = 'signal'
                break
            if budget is not None and time.monotonic() - t_loop >= budget:
                reason = 'budget'
                print(f"--max-minutes {o['max_minutes']} reached at step {step}", file=sys.stderr)
                break
        if not o['export_only']:
            save()
        if val != val or rec.get('val') is None:
            val = validator(model, device)
            progress.log({'step': step, 'val': val, 'bicubic': validator.bicubic, 't': round(wall + time.monotonic() - t_start, 2)})
        if not o['no_export']:
            prov = provenance(o, v, device, step, wall if o['export_only'] else wall + time.monotonic() - t_start, images, val_files, deg_info, init_from, loss_v, val, validator.bicubic, reason)
            export_model(model.cpu(), o['variant'], Path(o['out']), prov)
            print(f"exported {o['out']} (step {step}, val {val:.2f} dB vs bicubic {validator.bicubic:.2f})", file=sys.stderr)
    finally:
        for s, h in old.items():
            signal.signal(s, h)
    return 130 if reason == 'signal' else 0


def provenance(o: dict[str, Any], v: Any, device: torch.device, step: int, wall: float, images: list, val_files: list, deg_info: dict[str, Any],
               init_from: Any, loss: float, val: float, bicubic: float, reason: str) -> dict[str, Any]:
    return {
        'trainer': 'training/swiftsr_train (PyTorch)', 'phase': o['phase'], 'variant': o['variant'],
        'data': {'folders': [Path(d).name for d in o['data']], 'trainImages': len(images), 'heldOut': [f.name for f in val_files]},
        'degradations': {'mix': o['degrade'], **deg_info},
        'steps': step, 'stoppedBy': reason, 'batch': o['batch'], 'patch': o['patch'], 'loss': o['loss'] if o['phase'] == 'psnr' else 'gan',
        'optimizer': 'adam', 'lr': o['lr'], 'schedule': o['schedule'], 'warmup': o['warmup'], 'seed': o['seed'],
        'gan': {k: o[k] for k in ('adv_weight', 'perc_weight', 'tv_weight', 'd_lr', 'd_width', 'feature_layer')} if o['phase'] == 'gan' else None,
        'init': init_from, 'wallSeconds': round(wall, 1), 'device': str(device) if device.type != 'cuda' else torch.cuda.get_device_name(device),
        'threads': o['threads'], 'torch': torch.__version__, 'finalLoss': loss, 'validation': {'psnrY': round(val, 3), 'bicubicY': round(bicubic, 3)},
    }


def curve_path(ck_path: Path) -> Path:
    """The progress log next to the checkpoint (training curves are drawn from it)."""
    return ck_path.with_name(ck_path.stem + '.curve.jsonl')
