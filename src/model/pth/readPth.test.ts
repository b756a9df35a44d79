import { describe, expect, it } from 'vitest';
import { PickleError } from './pickle.js';
import { findStateDict, PthFormatError, readPth, type TorchTensor } from './readPth.js';
import { f32Bytes, PickleWriter, pickleArchive, torchArchive } from '../../../test/support/pthArchive.js';

/** [x, x] nested `depth` times through memo references: 2^depth leaves as a tree, depth + 1 objects as a DAG. */
function sharedBomb(depth: number): Uint8Array {
  const w = new PickleWriter().op(0x5d).put(0);
  for (let i = 0; i < depth; i++) w.mark().get(i).get(i).op(0x6c).put(i + 1);
  return pickleArchive(w.stop());
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(PthFormatError);
  return e as Error;
}

describe('readPth against hostile files (red team 4)', () => {
  it('(a) keeps memo references shared: a 2^40-node tree of shared lists is read as its 41 objects', async () => {
    // Depth 16 first: the old reader copied every reference (2^16 leaves, bounded) instead of sharing it.
    const small = (await readPth(sharedBomb(16))) as unknown[][];
    expect(small[0]).toBe(small[1]);
    const root = (await readPth(sharedBomb(40))) as unknown[][];
    expect(sharedBomb(40).length).toBeLessThan(1024);
    let v: unknown = root;
    for (let i = 0; i < 40; i++) {
      const list = v as unknown[];
      expect(list).toHaveLength(2);
      expect(list[0]).toBe(list[1]);
      v = list[0];
    }
    expect(v).toEqual([]);
  });

  it('(a) reads a list that contains itself, and a 100,000-deep nesting, without recursion', async () => {
    const cyclic = (await readPth(pickleArchive(new PickleWriter().op(0x5d).put(0).get(0).op(0x61).stop()))) as unknown[];
    expect(cyclic[0]).toBe(cyclic);
    // A chain: each new list appended to the one before (memo 1 holds the latest); the outermost stays at the bottom.
    const chain = new PickleWriter().op(0x5d).put(0).op(0x32);
    for (let i = 0; i < 100_000; i++) chain.op(0x5d).put(1).op(0x61).op(0x30).get(1);
    chain.op(0x30);
    const root = (await readPth(pickleArchive(chain.stop()))) as unknown[];
    let depth = 0;
    for (let v: unknown[] = root; v.length > 0; v = v[0] as unknown[]) depth++;
    expect(depth).toBe(100_000);
  });

  it('(b) decodes LONG1 exactly and rejects a LONG4 beyond a few hundred bytes at once', async () => {
    const raw = Uint8Array.from({ length: 255 }, (_, i) => (i * 37 + 11) & 0xff);
    raw[254] = 0x7f;
    let want = 0n;
    for (let i = raw.length - 1; i >= 0; i--) want = (want << 8n) | BigInt(raw[i] ?? 0);
    const long1 = new PickleWriter().op(0x8a, raw.length).raw(raw).stop();
    expect(await readPth(pickleArchive(long1))).toBe(want);
    const neg = new PickleWriter().op(0x8b).u32(9).raw(new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0x80])).stop();
    expect(await readPth(pickleArchive(neg))).toBe(-(2n ** 71n));
    const huge = new PickleWriter().op(0x8b).u32(64 * 1024).raw(new Uint8Array(64 * 1024).fill(0x55)).stop();
    const e = await rejection(readPth(pickleArchive(huge)));
    expect(e).toBeInstanceOf(PickleError);
    expect(e.message).toMatch(/LONG4 of 65536 bytes/);
  });

  it('(c) checks shape, stride and offset against the storage and the file-size budget before allocating', async () => {
    const four = new Map([['0', f32Bytes([1, 2, 3, 4])]]);
    // 2e6 elements of stride 0 over a 4-element storage: 8 MB from a file of a few hundred bytes.
    let e = await rejection(readPth(torchArchive([{ name: 'w', storage: '0', shape: [2_000_000], stride: [0] }], four)));
    expect(e.message).toMatch(/budget/);
    e = await rejection(readPth(torchArchive([{ name: 'w', storage: '0', shape: [250_000_000], stride: [0] }], four)));
    expect(e.message).toMatch(/budget/);
    e = await rejection(readPth(torchArchive([{ name: 'w', storage: '0', shape: [2, 3] }], four)));
    expect(e.message).toMatch(/storage data\/0 holds 4 float32 elements/);
    e = await rejection(readPth(torchArchive([{ name: 'w', storage: '0', shape: [2], offset: 3 }], four)));
    expect(e.message).toMatch(/storage data\/0/);
    await rejection(readPth(torchArchive([{ name: 'w', storage: '0', shape: [2], stride: [-1], offset: 3 }], four)));
    await rejection(readPth(torchArchive([{ name: 'w', storage: '0', shape: [-2] }], four)));
    await rejection(readPth(torchArchive([{ name: 'w', storage: '0', shape: new Array<number>(100).fill(1) }], four)));
    const ok = findStateDict(await readPth(torchArchive([
      { name: 'w', storage: '0', shape: [2, 2], stride: [1, 2] },
      { name: 'e', storage: '0', shape: [3, 0] },
      { name: 'b', storage: '0', shape: [3], stride: [0], offset: 3 },
    ], four)));
    expect([...(ok.get('w') as TorchTensor).data ?? []]).toEqual([1, 3, 2, 4]);
    expect((ok.get('e') as TorchTensor).data).toHaveLength(0);
    expect([...(ok.get('b') as TorchTensor).data ?? []]).toEqual([4, 4, 4]);
  });

  it('(g) names the problem with its own error for torch-shaped nonsense', async () => {
    const four = new Map([['0', f32Bytes([1, 2, 3, 4])]]);
    // A persistent id that is a list containing itself (was JSON.stringify-ed into the message).
    const selfRef = new PickleWriter().op(0x5d).put(0).get(0).op(0x61).op(0x51).stop();
    expect((await rejection(readPth(pickleArchive(selfRef)))).message).toMatch(/persistent id/);
    // APPEND on a tuple (was a TypeError from a frozen array).
    await rejection(readPth(pickleArchive(new PickleWriter().op(0x29).int(1).op(0x61).stop())));
    // 200,000 items in one APPENDS (was a RangeError from push(...items)).
    const many = new PickleWriter().op(0x5d).mark();
    for (let i = 0; i < 200_000; i++) many.op(0x4b, 1);
    expect(await readPth(pickleArchive(many.op(0x65).stop()))).toHaveLength(200_000);
    // A storage type named after an Object.prototype member.
    await rejection(readPth(torchArchive([{ name: 'w', storage: '0', shape: [1], storageType: 'constructor' }], four)));
    // A storage missing from the archive.
    expect((await rejection(readPth(torchArchive([{ name: 'w', storage: '7', shape: [1] }], four)))).message).toMatch(/data\/7/);
  });
});
