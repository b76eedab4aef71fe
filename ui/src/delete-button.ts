/**
 * The Delete control of a stored record's page (dataset, model, job, sweep): asks first, saying what goes
 * with it, sends DELETE, then goes to the record's list. The API's refusal (a dataset a running job reads,
 * a sweep's trial) is shown beside the button as the API words it. A console trial found no way to delete
 * anything from the console, though every record has its DELETE.
 */
import { request } from './api.js'
import { h, note } from './dom.js'
import { go } from './nav.js'

export interface DeleteTarget {
  /** the record in words, for the button's name and the question: "dataset iris" */
  what: string
  /** its API path: /v1/datasets/ds_… */
  path: string
  /** what else deleting it does, or does not do, in a sentence */
  consequence: string
  /** where to go once it is gone: its list */
  after: string
}

export function deleteButton ({ what, path, consequence, after }: DeleteTarget): HTMLElement {
  const status = h('span', { role: 'status', class: 'delete-status' })
  const button = h('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${what}` }, 'Delete') as HTMLButtonElement
  button.addEventListener('click', () => {
    if (!window.confirm(`Delete ${what}? ${consequence} This cannot be undone.`)) return
    button.disabled = true
    status.replaceChildren('Deleting…')
    request('DELETE', path).then(
      () => { go(after) },
      (err: Error) => { button.disabled = false; status.replaceChildren(note(err.message, 'error')) })
  })
  return h('span', { class: 'delete' }, button, ' ', status)
}
