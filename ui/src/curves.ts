/**
 * Training curves with uPlot: configuration only, plus the one thing uPlot leaves to us, thinning a
 * 10,000-epoch history to what a chart can show. Marks (best epoch, early stop) are vertical rules
 * drawn in uPlot's draw hook (labels of close epochs stacked, placeLabels) and repeated as text below the chart
 * for screen readers.
 */
import uPlot from 'uplot'
import { h, num } from './dom.js'

/** Points per series a chart draws at most; a 10,000-epoch history is thinned to this. */
export const MAX_POINTS = 1500

export interface Mark { epoch: number, label: string, color: string }

/** Height of one row of mark labels, CSS pixels. */
const ROW = 16
/**
 * The band above the plot that holds two rows of mark labels, CSS pixels. Drawn inside the plot, on
 * their white ground, the labels hid the curves' top: an accuracy of 1.0 ran under "best so far" for
 * dozens of epochs and read as not recorded (a console trial). A third row, rare, dips into the plot.
 */
const LABEL_BAND = 2 * ROW + 6

export interface PlacedLabel { left: number, right: number, row: number }

/**
 * Where each mark's label goes: beside its line (right of it, or left near the plot's right edge so it is
 * not cut off), on the first row where it clears every label already placed by `gap`. Marks of close
 * epochs ("best" at 58, "early stop" at 60) so stack instead of overprinting; far apart ones
 * share the top row. x, width, left, right and gap in the canvas's pixels.
 */
export function placeLabels (labels: ReadonlyArray<{ x: number, width: number }>, left: number, right: number, gap: number): PlacedLabel[] {
  const placed: PlacedLabel[] = []
  for (const { x, width } of labels) {
    const start = x + gap + width <= right || x - gap - width < left ? x + gap : x - gap - width
    const span = { left: Math.max(left, start), right: Math.max(left, start) + width }
    let row = 0
    while (placed.some((p) => p.row === row && span.left < p.right + gap && p.left < span.right + gap)) row++
    placed.push({ ...span, row })
  }
  return placed
}
export interface Line { label: string, color: string, dash?: number[] }

/**
 * Keeps every k-th index (k = ⌈n / max⌉), the last one, and the `keep` indexes (the marked epochs),
 * so a thinned curve still ends where the run ended and passes through its best epoch.
 */
export function thin (n: number, max = MAX_POINTS, keep: readonly number[] = []): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i)
  const k = Math.ceil(n / max)
  const picked = new Set<number>(keep.filter((i) => i >= 0 && i < n))
  for (let i = 0; i < n; i += k) picked.add(i)
  picked.add(n - 1)
  return [...picked].sort((a, b) => a - b)
}

const PALETTE = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df', '#bf3989', '#0a7ea4', '#57606a']
export const colorOf = (i: number): string => PALETTE[i % PALETTE.length]

/** y tick labels people can read (uPlot's default prints 1e-5 as "0"); uPlot's filter has already set thinned-out ticks to null. */
const tickLabels = (_u: uPlot, ticks: (number | null)[]): string[] => ticks.map((v) => (v === null ? '' : num(v, 3)))

export interface Chart {
  readonly el: HTMLElement
  /** x: epochs; ys: one array per line (undefined where a line has no value), same length as x. */
  set (x: number[], ys: (number | undefined)[][], marks?: Mark[]): void
}

export function chart (title: string, yLabel: string, lines: Line[], opts: { log?: boolean } = {}): Chart {
  const box = h('div', { class: 'chart', role: 'img', 'aria-label': title, 'data-points': 0 })
  const legend = h('p', { class: 'marks' })
  const el = h('figure', { class: 'chart-figure' }, h('figcaption', {}, title), box, legend)
  let marks: Mark[] = []
  const width = (): number => Math.max(260, box.clientWidth || 600)
  const plot = new uPlot({
    width: width(),
    height: 260,
    scales: { x: { time: false }, y: opts.log ? { distr: 3 } : {} },
    padding: [LABEL_BAND, null, null, null],
    axes: [{ label: 'epoch' }, { label: yLabel, size: 64, values: tickLabels }],
    series: [{ label: 'epoch' }, ...lines.map((l) => ({ label: l.label, stroke: l.color, width: 2, dash: l.dash, spanGaps: true }))],
    hooks: {
      draw: [(u: uPlot) => {
        const { ctx, bbox } = u
        const dpr = devicePixelRatio
        ctx.save()
        ctx.font = `${12 * dpr}px system-ui, sans-serif`
        const shown = marks.map((m) => ({ m, x: u.valToPos(m.epoch, 'x', true) })).filter((s) => Number.isFinite(s.x))
        const placed = placeLabels(shown.map((s) => ({ x: s.x, width: ctx.measureText(s.m.label).width })), bbox.left, bbox.left + bbox.width, 4 * dpr)
        for (const { m, x } of shown) {
          ctx.strokeStyle = m.color
          ctx.lineWidth = 2 * dpr
          ctx.setLineDash([6 * dpr, 4 * dpr])
          ctx.beginPath()
          ctx.moveTo(x, bbox.top)
          ctx.lineTo(x, bbox.top + bbox.height)
          ctx.stroke()
        }
        // labels after every line, above the plot, each on a white ground: another mark's line never strikes through one
        ctx.textBaseline = 'top'
        // uPlot leaves its last axis's alignment on the context (right, for y tick labels): a label drawn
        // with it ended at its place instead of starting there, cut off at the chart's left edge
        ctx.textAlign = 'left'
        for (const [i, { m }] of shown.entries()) {
          const p = placed[i]
          const top = bbox.top + (4 - LABEL_BAND + ROW * p.row) * dpr
          ctx.fillStyle = 'rgba(255, 255, 255, 0.9)'
          ctx.fillRect(p.left - 2 * dpr, top - 1 * dpr, p.right - p.left + 4 * dpr, (ROW - 2) * dpr)
          ctx.fillStyle = m.color
          ctx.fillText(m.label, p.left, top)
        }
        ctx.restore()
        // where the labels went, in CSS pixels, for tests and for anyone reading the DOM
        box.dataset.markLabels = JSON.stringify(placed.map((p) => ({ left: p.left / dpr, right: p.right / dpr, row: p.row })))
      }]
    }
  }, [[], ...lines.map(() => [])], box)
  new ResizeObserver(() => plot.setSize({ width: width(), height: 260 })).observe(box)

  return {
    el,
    set (x, ys, newMarks = []) {
      marks = newMarks
      const keep = marks.map((m) => x.indexOf(m.epoch))
      const idx = thin(x.length, MAX_POINTS, keep)
      const data: uPlot.AlignedData = [idx.map((i) => x[i]), ...ys.map((y) => idx.map((i) => y[i] ?? null))]
      plot.setData(data)
      box.dataset.points = String(x.length)
      box.dataset.drawn = String(idx.length)
      legend.textContent = marks.map((m) => `${m.label} at epoch ${m.epoch}`).join(' · ')
    }
  }
}
