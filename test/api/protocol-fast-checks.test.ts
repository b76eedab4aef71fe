// The protocol routes' plain checks (protocols/fast-checks.ts) never accept a body or params their zod
// schema refuses, and do accept the common bodies (or the fast path would never run).
import { describe, expect, it } from 'vitest'
import { isInferBody, isServedParams, isTfsRowsBody } from '../../src/api/protocols/fast-checks.js'
import { InferRequest, ServedModelParams, ServedVersionParams } from '../../src/schemas/open-inference.js'
import { TfsPredictRequest } from '../../src/schemas/tf-serving.js'

const tensor = { name: 'input', shape: [2, 2], datatype: 'FP32', data: [1, 2, 3, 4] }
const inferBodies: unknown[] = [
  { inputs: [tensor] }, { id: '42', inputs: [tensor], outputs: [{ name: 'output' }] }, { inputs: [{ ...tensor, data: [[1, 2], [3, 4]] }] },
  { inputs: [{ ...tensor, parameters: {} }], parameters: { a: 1 } },
  { inputs: [{ name: 'a', shape: [2], datatype: 'FP32', data: [1, 2] }, { name: 'color', shape: [2], datatype: 'BYTES', data: ['red', 'blue'] }] },
  { inputs: [] }, { inputs: [{ ...tensor, data: [1, 'a'] }] }, { inputs: [{ ...tensor, data: [[[1]]] }] }, { inputs: [{ ...tensor, shape: [-1, 2] }] },
  { inputs: [{ ...tensor, shape: [1.5] }] }, { id: 42, inputs: [tensor] }, { inputs: [{ ...tensor, name: 1 }] }, { inputs: [tensor], outputs: [{}] },
  { inputs: [tensor], parameters: [] }, { inputs: [{ ...tensor, parameters: [] }] }, null, [], 'x', { inputs: [tensor], outputs: {} },
  { inputs: [{ ...tensor, datatype: 'BYTES', data: ['x'.repeat(201)] }] }, { inputs: [{ ...tensor, datatype: 'BYTES', data: [['a', null]] }] }, { inputs: [{ ...tensor, datatype: 'BYTES', data: [[['a']]] }] }
]
const tfsBodies: unknown[] = [
  { instances: [[1, 2, 3, 4]] }, { signature_name: 'serving_default', instances: [[1, 2], [3, 4]] }, { signature_name: '', instances: [[1, 2]] },
  { instances: [] }, { instances: [1, 2] }, { instances: [['a']] }, { instances: [{ a: 1 }] }, { signature_name: 'x', instances: [[1]] },
  { instances: [[1]], inputs: [[1]] }, { instances: [[1]], extra: 1 }, { inputs: [[1]] }, { instances: Array.from({ length: 10_001 }, () => [1]) }, null
]
const params: unknown[] = [{ name: 'iris' }, { name: 'iris', version: '2' }, { name: '' }, { name: 'x'.repeat(201) }, { name: 'iris', version: '' }, { name: 'iris', other: 1 }, { name: 3 }]

describe('protocol fast checks', () => {
  it('accept only what zod accepts', () => {
    for (const b of inferBodies) if (isInferBody(b)) expect(InferRequest.safeParse(b).success, JSON.stringify(b)).toBe(true)
    for (const b of tfsBodies) if (isTfsRowsBody(b)) expect(TfsPredictRequest.safeParse(b).success, JSON.stringify(b)?.slice(0, 80)).toBe(true)
    for (const p of params) {
      if (!isServedParams(p)) continue
      const schema = (p as { version?: unknown }).version === undefined ? ServedModelParams : ServedVersionParams
      expect(schema.safeParse(p).success, JSON.stringify(p)).toBe(true)
    }
  })

  it('accept the common bodies', () => {
    expect(inferBodies.slice(0, 5).map(isInferBody)).toEqual([true, true, true, true, true])
    expect(tfsBodies.slice(0, 3).map(isTfsRowsBody)).toEqual([true, true, true])
    expect(params.slice(0, 2).map(isServedParams)).toEqual([true, true])
    // and refuse enough that zod's messages are reached
    expect(inferBodies.slice(5).filter(isInferBody)).toEqual([])
    expect(tfsBodies.slice(3).filter(isTfsRowsBody)).toEqual([])
  })
})
