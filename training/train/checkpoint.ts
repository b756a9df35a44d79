import { open, rename, readFile, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

const MAGIC = 'SSRCKPT1';

export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
}

export interface CheckpointHeader {
  readonly [key: string]: unknown;
}

interface TensorEntry {
  readonly name: string;
  readonly shape: number[];
  readonly offset: number;
  readonly length: number;
}

/**
 * One file: magic, header length, JSON header, float32 tensor data. Written to a temporary file,
 * fsynced, renamed over the old one and the folder fsynced, so a kill -9 at any point leaves either
 * the previous or the new checkpoint, never a torn one.
 */
export async function writeCheckpoint(path: string, header: CheckpointHeader, tensors: ReadonlyMap<string, tf.Tensor>): Promise<void> {
  const entries: TensorEntry[] = [];
  const datas: Float32Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    const d = (await t.data()) as Float32Array;
    entries.push({ name, shape: [...t.shape], offset, length: d.length });
    datas.push(d);
    offset += d.length;
  }
  const json = Buffer.from(JSON.stringify({ ...header, tensors: entries }), 'utf8');
  const headLen = 12 + json.length;
  const pad = (4 - (headLen % 4)) % 4;
  const buf = Buffer.alloc(headLen + pad + offset * 4);
  buf.write(MAGIC, 0, 'ascii');
  buf.writeUInt32LE(json.length, 8);
  json.copy(buf, 12);
  const floats = new Float32Array(buf.buffer, buf.byteOffset + headLen + pad, offset);
  let o = 0;
  for (const d of datas) {
    floats.set(d, o);
    o += d.length;
  }
  const tmp = `${path}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(buf);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path).catch(async (e: unknown) => {
    await unlink(tmp).catch(() => undefined);
    throw e;
  });
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

export interface LoadedCheckpoint {
  readonly header: Record<string, unknown>;
  readonly tensors: Map<string, tf.Tensor>;
}

/** The header only (step, options, RNG state...): cheap, and needs no TF.js backend. */
export async function readCheckpointHeader(path: string): Promise<Record<string, unknown>> {
  const fh = await open(path, 'r').catch((e: unknown) => {
    throw new CheckpointError(`cannot read checkpoint ${path}: ${(e as Error).message}`);
  });
  try {
    const head = Buffer.alloc(12);
    await fh.read(head, 0, 12, 0);
    if (head.toString('ascii', 0, 8) !== MAGIC) throw new CheckpointError(`${path} is not a SwiftSR checkpoint`);
    const json = Buffer.alloc(head.readUInt32LE(8));
    await fh.read(json, 0, json.length, 12);
    const header = JSON.parse(json.toString('utf8')) as Record<string, unknown>;
    delete header['tensors'];
    return header;
  } finally {
    await fh.close();
  }
}

export async function readCheckpoint(path: string): Promise<LoadedCheckpoint> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    throw new CheckpointError(`cannot read checkpoint ${path}: ${(e as Error).message}`);
  }
  if (buf.length < 12 || buf.toString('ascii', 0, 8) !== MAGIC) throw new CheckpointError(`${path} is not a SwiftSR checkpoint`);
  const jsonLen = buf.readUInt32LE(8);
  const headLen = 12 + jsonLen;
  const pad = (4 - (headLen % 4)) % 4;
  let header: Record<string, unknown> & { tensors?: TensorEntry[] };
  try {
    header = JSON.parse(buf.toString('utf8', 12, headLen)) as typeof header;
  } catch {
    throw new CheckpointError(`${path}: corrupt checkpoint header`);
  }
  const entries = header.tensors ?? [];
  const total = entries.reduce((n, e) => n + e.length, 0);
  if (buf.length < headLen + pad + total * 4) throw new CheckpointError(`${path}: truncated checkpoint`);
  const floats = new Float32Array(buf.buffer.slice(buf.byteOffset + headLen + pad, buf.byteOffset + headLen + pad + total * 4));
  const tensors = new Map<string, tf.Tensor>();
  for (const e of entries) tensors.set(e.name, tf.tensor(floats.slice(e.offset, e.offset + e.length), e.shape, 'float32'));
  delete header.tensors;
  return { header, tensors };
}
