// The architecture's description, without TF.js: the browser SDK's published types reach it through the
// worker protocol and the catalogue, and must not pull TF.js's declarations into an app's type check.

/** Global residual added to the network output; 'none' is the paper. */
export type SkipMode = 'none' | 'bilinear' | 'nearest';

/**
 * 'paper': upsample blocks of [sep-conv 3x3 C->4C, pixel shuffle x2, PReLU] then a 9x9 sep-conv to RGB
 * at output resolution. 'espcn': every conv at input resolution, one pixel shuffle to RGB at the end.
 */
export type TailMode = 'paper' | 'espcn';

export interface GeneratorConfig {
  readonly scale: 2 | 3 | 4;
  readonly channels: number;
  readonly blocks: number;
  readonly skip: SkipMode;
  readonly tail: TailMode;
}
