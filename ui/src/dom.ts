/**
 * A tiny element builder, so pages read as the markup they make. Text is always set as text, never
 * as HTML: nothing the API returns (dataset names, column names) can inject markup.
 */
type Child = Node | string | number | null | undefined | false
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>

export function h<K extends keyof HTMLElementTagNameMap> (tag: K, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value)
    else if (value === true) el.setAttribute(name, '')
    else el.setAttribute(name, String(value))
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue
    el.append(child instanceof Node ? child : String(child))
  }
  return el
}

// numbers and counts as people read them: a module of their own, free of the DOM, so tests import it in Node
export { count, num, pct } from './number-format.js'

export const when = (iso: string | undefined): string => (iso ? new Date(iso).toLocaleString('en-GB') : '—')

/** A table from a header row and body rows; `caption` names it for screen readers. */
export function table (caption: string, head: string[], rows: Child[][], cls = ''): HTMLTableElement {
  return h('table', { class: cls },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, head.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c))))))
}

/** A message in place of content: errors, "not found", "not available on this server". */
export const note = (text: string, kind: 'info' | 'error' = 'info'): HTMLElement =>
  h('p', { class: `note ${kind}`, role: kind === 'error' ? 'alert' : 'note' }, text)

/** Prev / next for a paged list; `go` is called with the new offset. */
export function pager (offset: number, limit: number, total: number, go: (offset: number) => void): HTMLElement {
  const last = Math.max(0, total - 1)
  return h('nav', { class: 'pager', 'aria-label': 'Pages' },
    h('button', { type: 'button', disabled: offset === 0, onclick: () => go(Math.max(0, offset - limit)) }, '‹ Newer'),
    h('span', {}, total === 0 ? 'none' : `${offset + 1}–${Math.min(offset + limit, total)} of ${total.toLocaleString('en')}`),
    h('button', { type: 'button', disabled: offset + limit > last, onclick: () => go(offset + limit) }, 'Older ›'))
}

export const badge = (status: string): HTMLElement => h('span', { class: `badge ${status}` }, status)
