import { describe, expect, it } from 'vitest'
import { MODEL_NAME_FORM, ModelName, modelNameProblem } from '../../src/schemas/model-name.js'

describe('model names', () => {
  it('accept letters, digits, - _ . from a letter or digit, up to 63 characters', () => {
    for (const name of ['iris', 'Iris', '2024-iris', 'iris-v2.1', 'a_b', 'x', 'latest2', 'mdl', 'a'.repeat(63)]) {
      expect(modelNameProblem(name), name).toBeUndefined()
    }
  })

  it('refuse what would not read back as the same name in a reference, saying why and the allowed form', () => {
    const cases: Array<[string, string]> = [
      ['a@b', 'holds "@"'], // the alias separator: a@b@latest was the only way to read it
      ['c:predict', 'holds ":"'], // TF Serving's :predict suffix
      ['a/b', 'holds "/"'], // a path segment
      ['a b', 'holds " "'],
      ['iris?x', 'holds "?"'],
      ['é', 'holds "é"'],
      ['-iris', "starts with '-'"],
      ['.', "starts with '.'"],
      ['..', "starts with '.'"],
      ['_x', "starts with '_'"],
      ['latest', 'is reserved'],
      ['LATEST', 'is reserved'],
      ['mdl_x', 'looks like a model id'],
      ['MDL_0123', 'looks like a model id'],
      ['a'.repeat(64), 'has 64 characters'],
      ['', 'is empty']
    ]
    for (const [name, why] of cases) {
      expect(modelNameProblem(name), name).toBe(`${JSON.stringify(name)} ${why}${why === 'is reserved' ? ': it would read as an alias, not a name' : ''}; a model name is ${MODEL_NAME_FORM}`)
    }
  })

  it('as a schema: trims surrounding whitespace, then applies the rule', () => {
    expect(ModelName.parse('  iris ')).toBe('iris')
    expect(ModelName.safeParse('a@b').error?.issues[0].message).toBe(modelNameProblem('a@b'))
    expect(ModelName.safeParse(' ').error?.issues[0].message).toBe(modelNameProblem(''))
  })
})
