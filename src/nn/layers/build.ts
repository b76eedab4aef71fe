/**
 * From the network definition to its layer records, block by block: a hidden layer is Linear then
 * its activation, and the output layer is a Linear whose outputs (logits) the head reads. The
 * parameters then get their places in one flat buffer, in layer order and, within a layer, in the
 * order the layer declares them (Linear: weight, then bias). Imports only types from spec.ts,
 * which builds its layout and counts from here.
 */
import type { Vec } from '../vec.js'
import type { ActivationName, HeadName, InitializerName, NetworkSpec } from '../spec.js'
import type { Layer, LayerDef, Param } from './layer.js'
import { linear } from './linear.js'
import { activation } from './activation.js'

/** One entry of the definition (a hidden layer or the output) with its defaults filled in, and its records. */
export interface Block {
  readonly inputs: number
  readonly units: number
  readonly activation: ActivationName | HeadName
  readonly alpha: number
  readonly init: InitializerName
  readonly biasInit: number
  readonly isOutput: boolean
  readonly defs: readonly LayerDef[]
}

const RELU_FAMILY = new Set<string>(['relu', 'leaky_relu', 'abs'])

export function blocks (spec: NetworkSpec): Block[] {
  const out: Block[] = []
  let inputs = spec.inputs
  const all = [...spec.layers.map((l) => ({ ...l, isOutput: false })), { ...spec.output, alpha: undefined, isOutput: true }]
  for (const l of all) {
    const relu = RELU_FAMILY.has(l.activation)
    const resolved = {
      inputs,
      units: l.units,
      activation: l.activation,
      alpha: l.alpha ?? 0.01,
      init: l.init ?? (relu ? 'he_uniform' : 'glorot_uniform'),
      biasInit: l.biasInit ?? (relu ? 0.01 : 0),
      isOutput: l.isOutput
    }
    const defs = [linear(resolved)]
    // a hidden layer's activation is an ActivationName (the two kinds share the field's type)
    if (!l.isOutput) defs.push(activation(l.activation as ActivationName, l.units, resolved.alpha))
    out.push({ ...resolved, defs })
    inputs = l.units
  }
  return out
}

export const layerDefs = (spec: NetworkSpec): LayerDef[] => blocks(spec).flatMap((b) => b.defs)

export const sizeOf = (shape: readonly number[]): number => shape.reduce((n, d) => n * d, 1)

export const defsParameterCount = (defs: readonly LayerDef[]): number =>
  defs.reduce((n, d) => n + d.params.reduce((m, p) => m + sizeOf(p.shape), 0), 0)

/** The records over `params` (which must hold defsParameterCount(defs) values). */
export function makeLayers (defs: readonly LayerDef[], params: Vec): Layer[] {
  let offset = 0
  return defs.map((d) => d.make(d.params.map((p): Param => {
    const size = sizeOf(p.shape)
    const placed = { ...p, size, offset, value: params.subarray(offset, offset + size) }
    offset += size
    return placed
  })))
}

/** 1 for each parameter that weight decay (L2, AdamW) applies to, 0 for the others (biases). */
export function decayMask (defs: readonly LayerDef[]): Uint8Array {
  const mask = new Uint8Array(defsParameterCount(defs))
  let offset = 0
  for (const d of defs) {
    for (const p of d.params) {
      const size = sizeOf(p.shape)
      if (p.decay) mask.fill(1, offset, offset + size)
      offset += size
    }
  }
  return mask
}
