/**
 * Progress for long work: a redrawn bar on a terminal, plain lines (at most one every
 * `plainEveryMs`) when stderr is not a TTY (CI logs, pipes). Writes to stderr so stdout stays
 * clean for JSON output.
 */

export interface ProgressOptions {
  /** total units of work (e.g. batches, bytes); 0 or undefined when unknown */
  total?: number;
  /** unit name shown after the rate, e.g. 'samples', 'B' */
  unit?: string;
  /** minimum milliseconds between plain-text lines when not on a TTY */
  plainEveryMs?: number;
  /** silence all output (tests, --quiet) */
  quiet?: boolean;
  stream?: NodeJS.WriteStream;
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export class Progress {
  private done = 0;
  private readonly start = Date.now();
  private lastDraw = 0;
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;

  constructor(private readonly label: string, private readonly opts: ProgressOptions = {}) {
    this.stream = opts.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY);
  }

  /** Advance by `n` units; `info` is shown after the bar (e.g. 'loss 0.231'). */
  tick(n = 1, info = ''): void {
    this.done += n;
    this.draw(info, false);
  }

  /** Set the absolute position. */
  update(done: number, info = ''): void {
    this.done = done;
    this.draw(info, false);
  }

  /** Print the final line. */
  finish(info = ''): void {
    this.draw(info, true);
  }

  private draw(info: string, final: boolean): void {
    if (this.opts.quiet) return;
    const now = Date.now();
    const every = this.tty ? 100 : this.opts.plainEveryMs ?? 5000;
    if (!final && now - this.lastDraw < every) return;
    this.lastDraw = now;
    const elapsed = (now - this.start) / 1000;
    const rate = elapsed > 0 ? this.done / elapsed : 0;
    const total = this.opts.total ?? 0;
    const unit = this.opts.unit ?? 'it';
    const eta = total > 0 && rate > 0 ? (total - this.done) / rate : NaN;
    const count = total > 0 ? `${this.done}/${total}` : `${this.done}`;
    let bar = '';
    if (total > 0) {
      const width = 24;
      const filled = Math.min(width, Math.round((this.done / total) * width));
      bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] `;
    }
    const line = `${this.label} ${bar}${count} ${rate.toFixed(1)} ${unit}/s ${final ? `in ${formatSeconds(elapsed)}` : `ETA ${formatSeconds(eta)}`}${info ? ` ${info}` : ''}`;
    if (this.tty) this.stream.write(`\r\x1b[K${line}${final ? '\n' : ''}`);
    else this.stream.write(`${line}\n`);
  }
}
