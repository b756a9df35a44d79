"""Writes the PyTorch cross-check fixtures to test/fixtures/model/ (run with /usr/bin/python3, torch 1.13).

For each case: <case>.pth (a real torch.save zip: the TS .pth reader and importer are tested on it),
<case>.json (config, shapes, the file names) and raw little-endian float32 NCHW <case>.input.bin /
<case>.output.bin. The first case also writes its state dict as raw float32 (<case>.weights.json/.bin) so
the layout importer can be tested apart from the .pth reader. Weights are seeded and made non-trivial
(BN running statistics, affine parameters, PReLU slopes and biases all random) so that a wrong layout,
a wrong pixel-shuffle order or a BN mistake changes the output.
"""
import collections
import json
import os
import sys

import torch

sys.dont_write_bytecode = True

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from swiftsrgan import Generator  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures', 'model')

CASES = [
    # name, config, how the checkpoint is wrapped
    ('paper-8x2-x4', dict(scale=4, channels=8, blocks=2, skip='none', tail='paper'), 'state_dict'),
    ('bilinear-8x2-x4', dict(scale=4, channels=8, blocks=2, skip='bilinear', tail='paper'), 'checkpoint'),
    ('espcn-8x2-x4', dict(scale=4, channels=8, blocks=2, skip='bilinear', tail='espcn'), 'state_dict'),
    ('espcn-nearest-8x1-x2', dict(scale=2, channels=8, blocks=1, skip='nearest', tail='espcn'), 'state_dict'),
    # The registered 'tiny' variant, wrapped like the authors' swift_srgan_4x.pth.tar: for the converter CLI.
    ('tiny', dict(scale=4, channels=16, blocks=2, skip='bilinear', tail='espcn'), 'checkpoint'),
    # Last, so the seeded sequence of the cases above is unchanged.
    ('espcn-8x2-x3', dict(scale=3, channels=8, blocks=2, skip='bilinear', tail='espcn'), 'state_dict'),
]


def randomize(model, gen):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith('act.weight'):
                p.copy_(torch.rand(p.shape, generator=gen) * 0.6 - 0.1)
            elif '.bn.' in name and name.endswith('weight'):
                p.copy_(torch.rand(p.shape, generator=gen) + 0.5)
            elif '.bn.' in name and name.endswith('bias'):
                p.copy_(torch.rand(p.shape, generator=gen) * 0.6 - 0.3)
            elif name.endswith('bias'):
                p.copy_(torch.rand(p.shape, generator=gen) * 0.2 - 0.1)
            else:  # conv weights: PyTorch's own init scale, but from our seeded generator
                bound = 1 / (p[0].numel() ** 0.5)
                p.copy_((torch.rand(p.shape, generator=gen) * 2 - 1) * bound * 1.5)
        for name, b in model.named_buffers():
            if name.endswith('running_mean'):
                b.copy_(torch.rand(b.shape, generator=gen) - 0.5)
            elif name.endswith('running_var'):
                b.copy_(torch.rand(b.shape, generator=gen) * 1.4 + 0.3)
            elif name.endswith('num_batches_tracked'):
                b.fill_(123)
        if model.skip != 'none':
            # Keep the residual small enough that few output pixels clip (clipped pixels compare nothing).
            model.final_conv.pointwise.weight.mul_(0.25)
            model.final_conv.pointwise.bias.mul_(0.25)


def write_f32(path, t):
    with open(path, 'wb') as f:
        f.write(t.detach().contiguous().to(torch.float32).numpy().astype('<f4').tobytes())


def main():
    os.makedirs(OUT, exist_ok=True)
    gen = torch.Generator().manual_seed(20240611)
    x = torch.rand((1, 3, 12, 16), generator=gen)
    for name, config, wrap in CASES:
        model = Generator(**config)
        randomize(model, gen)
        model.eval()
        with torch.no_grad():
            y = model(x)
        # A copy: state_dict() aliases the live parameters, which the optimizer step below would change.
        sd = collections.OrderedDict((k, v.clone()) for k, v in model.state_dict().items())
        if wrap == 'checkpoint':
            # Like a training checkpoint (.pth.tar): {'model': state_dict, ...} with an optimizer state.
            opt = torch.optim.Adam(model.parameters(), lr=1e-4)
            model.train()
            model(x).mean().backward()
            opt.step()
            model.eval()
            torch.save({'model': sd, 'optimizer': opt.state_dict(), 'epoch': 7}, os.path.join(OUT, f'{name}.pth.tar'))
        else:
            torch.save(sd, os.path.join(OUT, f'{name}.pth'))
        pth = f'{name}.pth.tar' if wrap == 'checkpoint' else f'{name}.pth'
        write_f32(os.path.join(OUT, f'{name}.input.bin'), x)
        write_f32(os.path.join(OUT, f'{name}.output.bin'), y)
        meta = {
            'config': config, 'input': list(x.shape), 'output': list(y.shape), 'layout': 'NCHW',
            'pth': pth, 'wrapped': wrap,
            'params': sum(p.numel() for p in model.parameters()),
            'torch': torch.__version__,
        }
        if name == CASES[0][0]:
            entries, offset = [], 0
            for k, v in sd.items():
                if not v.is_floating_point():
                    continue
                entries.append({'name': k, 'shape': list(v.shape), 'offset': offset})
                offset += v.numel() * 4
            with open(os.path.join(OUT, f'{name}.weights.bin'), 'wb') as f:
                for k, v in sd.items():
                    if v.is_floating_point():
                        f.write(v.contiguous().numpy().astype('<f4').tobytes())
            meta['weights'] = {'bin': f'{name}.weights.bin', 'tensors': entries}
        with open(os.path.join(OUT, f'{name}.json'), 'w') as f:
            json.dump(meta, f, indent=1)
            f.write('\n')
        print(name, tuple(y.shape), f'{meta["params"]} params', f'range [{y.min():.3f}, {y.max():.3f}]')


if __name__ == '__main__':
    main()
