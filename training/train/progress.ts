/** A one-line progress bar on a TTY, a plain line every `every` steps otherwise (logs, CI). */
export class Progress {
  private readonly t0 = Date.now();
  private lastLine = 0;

  constructor(
    private readonly total: number,
    private readonly startStep: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly every = 10,
  ) {}

  static formatDuration(s: number): string {
    if (!Number.isFinite(s)) return '?';
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const sec = Math.floor(s % 60);
    return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(sec).padStart(2, '0')}s`;
  }

  line(step: number, loss: number, extra: string): string {
    const done = step - this.startStep;
    const elapsed = (Date.now() - this.t0) / 1000;
    const rate = done > 0 ? done / elapsed : 0;
    const eta = rate > 0 ? (this.total - step) / rate : Infinity;
    const width = 20;
    const filled = Math.round((width * step) / Math.max(1, this.total));
    const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
    const pct = ((100 * step) / Math.max(1, this.total)).toFixed(0);
    return `step ${step}/${this.total} [${bar}] ${pct}% loss ${loss.toFixed(5)} ${rate.toFixed(2)} steps/s ETA ${Progress.formatDuration(eta)}${extra ? ` | ${extra}` : ''}`;
  }

  update(step: number, loss: number, extra = ''): void {
    const text = this.line(step, loss, extra);
    if (this.out.isTTY) {
      this.out.write(`\r${text.padEnd(this.lastLine)}`);
      this.lastLine = text.length;
    } else if (step % this.every === 0 || step === this.total) {
      this.out.write(`${text}\n`);
    }
  }

  log(message: string): void {
    if (this.out.isTTY && this.lastLine > 0) this.out.write('\n');
    this.lastLine = 0;
    this.out.write(`${message}\n`);
  }
}
