/**
 * The little of the Prometheus text format (0.0.4) we need: a labelled histogram kept in memory,
 * and rendering of gauges and counters whose values are read elsewhere. Not a client library.
 */

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

/** Seconds; the default buckets of the official clients. */
export const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const

export type Labels = Readonly<Record<string, string>>

const escape = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')

function labelText (labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escape(v)}"`)
  if (extra) pairs.push(`${extra[0]}="${escape(extra[1])}"`)
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`
}

const num = (v: number): string => (v === Infinity ? '+Inf' : Number.isNaN(v) ? 'NaN' : String(v))

interface Series { labels: Labels, counts: number[], sum: number, count: number }

export class Histogram {
  private readonly series = new Map<string, Series>()

  constructor (readonly name: string, readonly help: string, readonly buckets: readonly number[] = DEFAULT_BUCKETS) {}

  observe (labels: Labels, value: number): void {
    // the series key is the raw values (escaping is left to render(): this runs on every request)
    let key = ''
    for (const name in labels) key += `${name}\u0000${labels[name]}\u0001`
    let s = this.series.get(key)
    if (!s) {
      s = { labels, counts: new Array<number>(this.buckets.length).fill(0), sum: 0, count: 0 }
      this.series.set(key, s)
    }
    // counts are per bucket here and made cumulative when rendered
    const i = this.buckets.findIndex((le) => value <= le)
    if (i >= 0) s.counts[i]++
    s.sum += value
    s.count++
  }

  render (): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`]
    for (const s of this.series.values()) {
      let cumulative = 0
      this.buckets.forEach((le, i) => {
        cumulative += s.counts[i]
        lines.push(`${this.name}_bucket${labelText(s.labels, ['le', num(le)])} ${cumulative}`)
      })
      lines.push(`${this.name}_bucket${labelText(s.labels, ['le', '+Inf'])} ${s.count}`)
      lines.push(`${this.name}_sum${labelText(s.labels)} ${num(s.sum)}`)
      lines.push(`${this.name}_count${labelText(s.labels)} ${s.count}`)
    }
    return lines.join('\n')
  }
}

/** One gauge or counter family from values read at scrape time. */
export function renderFamily (name: string, type: 'gauge' | 'counter', help: string, samples: readonly { labels?: Labels, value: number }[]): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`]
  for (const { labels = {}, value } of samples) lines.push(`${name}${labelText(labels)} ${num(value)}`)
  return lines.join('\n')
}
