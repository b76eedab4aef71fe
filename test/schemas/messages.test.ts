import { describe, it, expect } from 'vitest'
import { z } from 'zod'
import { editDistance, nearestKey, sizeMessage, unknownKeysMessage } from '../../src/schemas/messages.js'

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

describe('size messages', () => {
  it('say what was sent and what to send, for lists and text', () => {
    expect(sizeMessage('array', 0, { min: 1 })).toBe('empty: send at least one')
    expect(sizeMessage('array', 2, { min: 3 })).toBe('2 items: send at least 3')
    expect(sizeMessage('array', 12, { max: 10 })).toBe('12 items: at most 10 are accepted')
    expect(sizeMessage('string', 1, { max: 0 })).toBe('1 character: at most 0 are accepted')
    expect(sizeMessage('array', undefined, { min: 1 })).toBe('send at least one')
  })

  it('replace zod\'s "Too small" and "Too big" for lists and text, keeping schemas\' own messages and numbers\' defaults', () => {
    const S = z.object({ rows: z.array(z.number()).min(1).max(2), name: z.string().min(1), named: z.array(z.number()).min(1, 'rows: at least one row'), n: z.number().min(1) })
    const issues = S.safeParse({ rows: [1, 2, 3], name: '', named: [], n: 0 }).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
    expect(issues).toEqual(['rows: 3 items: at most 2 are accepted', 'name: empty: send at least one', 'named: rows: at least one row', 'n: Too small: expected number to be >=1'])
  })
})
