/**
 * The hidden layers of a job's network, one row each, in the server's block vocabulary
 * (src/nn/spec.ts): units, activation (maxout with its pieces), norm (none, layer, batch), dropout
 * rate, residual. Rows are added and removed; every control has a label, so it is usable by keyboard
 * and screen reader. `read` gives the layers as the API takes them, or throws a message naming the
 * row and field to fix.
 */
import { h } from '../dom.js'
import { piecesOf } from '../network-blocks.js'
import type { LayerSpec } from '../types.js'

const ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'leaky_relu', 'abs', 'softplus', 'identity', 'maxout']
const NORMS = [['', 'none'], ['layer', 'layer (LayerNorm)'], ['batch', 'batch (BatchNorm1d)']] as const

export interface LayerEditor {
  readonly element: HTMLElement
  /** the layers as the API takes them; throws a message naming the row and field to fix */
  read (): LayerSpec[]
  /** each hidden layer's id, in order: stable while the layer exists, so a reference to it survives the removal of others */
  ids (): string[]
}

interface Row {
  readonly id: string
  readonly element: HTMLElement
  readonly units: HTMLInputElement, readonly activation: HTMLSelectElement, readonly pieces: HTMLInputElement
  readonly norm: HTMLSelectElement, readonly dropout: HTMLInputElement, readonly residual: HTMLInputElement
}

/** `initial`: the rows to start with; `changed` hears every edit (to redraw the network's summary). */
export function layerEditor (initial: readonly LayerSpec[], changed: () => void): LayerEditor {
  const rows: Row[] = []
  const list = h('ol', { id: 'job-layers', class: 'layer-rows', 'aria-label': 'Hidden layers' })
  const empty = h('p', { class: 'muted', id: 'job-layers-empty' }, 'No hidden layers: a linear model.')
  let made = 0

  const renumber = (): void => {
    empty.hidden = rows.length > 0
    rows.forEach((r, i) => { r.element.querySelector('.row-title')!.textContent = `Layer ${i + 1}` })
  }

  const add = (l: LayerSpec): void => {
    const id = `layer-${made++}`
    const units = h('input', { id: `${id}-units`, type: 'number', min: 1, step: 1, value: l.units, required: true, 'aria-label': 'Units' })
    const activation = h('select', { id: `${id}-activation`, 'aria-label': 'Activation' }, ACTIVATIONS.map((a) => h('option', { value: a, selected: a === l.activation }, a)))
    const pieces = h('input', { id: `${id}-pieces`, type: 'number', min: 2, step: 1, value: piecesOf(l) > 1 ? piecesOf(l) : 2, 'aria-label': 'Maxout pieces per unit' })
    const norm = h('select', { id: `${id}-norm`, 'aria-label': 'Normalisation' }, NORMS.map(([v, text]) => h('option', { value: v, selected: v === (l.norm ?? '') }, text)))
    const dropout = h('input', { id: `${id}-dropout`, type: 'number', min: 0, max: 0.99, step: 'any', value: l.dropout ?? 0, 'aria-label': 'Dropout rate' })
    const residual = h('input', { id: `${id}-residual`, type: 'checkbox', checked: l.residual === true })
    const piecesField = h('label', { class: 'pieces' }, 'pieces ', pieces)
    const showPieces = (): void => { piecesField.hidden = activation.value !== 'maxout' }
    showPieces()
    const element = h('li', { class: 'layer-row', id },
      h('strong', { class: 'row-title' }),
      h('label', {}, 'units ', units),
      h('label', {}, 'activation ', activation),
      piecesField,
      h('label', {}, 'norm ', norm),
      h('label', {}, 'dropout ', dropout),
      h('label', {}, residual, ' residual'),
      h('button', { type: 'button', class: 'remove', 'aria-label': 'Remove this layer' }, 'Remove'))
    const row: Row = { id, element, units, activation, pieces, norm, dropout, residual }
    element.querySelector('.remove')!.addEventListener('click', () => {
      rows.splice(rows.indexOf(row), 1)
      element.remove()
      renumber()
      changed()
    })
    activation.addEventListener('change', showPieces)
    element.addEventListener('input', changed)
    element.addEventListener('change', changed)
    rows.push(row)
    list.append(element)
    renumber()
  }

  for (const l of initial) add(l)
  const more = h('button', { type: 'button', id: 'job-add-layer' }, 'Add hidden layer')
  more.addEventListener('click', () => {
    add({ units: rows.length > 0 ? Number(rows[rows.length - 1].units.value) || 16 : 16, activation: 'relu' })
    changed()
    rows[rows.length - 1].units.focus()
  })

  const read = (): LayerSpec[] => rows.map((r, i): LayerSpec => {
    const where = `layer ${i + 1}`
    const units = Number(r.units.value)
    if (!Number.isInteger(units) || units < 1) throw new Error(`${where}: units must be a whole number ≥ 1`)
    const layer: LayerSpec = { units, activation: r.activation.value }
    if (r.activation.value === 'maxout') {
      const k = Number(r.pieces.value)
      if (!Number.isInteger(k) || k < 2) throw new Error(`${where}: maxout needs a whole number of pieces ≥ 2`)
      layer.pieces = k
    }
    if (r.norm.value === 'layer' || r.norm.value === 'batch') layer.norm = r.norm.value
    const p = r.dropout.value === '' ? 0 : Number(r.dropout.value)
    if (!(p >= 0 && p < 1)) throw new Error(`${where}: the dropout rate must be in [0, 1)`)
    if (p > 0) layer.dropout = p
    if (r.residual.checked) layer.residual = true
    return layer
  })

  return { element: h('div', { class: 'layer-editor' }, list, empty, more), read, ids: () => rows.map((r) => r.id) }
}
