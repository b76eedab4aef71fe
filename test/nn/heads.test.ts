import { describe, expect, it } from 'vitest'
import { DECISION_THRESHOLD, headOf, heads } from '../../src/nn/heads.js'

const f32 = (...v: number[]): Float32Array => Float32Array.from(v)

describe('the Head record: what each head means', () => {
  it('names itself and says what its targets and K units are', () => {
    expect(heads.identity).toMatchObject({ name: 'identity', targets: 'values' })
    expect(heads.softmax).toMatchObject({ name: 'softmax', targets: 'one-hot' })
    expect(heads.sigmoid).toMatchObject({ name: 'sigmoid', targets: 'probabilities' })
    expect([1, 3].map((K) => heads.identity.task(K))).toEqual(['regression', 'regression'])
    expect([2, 3].map((K) => heads.softmax.task(K))).toEqual(['classification', 'classification'])
    expect([1, 3].map((K) => heads.sigmoid.task(K))).toEqual(['classification', 'multi-label'])
    expect(headOf({ output: { activation: 'sigmoid' } })).toBe(heads.sigmoid)
    expect(DECISION_THRESHOLD).toBe(0.5)
  })

  describe('target check', () => {
    it('identity takes any finite value', () => {
      expect(heads.identity.targetError(f32(-1e6, 3.5), 0, 2)).toBeNull()
    })
    it('softmax takes one-hot rows only, and says which cell or row is wrong', () => {
      expect(heads.softmax.targetError(f32(0, 1, 0), 0, 3)).toBeNull()
      expect(heads.softmax.targetError(f32(1, 0, 0, 0, 0.5, 0.5), 1, 3)).toBe('targets row 1 is not one-hot: it has 2 non-zero values; a softmax target needs exactly one')
      expect(heads.softmax.targetError(f32(1, 1, 0), 0, 3)).toBe('targets row 0 is not one-hot: it has 2 non-zero values; a softmax target needs exactly one')
      expect(heads.softmax.targetError(f32(0, 0, 0), 0, 3)).toBe('targets row 0 is not one-hot: it has 0 non-zero values; a softmax target needs exactly one')
      expect(heads.softmax.targetError(f32(0, -1, 0), 0, 3)).toBe('targets row 0, column 1: a softmax target must be one-hot (0, and 1 or the class\'s weight), got -1')
      // one-hot scaled by a class weight (data/class-weights.ts)
      expect(heads.softmax.targetError(f32(0, 2.5, 0), 0, 3)).toBeNull()
    })
    it('sigmoid takes a probability per unit', () => {
      expect(heads.sigmoid.targetError(f32(0, 0.3, 1), 0, 3)).toBeNull()
      expect(heads.sigmoid.targetError(f32(0, 1.5), 0, 2)).toBe('targets row 0, column 1: a sigmoid target must lie in [0, 1], got 1.5')
      expect(heads.sigmoid.targetError(f32(0.5, -0.25), 1, 1)).toBe('targets row 1, column 0: a sigmoid target must lie in [0, 1], got -0.25')
    })
  })

  describe('correct counts', () => {
    it('softmax: argmax of outputs equals argmax of targets, the first on ties', () => {
      const a = f32(0.1, 0.7, 0.2, /* tie: first wins */ 0.5, 0.5, 0, 0.2, 0.3, 0.5)
      const y = f32(0, 1, 0, 1, 0, 0, 1, 0, 0)
      expect(heads.softmax.countCorrect(a, y, 3, 3)).toBe(2)
      expect(heads.softmax.scoredPerRow(3)).toBe(1)
    })
    it('sigmoid: each unit on the same side of the threshold as its target (p = 0.5 reads as 1)', () => {
      const a = f32(0.5, 0.49, 0.9, 0.1)
      const y = f32(1, 0, 0, 0)
      expect(heads.sigmoid.countCorrect(a, y, 2, 2)).toBe(3)
      expect(heads.sigmoid.scoredPerRow(2)).toBe(2)
    })
    it('identity: none, and no accuracy', () => {
      expect(heads.identity.countCorrect(f32(1, 2), f32(1, 2), 2, 1)).toBe(0)
      expect(heads.identity.scoredPerRow(1)).toBe(0)
    })
  })

  describe('labels from outputs', () => {
    it('softmax reads the argmax of each row as its class, one unit per class', () => {
      expect(Array.from(heads.softmax.classOf(f32(0.1, 0.7, 0.2, 0.6, 0.3, 0.1), 2, 3)!)).toEqual([1, 0])
      expect(heads.softmax.classCount(3)).toBe(3)
      expect(heads.softmax.unitsForClasses(4)).toBe(4)
    })
    it('one sigmoid unit reads p ≥ 0.5 as the second of two classes; several units have no single class', () => {
      expect(Array.from(heads.sigmoid.classOf(f32(0.5, 0.4999, 0.9), 3, 1)!)).toEqual([1, 0, 1])
      expect(heads.sigmoid.classCount(1)).toBe(2)
      expect(heads.sigmoid.unitsForClasses(2)).toBe(1)
      expect(heads.sigmoid.classOf(f32(0.9, 0.1), 1, 2)).toBeNull()
      expect(heads.sigmoid.classCount(2)).toBe(0)
      expect(heads.sigmoid.unitsForClasses(3)).toBeNull()
      expect(() => heads.sigmoid.classOf(f32(0.9, 0.1), 1, 1)).toThrow(RangeError)
    })
    it('identity outputs carry no classes', () => {
      expect(heads.identity.classOf(f32(0.9), 1, 1)).toBeNull()
      expect(heads.identity.classCount(1)).toBe(0)
      expect(heads.identity.unitsForClasses(2)).toBeNull()
    })
  })
})
