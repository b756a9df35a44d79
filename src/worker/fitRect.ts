export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** The largest rect with the source's aspect ratio that fits the output, centred. */
export function fitRect(srcW: number, srcH: number, outW: number, outH: number): Rect {
  const scale = Math.min(outW / srcW, outH / srcH);
  const width = Math.round(srcW * scale);
  const height = Math.round(srcH * scale);
  return { x: Math.floor((outW - width) / 2), y: Math.floor((outH - height) / 2), width, height };
}
