import { html, type SafeHtml } from "#shared/core/html-template";

/**
 * Negative volume per window against the expected band, as inline SVG markup: no script, no
 * external asset, readable in any browser or mail client that shows HTML. Pure.
 */

export interface ChartPoint {
  windowStart: string;
  negative: number;
  /** Expected negatives for the window (the baseline); absent before the detector saw the window. */
  expected?: number;
  /** The alarm bar (minimum count / ratio); the band is drawn from expected up to it. */
  upper?: number;
  alarming?: boolean;
}

export interface ChartMarker {
  at: string;
  label: string;
  kind: "alert" | "resolved" | "reply";
}

export interface ChartSpan {
  from: string;
  to: string;
  kind: "incident" | "burst";
}

export interface ChartInput {
  points: readonly ChartPoint[];
  markers?: readonly ChartMarker[];
  spans?: readonly ChartSpan[];
  windowMinutes: number;
  title: string;
  width?: number;
  height?: number;
  /** Above this many windows the points are drawn as a line only (alarming ones stay dots). */
  maxDots?: number;
}

const PAD = { left: 44, right: 16, top: 36, bottom: 34 };

const round = (n: number): string => (Math.round(n * 10) / 10).toString();

/** A "nice" step (1, 2, 5 x 10^k) giving about `ticks` gridlines up to `max`. */
const niceStep = (max: number, ticks: number): number => {
  const raw = Math.max(max, 1) / ticks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  return Math.max(1, step);
};

const timeLabel = (ms: number, spanMs: number): string => {
  const iso = new Date(ms).toISOString();
  return spanMs > 2 * 86_400_000 ? `${iso.slice(5, 10)} ${iso.slice(11, 13)}h` : iso.slice(11, 16);
};

export const renderChart = (input: ChartInput): SafeHtml => {
  const width = input.width ?? 1000;
  const height = input.height ?? 320;
  const maxDots = input.maxDots ?? 400;
  const points = [...input.points].sort((a, b) => Date.parse(a.windowStart) - Date.parse(b.windowStart));
  const windowMs = input.windowMinutes * 60_000;
  const first = points[0];
  const last = points.at(-1);
  if (first === undefined || last === undefined) {
    return html`<svg class="chart" role="img" aria-label="${input.title}: no data" viewBox="0 0 ${width} 60" xmlns="http://www.w3.org/2000/svg"><text x="10" y="30">No windows in this range.</text></svg>`;
  }
  const t0 = Date.parse(first.windowStart);
  const t1 = Date.parse(last.windowStart) + windowMs;
  const maxY = Math.max(4, ...points.map((p) => Math.max(p.negative, p.upper ?? 0, p.expected ?? 0))) * 1.1;
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const x = (ms: number) => PAD.left + ((ms - t0) / Math.max(1, t1 - t0)) * plotW;
  const y = (v: number) => PAD.top + plotH - (v / maxY) * plotH;
  const mid = (p: ChartPoint) => Date.parse(p.windowStart) + windowMs / 2;

  const parts: SafeHtml[] = [];
  const step = niceStep(maxY, 5);
  for (let v = 0; v <= maxY; v += step) {
    parts.push(
      html`<line class="grid" x1="${PAD.left}" x2="${width - PAD.right}" y1="${round(y(v))}" y2="${round(y(v))}"/>`,
      html`<text x="${PAD.left - 6}" y="${round(y(v) + 4)}" text-anchor="end">${v}</text>`,
    );
  }
  for (const span of input.spans ?? []) {
    const from = Math.max(t0, Date.parse(span.from));
    const to = Math.min(t1, Date.parse(span.to));
    if (to <= from) continue;
    parts.push(
      html`<rect class="span ${span.kind}" x="${round(x(from))}" y="${PAD.top}" width="${round(Math.max(1, x(to) - x(from)))}" height="${plotH}"/>`,
    );
  }
  // The band: from the expected count up to the alarm bar, over the windows that have both.
  const banded = points.filter((p) => p.expected !== undefined && p.upper !== undefined);
  if (banded.length > 1) {
    const top = banded.map((p) => `${round(x(mid(p)))},${round(y(p.upper ?? 0))}`);
    const bottom = [...banded].reverse().map((p) => `${round(x(mid(p)))},${round(y(p.expected ?? 0))}`);
    parts.push(html`<polygon class="band" points="${[...top, ...bottom].join(" ")}"/>`);
    parts.push(
      html`<polyline class="expected" points="${banded.map((p) => `${round(x(mid(p)))},${round(y(p.expected ?? 0))}`).join(" ")}"/>`,
    );
  }
  parts.push(
    html`<polyline class="negative" points="${points.map((p) => `${round(x(mid(p)))},${round(y(p.negative))}`).join(" ")}"/>`,
  );
  const dense = points.length > maxDots;
  for (const p of points) {
    if (dense && !p.alarming) continue;
    parts.push(
      html`<circle class="point${p.alarming ? " alarming" : ""}" cx="${round(x(mid(p)))}" cy="${round(y(p.negative))}" r="${dense ? 2 : 3}"><title>${p.windowStart.slice(0, 16)}Z: ${p.negative} negative${p.expected === undefined ? "" : `, expected ${p.expected.toFixed(1)}`}</title></circle>`,
    );
  }
  const shown = (input.markers ?? []).filter((m) => Date.parse(m.at) >= t0 && Date.parse(m.at) <= t1);
  shown.forEach((marker, i) => {
    const mx = round(x(Date.parse(marker.at)));
    // Alternate label rows so neighbouring markers (alert, first reply) stay legible.
    const labelY = PAD.top - 6 - (i % 2) * 13;
    parts.push(
      html`<g class="marker ${marker.kind}"><line x1="${mx}" x2="${mx}" y1="${PAD.top}" y2="${PAD.top + plotH}"/><text x="${mx}" y="${labelY}" text-anchor="middle">${marker.label}</text></g>`,
    );
  });
  const ticks = 6;
  for (let i = 0; i <= ticks; i++) {
    const ms = t0 + ((t1 - t0) * i) / ticks;
    parts.push(
      html`<text x="${round(x(ms))}" y="${height - 12}" text-anchor="middle">${timeLabel(ms, t1 - t0)}</text>`,
    );
  }
  parts.push(
    html`<line class="axis" x1="${PAD.left}" x2="${width - PAD.right}" y1="${PAD.top + plotH}" y2="${PAD.top + plotH}"/>`,
  );
  return html`<svg class="chart" role="img" aria-label="${input.title}" data-windows="${points.length}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg"><title>${input.title}</title>${parts}</svg>`;
};

/** The alarm bar of a window, as the local page draws it. */
export const alarmBar = (
  expected: number,
  warmingUp: boolean,
  detection: { minCount: number; minRatio: number; threshold: number },
): number => Math.max(detection.minCount, detection.minRatio * expected, warmingUp ? detection.threshold : 0);
