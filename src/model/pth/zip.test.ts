import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findStateDict, PthFormatError, readPth } from './readPth.js';
import { makeZip, PickleWriter, torchArchive, writeTensor, type TestTensor } from '../../../test/support/pthArchive.js';
import { ZipFormatError } from './zip.js';

const FIXTURES = join(import.meta.dirname, '../../../test/fixtures/model');

async function zipRejection(p: Promise<unknown>): Promise<Error> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(ZipFormatError);
  expect(e).toBeInstanceOf(PthFormatError);
  return e as Error;
}

/** One float tensor 'w' of `n` elements over storage '0', with the given storage entry. */
function oneTensor(n: number, storage: Parameters<typeof makeZip>[0][number], extra: Parameters<typeof makeZip>[0] = []): Uint8Array {
  const w = new PickleWriter().global('collections', 'OrderedDict').op(0x29).reduce().mark().str('w');
  writeTensor(w, { name: 'w', storage: '0', shape: [n] }, n);
  return makeZip([{ name: 'archive/data.pkl', data: w.op(0x75).stop() }, storage, ...extra]);
}

describe('the ZIP layer against hostile files (red team 4)', () => {
  it('(d) refuses an entry whose declared size exceeds the budget (32 x the file) before inflating it', async () => {
    const zeros = new Uint8Array(16 * 1024 * 1024);
    const bomb = oneTensor(1, { name: 'archive/data/0', data: zeros, deflate: true });
    expect(bomb.length).toBeLessThan(64 * 1024);
    expect((await zipRejection(readPth(bomb))).message).toMatch(/budget/);
  });

  it('(d) stops inflating as soon as an entry passes its declared size', async () => {
    const liar = oneTensor(16, { name: 'archive/data/0', data: new Uint8Array(16 * 1024 * 1024), deflate: true, declaredSize: 64 });
    expect((await zipRejection(readPth(liar))).message).toMatch(/archive\/data\/0 inflates to more than the 64 bytes it declares/);
  });

  it('(d) refuses entries that overlap (the same bytes read as several entries)', async () => {
    const data = new Uint8Array(64);
    const shared = oneTensor(16, { name: 'archive/data/0', data }, [{ name: 'archive/data/1', data, sameDataAs: 'archive/data/0' }]);
    expect((await zipRejection(readPth(shared))).message).toMatch(/overlap/);
  });

  it('(d) counts every inflated entry against one budget', async () => {
    const tensors: TestTensor[] = [];
    const entries = [];
    for (let i = 0; i < 64; i++) {
      tensors.push({ name: `w${i}`, storage: String(i), shape: [1] });
      entries.push({ name: `archive/data/${i}`, data: new Uint8Array(64 * 1024), deflate: true });
    }
    const w = new PickleWriter().global('collections', 'OrderedDict').op(0x29).reduce().mark();
    for (const t of tensors) writeTensor(w.str(t.name), t);
    const zip = makeZip([{ name: 'archive/data.pkl', data: w.op(0x75).stop() }, ...entries]);
    expect(64 * 64 * 1024).toBeGreaterThan(32 * zip.length);
    expect((await zipRejection(readPth(zip))).message).toMatch(/budget/);
  });

  it('(e) verifies the CRC-32 of every entry it reads: a bit flip in a tensor is refused', async () => {
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'espcn-nearest-8x1-x2.pth')));
    expect(findStateDict(await readPth(bytes)).size).toBeGreaterThan(0);
    // Flip one bit inside the first storage: the second local header's data.
    const v = new DataView(bytes.buffer);
    const local = bytes.findIndex((b, i) => i > 0 && b === 0x50 && v.getUint32(i, true) === 0x04034b50);
    const at = local + 30 + v.getUint16(local + 26, true) + v.getUint16(local + 28, true) + 2;
    const flipped = bytes.slice();
    flipped[at] = (flipped[at] ?? 0) ^ 0x10;
    expect((await zipRejection(readPth(flipped))).message).toMatch(/CRC-32/);
    const badCrc = makeZip([{ name: 'archive/data.pkl', data: new PickleWriter().op(0x4e).stop(), crc: 1234 }]);
    expect((await zipRejection(readPth(badCrc))).message).toMatch(/archive\/data\.pkl: CRC-32/);
  });

  it('(f) finds 40,000 storages by name in linear time', { timeout: 30_000 }, async () => {
    const n = 40_000;
    const w = new PickleWriter().global('collections', 'OrderedDict').op(0x29).reduce().mark();
    const entries = [];
    for (let i = 0; i < n; i++) {
      writeTensor(w.str(`t${i}`), { name: `t${i}`, storage: String(i), shape: [1] });
      entries.push({ name: `archive/data/${i}`, data: new Uint8Array(new Float32Array([i]).buffer) });
    }
    const zip = makeZip([{ name: 'archive/data.pkl', data: w.op(0x75).stop() }, ...entries]);
    const sd = findStateDict(await readPth(zip));
    expect(sd.size).toBe(n);
    expect(sd.get(`t${n - 1}`)?.data?.[0]).toBe(n - 1);
  });

  it('(g) malformed central directories throw ZipFormatError, not RangeError', async () => {
    const good = torchArchive([{ name: 'w', storage: '0', shape: [1] }], new Map([['0', new Uint8Array(4)]]));
    const eocd = good.length - 22;
    const cd = new DataView(good.buffer).getUint32(eocd + 16, true);
    // An extra-field length that runs past the end of the file.
    const longExtra = good.slice();
    new DataView(longExtra.buffer).setUint16(cd + 30, 0xffff, true);
    await zipRejection(readPth(longExtra));
    // A ZIP64 extra field (id 1) with no room for its 8-byte values, on an entry that needs them.
    const z64 = good.slice();
    const v = new DataView(z64.buffer);
    v.setUint32(cd + 24, 0xffffffff, true);
    v.setUint16(cd + 30, 4, true);
    v.setUint16(cd + 46 + v.getUint16(cd + 28, true), 1, true);
    v.setUint16(cd + 48 + v.getUint16(cd + 28, true), 0, true);
    await zipRejection(readPth(z64));
    // Deflate data that is not deflate.
    const junk = oneTensor(1, { name: 'archive/data/0', data: new Uint8Array(4), packed: new Uint8Array([0xff, 0xff, 0xff, 0xff]) });
    await zipRejection(readPth(junk));
  });
});
