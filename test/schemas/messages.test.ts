import { describe, it, expect } from 'vitest'
import { z } from 'zod'
import { editDistance, nearestKey, unknownKeysMessage } from '../../src/schemas/messages.js'

describe('unknown-key messages', () => {
  it('measure edits case-insensitively, a transposition as one', () => {
    expect(editDistance('epoch', 'epochs')).toBe(1)
    expect(editDistance('BatchSize', 'batchSize')).toBe(0)
    expect(editDistance('optimzier', 'optimizer')).toBe(1)
    expect(editDistance('lr', 'learningRate')).toBe(10)
  })

  it('suggest only a near key: at most 2 edits and a third of the key\'s length', () => {
    const known = ['epochs', 'batchSize', 'optimizer', 'seed', 'l2']
    expect(nearestKey('epoch', known)).toBe('epochs')
    expect(nearestKey('sed', known)).toBe('seed')
    expect(nearestKey('BATCHSIZE', known)).toBe('batchSize') // case alone is no edit
    expect(nearestKey('lr', known)).toBeUndefined() // one edit from "l2", but half of a 2-letter key: learningRate was meant
    expect(nearestKey('optimisers', known)).toBe('optimizer') // 2 edits of 10 letters
    expect(nearestKey('colour', known)).toBeUndefined()
    expect(nearestKey('anything', [])).toBeUndefined()
  })

  it('replace zod\'s "Unrecognized key" for every strict object, keeping schemas\' own messages', () => {
    const S = z.strictObject({ epochs: z.number().optional(), batchSize: z.number({ error: 'batchSize must be a number of rows' }).optional() })
    const issues = S.safeParse({ epoch: 3, batchSize: 'x' }).error?.issues.map((i) => i.message)
    expect(issues).toEqual(['batchSize must be a number of rows', unknownKeysMessage(['epoch'], ['epochs', 'batchSize'])])
    expect(issues?.[1]).toBe('unknown key "epoch" (did you mean "epochs"?); the keys here are epochs, batchSize')
  })
})
