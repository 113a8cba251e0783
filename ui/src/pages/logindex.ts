// The index of a log view: counts per time bin, newest first, which map a
// row number of the virtual list to the time interval and offset that
// fetch it, so a page deep in a million rows is read from a few thousand.

/** A time bin [start, end) in nanoseconds, and how many entries it holds. */
export interface Bin {
  start: bigint;
  end: bigint;
  count: number;
}

/** The bounds of a page query: rows in [lower, upper), newest first, skipping offset. */
export interface PageQuery {
  lower: bigint;
  upper: bigint;
  offset: number;
  /** The bin the page starts in (to refine it when offset is large). */
  bin: number;
}

/** binsFromCounts builds bins (newest first) from (bin number, count) rows of a histogram over [begin, begin + n*width). */
export function binsFromCounts(begin: bigint, width: bigint, counts: [number, number][], end: bigint): Bin[] {
  const out: Bin[] = [];
  for (const [k, n] of counts) {
    if (n <= 0) continue;
    const start = begin + BigInt(k) * width;
    const stop = start + width > end ? end : start + width;
    out.push({ start, end: stop, count: n });
  }
  out.sort((a, b) => (a.start > b.start ? -1 : a.start < b.start ? 1 : 0));
  return out;
}

/** LogIndex locates rows (0 = newest) in bins. */
export class LogIndex {
  private cum: number[] = [];
  constructor(public bins: Bin[]) {
    this.reindex();
  }

  private reindex() {
    this.cum = new Array(this.bins.length + 1);
    this.cum[0] = 0;
    for (let i = 0; i < this.bins.length; i++) this.cum[i + 1] = this.cum[i] + this.bins[i].count;
  }

  /** The number of rows. */
  get total(): number {
    return this.cum[this.cum.length - 1];
  }

  /** binOf returns the bin holding row r (binary search). */
  binOf(r: number): number {
    let lo = 0;
    let hi = this.bins.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.cum[mid] <= r) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** page returns the query bounds of rows [r, r + n). */
  page(r: number, n: number): PageQuery {
    const i = this.binOf(r);
    const offset = r - this.cum[i];
    let j = i;
    while (j < this.bins.length - 1 && this.cum[j + 1] < r + n) j++;
    return { lower: this.bins[j].start, upper: this.bins[i].end, offset, bin: i };
  }

  /** refine replaces bin i by finer bins covering it (their counts must add up to its count). */
  refine(i: number, finer: Bin[]) {
    const sum = finer.reduce((s, b) => s + b.count, 0);
    if (sum !== this.bins[i].count) return false;
    this.bins.splice(i, 1, ...finer);
    this.reindex();
    return true;
  }
}

/** histogramWidth picks a bin width (ns) giving about n bins over [begin, end). */
export function histogramWidth(begin: bigint, end: bigint, n: number): bigint {
  const span = end - begin;
  const w = span / BigInt(n);
  return w > 0n ? w + (span % BigInt(n) ? 1n : 0n) : 1n;
}

/** chartBins merges bins into about n bars for the volume chart: x (float ms of bar starts) and counts, oldest first. */
export function chartBins(
  bins: Bin[],
  begin: bigint,
  end: bigint,
  n: number,
  toMs: (ns: bigint) => number,
): { x: number[]; y: number[] } {
  const w = histogramWidth(begin, end, n);
  const y = new Array<number>(n).fill(0);
  for (const b of bins) {
    const k = Number((b.start - begin) / w);
    if (k >= 0 && k < n) y[k] += b.count;
  }
  const x = Array.from({ length: n }, (_, k) => toMs(begin + BigInt(k) * w));
  return { x, y };
}
