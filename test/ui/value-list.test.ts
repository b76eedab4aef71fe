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
  })
})
