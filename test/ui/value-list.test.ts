// The values a sweep's searched field is given in the console's job form (ui/src/value-list.ts): what is
// read, and what each mistake is told.
import { describe, expect, it } from 'vitest'
import { parseValues } from '../../ui/src/value-list.js'

const rate = { kind: 'number', min: 0, minExclusive: true } as const
const units = { kind: 'number', integer: true, min: 1 } as const
const dropout = { kind: 'number', min: 0, below: 1 } as const
const optimizer = { kind: 'choice', choices: ['adam', 'sgd'] } as const

describe('parseValues', () => {
  it('reads values separated by commas, semicolons or spaces, in the order given', () => {
    expect(parseValues('0.01, 0.001;1e-4  0.1', rate)).toEqual([0.01, 0.001, 1e-4, 0.1])
    expect(parseValues(' 64 ', units)).toEqual([64])
    expect(parseValues('0, 0.5', dropout)).toEqual([0, 0.5])
    expect(parseValues('SGD, adam', optimizer)).toEqual(['sgd', 'adam'])
  })

  it('says which value is wrong and what to type instead', () => {
    const message = (text: string, kind: Parameters<typeof parseValues>[1]): string => {
      try { parseValues(text, kind) } catch (err) { return (err as Error).message }
      throw new Error(`${text} was read`)
    }
    expect(message('', rate)).toBe('give one value or more, separated by commas')
    expect(message(' , ', optimizer)).toBe('give one name or more, separated by commas: adam, sgd')
    expect(message('0.01, abc', rate)).toBe('"abc" is not a number (a decimal point, not a comma: 0.01)')
    expect(message('0, 0.01', rate)).toBe('"0" must be more than 0')
    expect(message('16, 0', units)).toBe('"0" must be at least 1')
    expect(message('16, 2.5', units)).toBe('"2.5" is not a whole number')
    expect(message('0.5, 1', dropout)).toBe('"1" must be less than 1')
    expect(message('adam, rmsprop', optimizer)).toBe('"rmsprop" is not one of adam, sgd')
    expect(message('0.01, 1e-2', rate)).toBe('"1e-2" is listed twice; each value trains once')
    // a decimal comma, in a field of fractions: one number, not two (0,001 was sent as 0 and 1)
    const commaHint = (word: string): string => `${JSON.stringify(word)} reads as several values: a decimal comma? Write numbers with a point (0.001), and separate values with a comma and a space ("0, 0.5")`
    expect(message(Array.from({ length: 1001 }, (_, i) => i + 1).join(', '), units)).toBe('1,001 values; a field takes at most 1,000 (the API\'s limit)')
    expect(parseValues(Array.from({ length: 1000 }, (_, i) => i + 1).join(', '), units)).toHaveLength(1000)
    expect(message('0x20', units)).toBe('"0x20" is not a number (a decimal point, not a comma: 0.01)')
    expect(message('1e-400', { kind: 'number', min: 0 })).toBe('"1e-400" is too small to tell from 0')
    expect(parseValues('+1E-3, .5, 0e5', { kind: 'number', min: 0 })).toEqual([0.001, 0.5, 0])
    expect(message('0,001', rate)).toBe(commaHint('0,001'))
    expect(message('0.1, 0,5', dropout)).toBe(commaHint('0,5'))
    expect(message('1,05', rate)).toBe(commaHint('1,05'))
    // lists without spaces stay lists: whole numbers, and fractions that are not a 0 before or after a comma
    expect(parseValues('16,32,64', units)).toEqual([16, 32, 64])
    expect(parseValues('0,1,2', { kind: 'number', integer: true, min: 0 })).toEqual([0, 1, 2])
    expect(parseValues('0.1,0.01', rate)).toEqual([0.1, 0.01])
    expect(parseValues('0, 0.5', dropout)).toEqual([0, 0.5])
  })
})
