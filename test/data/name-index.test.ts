// How every path finds a category or class name (src/data/name-index.ts): as written, else trimmed.
import { describe, expect, it } from 'vitest'
import { lookUpName, nameIndex } from '../../src/data/name-index.js'

describe('nameIndex', () => {
  it('finds a name as written, else trimmed against the names trimmed; the first of two that trim alike keeps it', () => {
    const index = nameIndex([' blue', 'green ', 'red', ' red'])
    expect(['blue', ' blue', 'green', ' green\t', 'red', ' red', 'purple', ''].map((n) => lookUpName(index, n))).toEqual([0, 0, 1, 1, 2, 3, undefined, undefined])
  })

  it('leaves out a model\'s untrained categories, as written and trimmed: they read as names it never saw', () => {
    const index = nameIndex(['blue', ' purple', 'red'], [' purple'])
    expect(['blue', 'purple', ' purple', 'purple ', 'red'].map((n) => lookUpName(index, n))).toEqual([0, undefined, undefined, undefined, 2])
  })
})
