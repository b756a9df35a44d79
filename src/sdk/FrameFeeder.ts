/**
 * Input path for browsers without MediaStreamTrackProcessor anywhere: a hidden <video> plays the track and
 * each new frame (requestVideoFrameCallback) becomes an ImageBitmap posted to the worker. One bitmap in
 * flight at most, the same latest-frame rule as the worker's pipeline.
 */
export class FrameFeeder {
  readonly #video: HTMLVideoElement;
  #stopped = false;
  #busy = false;
  #handle = 0;

  constructor(track: MediaStreamTrack, private readonly send: (bitmap: ImageBitmap, timestampUs: number) => void) {
    const video = document.createElement('video');
    video.muted = true;
    video.playsInline = true;
    video.srcObject = new MediaStream([track]);
    this.#video = video;
    void video.play().catch(() => undefined);
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    this.#video.cancelVideoFrameCallback(this.#handle);
    this.#video.pause();
    this.#video.srcObject = null;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#handle = this.#video.requestVideoFrameCallback((_now, meta) => {
      this.#schedule();
      if (this.#busy) return;
      this.#busy = true;
      createImageBitmap(this.#video)
        .then((bitmap) => {
          if (this.#stopped) bitmap.close();
          else this.send(bitmap, Math.round(meta.mediaTime * 1e6));
        })
        .catch(() => undefined)
        .finally(() => {
          this.#busy = false;
        });
    });
  }
}
