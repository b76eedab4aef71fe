import { describe, it, expect } from 'vitest'
import { z } from 'zod'
import { editDistance, nearestKey, nearestName, quotedList, sizeMessage, unknownKeysMessage } from '../../src/schemas/messages.js'

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
    // a feature name without its unit or note in brackets, case aside; nothing for a name like none
    const features = ['Size (m²)', 'price [EUR]', 'note, with comma', 'Colour']
    expect(nearestName('Size', features)).toBe('Size (m²)')
    expect(nearestName('PRICE', features)).toBe('price [EUR]')
    expect(nearestName('color', features)).toBe('Colour')
    expect(nearestName('weight', features)).toBeUndefined()
    expect(nearestName('(m²)', features)).toBeUndefined()
    expect(quotedList(features)).toBe('"Size (m²)", "price [EUR]", "note, with comma", "Colour"')
    expect(nearestKey('anything', [])).toBeUndefined()
  })

  it('replace zod\'s "Unrecognized key" for every strict object, keeping schemas\' own messages', () => {
    const S = z.strictObject({ epochs: z.number().optional(), batchSize: z.number({ error: 'batchSize must be a number of rows' }).optional() })
    const issues = S.safeParse({ epoch: 3, batchSize: 'x' }).error?.issues.map((i) => i.message)
    expect(issues).toEqual(['batchSize must be a number of rows', unknownKeysMessage(['epoch'], ['epochs', 'batchSize'])])
    expect(issues?.[1]).toBe('unknown key "epoch" (did you mean "epochs"?); the keys here are epochs, batchSize')
  })
})

describe('what was sent', () => {
  it('says a JSON number past float64 (read as Infinity) as what it was, not as an Infinity the body never held', () => {
    const S = z.object({ x: z.union([z.number().finite(), z.string(), z.null()]) })
    const message = S.safeParse({ x: JSON.parse('1e400') }).error?.issues.flatMap((i) => ('errors' in i ? (i.errors as Array<Array<{ message: string }>>).flat() : [i])).map((i) => i.message)
    expect(message?.some((m) => m.includes('a number beyond 1.8e308'))).toBe(true)
    expect(message?.some((m) => m.includes('Infinity'))).toBe(false)
  })
})

describe('size messages', () => {
  it('say what was sent and what to send, for lists and text', () => {
    expect(sizeMessage('array', 0, { min: 1 })).toBe('empty: send at least one item')
    expect(sizeMessage('array', 2, { min: 3 })).toBe('2 items: send at least 3 items')
    expect(sizeMessage('array', 12, { max: 10 })).toBe('12 items: at most 10 items are accepted')
    expect(sizeMessage('string', 1, { max: 0 })).toBe('1 character: at most 0 characters are accepted')
    expect(sizeMessage('string', 0, { min: 1 })).toBe('empty: send at least one character')
    expect(sizeMessage('string', 201, { max: 200 })).toBe('201 characters: at most 200 characters are accepted')
    expect(sizeMessage('array', undefined, { min: 1 })).toBe('send at least one item')
  })

  it('replace zod\'s "Too small" and "Too big" for lists, text and numbers, keeping schemas\' own messages', () => {
    const S = z.object({ rows: z.array(z.number()).min(1).max(2), name: z.string().min(1), named: z.array(z.number()).min(1, 'rows: at least one row'), n: z.number().min(1), p: z.number().lt(1), k: z.number().int().max(10) })
    const issues = S.safeParse({ rows: [1, 2, 3], name: '', named: [], n: 0, p: 1, k: 11 }).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
    expect(issues).toEqual(['rows: 3 items: at most 2 items are accepted', 'name: empty: send at least one character', 'named: rows: at least one row', 'n: must be ≥ 1, got 0', 'p: must be < 1, got 1', 'k: must be ≤ 10, got 11'])
  })
})

describe('type messages', () => {
  it('say a missing value is required, and what a wrong one was, instead of zod\'s "Invalid input: expected string, received undefined"', () => {
    const S = z.object({ name: z.string(), n: z.number(), list: z.array(z.number()), on: z.boolean(), inner: z.object({ id: z.string() }) })
    const missing = S.safeParse({ inner: {} }).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
    expect(missing).toEqual(['name: required: send a string', 'n: required: send a number', 'list: required: send a list', 'on: required: send true or false', 'inner.id: required: send a string'])
    const wrong = S.safeParse({ name: 3, n: '3', list: {}, on: 'yes', inner: null }).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
    expect(wrong).toEqual(['name: expected a string, got the number 3', 'n: expected a number, got the string "3"', 'list: expected a list, got an object', 'on: expected true or false, got the string "yes"', 'inner: expected an object, got null'])
  })

  it('name an enum\'s options, and the one a slip most likely meant', () => {
    const S = z.object({ metric: z.enum(['accuracy', 'log_loss', 'r2']) })
    expect(S.safeParse({}).error?.issues[0].message).toBe('required: send one of "accuracy", "log_loss", "r2"')
    expect(S.safeParse({ metric: 'acuracy' }).error?.issues[0].message).toBe('the string "acuracy" is not one of "accuracy", "log_loss", "r2" (did you mean "accuracy"?)')
    expect(S.safeParse({ metric: 3 }).error?.issues[0].message).toBe('the number 3 is not one of "accuracy", "log_loss", "r2"')
    // a tagged union's tag alike (a sweep's search-space type, an optimizer's type)
    const U = z.object({ space: z.discriminatedUnion('type', [z.object({ type: z.literal('grid') }), z.object({ type: z.literal('choice') })]) })
    expect(U.safeParse({ space: { type: 'grd' } }).error?.issues[0].message).toBe('the string "grd" is not one of "grid", "choice" (did you mean "grid"?)')
    expect(U.safeParse({ space: {} }).error?.issues[0].message).toBe('required: send one of "grid", "choice"')
    expect(z.object({ port: z.coerce.number() }).safeParse({ port: 'abc' }).error?.issues[0].message).toBe('expected a number, got something that is not a number')
  })
})
