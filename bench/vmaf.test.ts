import { describe, expect, it } from 'vitest';
import { parseFilterNames, parseVmafLog, vmafSupport } from './vmaf.js';

const LISTING = `Filters:
  T.. = Timeline support
  .S. = Slice threading
  ..C = Command support
  A = Audio input/output
  V = Video input/output
  N = Dynamic number and/or type of input/output
  | = Source or sink filter
 ... abench            A->A       Benchmark part of a filtergraph.
 TS. vif               VV->V      Calculate the VIF between two video streams.
 ... vmafmotion        V->V       Calculate the VMAF Motion score.
 ... buffer            |->V       Buffer video frames, and make them accessible to the filterchain.
 ... amix              N->A       Audio mixing.
`;

describe('VMAF detection', () => {
  it('reads filter names from ffmpeg -filters, not the legend', () => {
    const names = parseFilterNames(LISTING);
    expect([...names].sort()).toEqual(['abench', 'amix', 'buffer', 'vif', 'vmafmotion']);
  });

  it('does not take vmafmotion for VMAF', () => {
    const s = vmafSupport(parseFilterNames(LISTING));
    expect(s.available).toBe(false);
    expect(s.note).toMatch(/no libvmaf .*vmafmotion only/);
  });

  it('uses libvmaf when the build lists it', () => {
    const withLib = LISTING + ' ... libvmaf           VV->V      Calculate the VMAF between two video streams.\n';
    expect(vmafSupport(parseFilterNames(withLib)).available).toBe(true);
    expect(vmafSupport(new Set()).note).toBe('not measured: `ffmpeg -filters` lists no libvmaf');
  });

  it('parses the pooled mean of libvmaf v2 and v1 logs and rejects a log without one', () => {
    expect(parseVmafLog(JSON.stringify({ version: '2.3.1', frames: [], pooled_metrics: { vmaf: { min: 80, max: 99, mean: 91.25, harmonic_mean: 91 } } }))).toBe(91.25);
    expect(parseVmafLog(JSON.stringify({ frames: [], 'VMAF score': 77.5 }))).toBe(77.5);
    expect(() => parseVmafLog(JSON.stringify({ pooled_metrics: { psnr_y: { mean: 40 } } }))).toThrow(/no pooled VMAF/);
  });
});
