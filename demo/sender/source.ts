/**
 * The sender's video sources, each at its own size up to 1920x1080 (the send mode, not the source, decides
 * what the encoder sends): the bundled clip (default), a camera, a video file, or a generated 480x270 pattern.
 */
const PATTERN_WIDTH = 480;
const PATTERN_HEIGHT = 270;
export const SEND_FPS = 30;
const MAX_SIZE = { width: 1920, height: 1080 } as const;

/** Big Buck Bunny, 2 s at 1080p (CC BY 3.0, Blender Foundation; see demo/public/media/). */
export const CLIP_URL = 'media/big-buck-bunny-1080p-2s.webm';

export type SourceKind = 'clip' | 'pattern' | 'camera' | 'file';

export interface VideoSourceHandle {
  readonly track: MediaStreamTrack;
  stop(): void;
}

function canvasSource(width: number, height: number, draw: (ctx: CanvasRenderingContext2D, t: number) => void): VideoSourceHandle {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (ctx === null) throw new Error('2d canvas unavailable');
  const track = canvas.captureStream(SEND_FPS).getVideoTracks()[0];
  if (track === undefined) throw new Error('canvas.captureStream gave no video track');
  // A timer, not requestAnimationFrame: rAF stops in background tabs and the stream would freeze.
  const start = performance.now();
  const timer = window.setInterval(() => draw(ctx, (performance.now() - start) / 1000), 1000 / SEND_FPS);
  draw(ctx, 0);
  return { track, stop: () => { clearInterval(timer); track.stop(); } };
}

/** A generated test pattern: colour bars, a zone plate, fine text and motion, all of which SR must keep. */
function drawPattern(ctx: CanvasRenderingContext2D, t: number): void {
  const w = PATTERN_WIDTH;
  const h = PATTERN_HEIGHT;
  const bars = ['#c0c0c0', '#c0c000', '#00c0c0', '#00c000', '#c000c0', '#c00000', '#0000c0'];
  bars.forEach((c, i) => {
    ctx.fillStyle = c;
    ctx.fillRect((i * w) / bars.length, 0, w / bars.length + 1, h * 0.45);
  });
  const img = ctx.createImageData(160, 120);
  for (let y = 0; y < 120; y++) {
    for (let x = 0; x < 160; x++) {
      const dx = x - 80;
      const dy = y - 60;
      const v = 128 + 127 * Math.cos((dx * dx + dy * dy) / 40 - t * 4);
      const o = (y * 160 + x) * 4;
      img.data[o] = v;
      img.data[o + 1] = v;
      img.data[o + 2] = v;
      img.data[o + 3] = 255;
    }
  }
  ctx.putImageData(img, 20, h * 0.5);
  ctx.fillStyle = '#101820';
  ctx.fillRect(200, h * 0.5, w - 200, h * 0.5);
  ctx.fillStyle = '#f0f0f0';
  ctx.font = '14px sans-serif';
  ctx.fillText('SwiftSR 480x270 test pattern', 210, h * 0.5 + 24);
  ctx.font = '10px monospace';
  ctx.fillText(`t=${t.toFixed(2)}s  The quick brown fox jumps`, 210, h * 0.5 + 44);
  ctx.fillStyle = '#ff8040';
  ctx.beginPath();
  ctx.arc(240 + ((t * 60) % (w - 280)), h * 0.5 + 90, 18, 0, Math.PI * 2);
  ctx.fill();
}

async function cameraSource(): Promise<VideoSourceHandle> {
  // As large as the camera gives up to 1080p; the send mode scales it in the encoder, not here.
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: false,
    video: { width: { ideal: MAX_SIZE.width }, height: { ideal: MAX_SIZE.height }, frameRate: { ideal: SEND_FPS } },
  });
  const track = stream.getVideoTracks()[0];
  if (track === undefined) throw new Error('getUserMedia gave no video track');
  return { track, stop: () => track.stop() };
}

async function fileSource(url: string): Promise<VideoSourceHandle> {
  const video = document.createElement('video');
  video.src = url;
  video.muted = true;
  video.loop = true;
  video.playsInline = true;
  await video.play();
  const fit = Math.min(1, MAX_SIZE.width / video.videoWidth, MAX_SIZE.height / video.videoHeight);
  // Even sizes: 4:2:0 encoders round odd ones and the receiver would see a different size than the source.
  const [w, h] = [2 * Math.round((video.videoWidth * fit) / 2), 2 * Math.round((video.videoHeight * fit) / 2)];
  const handle = canvasSource(w, h, (ctx) => ctx.drawImage(video, 0, 0, w, h));
  return { track: handle.track, stop: () => { handle.stop(); video.pause(); video.removeAttribute('src'); video.load(); } };
}

export async function openSource(kind: SourceKind, fileUrl: string | null): Promise<VideoSourceHandle> {
  switch (kind) {
    case 'clip':
      return fileSource(new URL(`../${CLIP_URL}`, location.href).href);
    case 'pattern':
      return canvasSource(PATTERN_WIDTH, PATTERN_HEIGHT, drawPattern);
    case 'camera':
      return cameraSource();
    case 'file':
      if (fileUrl === null) throw new TypeError('choose a video file first');
      return fileSource(fileUrl);
    default: {
      const never: never = kind;
      throw new TypeError(`unknown source ${String(never)}`);
    }
  }
}
