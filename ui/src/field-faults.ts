/**
 * The API's field faults (problem+json `errors`, each a JSON path and a message; schemas/problem.ts) shown
 * at the form's own fields: the input is marked invalid (aria-invalid, described by the message beside it)
 * and the first one gets the focus. A console trial found them only as raw text under Start, with nothing
 * marked: learning rate 0 (the browser allows it), epochs past MAX_EPOCHS, a seed past 2³²−1.
 */
import { ApiError } from './api.js'
import { h } from './dom.js'

/** The input a field path names in `root`, or null: `find` maps the paths this form has. */
export type FieldFinder = (path: string) => HTMLElement | null

const FAULT_CLASS = 'field-fault'

/** Removes the marks of an earlier answer. */
export function clearFieldFaults (root: HTMLElement): void {
  for (const el of root.querySelectorAll(`.${FAULT_CLASS}`)) el.remove()
  for (const el of root.querySelectorAll('[aria-invalid="true"]')) {
    el.removeAttribute('aria-invalid')
    const described = (el.getAttribute('aria-describedby') ?? '').split(' ').filter((id) => id !== '' && !id.startsWith('fault-')).join(' ')
    if (described === '') el.removeAttribute('aria-describedby')
    else el.setAttribute('aria-describedby', described)
  }
}

/** Marks each field `err` names that `find` knows; returns how many were marked (0: the caller shows the message as it is). */
export function showFieldFaults (root: HTMLElement, err: unknown, find: FieldFinder): number {
  clearFieldFaults(root)
  if (!(err instanceof ApiError)) return 0
  const issues = Array.isArray(err.problem.errors)
    ? (err.problem.errors as Array<{ field?: unknown, message?: unknown }>)
    : typeof err.problem.field === 'string' ? [{ field: err.problem.field, message: err.message }] : []
  let first: HTMLElement | null = null
  let marked = 0
  for (const [i, issue] of issues.entries()) {
    if (typeof issue.field !== 'string' || typeof issue.message !== 'string') continue
    const input = find(issue.field)
    if (input === null) continue
    const id = `fault-${i}`
    input.setAttribute('aria-invalid', 'true')
    input.setAttribute('aria-describedby', `${input.getAttribute('aria-describedby') ?? ''} ${id}`.trim())
    input.insertAdjacentElement('afterend', h('small', { id, class: `${FAULT_CLASS} error-text`, role: 'alert' }, issue.message))
    first ??= input
    marked++
  }
  first?.focus()
  return marked
}
