// The console's default model name for a dataset is one the service accepts (src/schemas/model-name.ts).
import { describe, expect, it } from 'vitest'
import { modelNameFor } from '../../ui/src/model-name.js'
import { modelNameProblem } from '../../src/schemas/model-name.js'

describe('the job form\'s default model name', () => {
  it('keeps a dataset name that is already a model name, and turns any other into one the service accepts', () => {
    expect(modelNameFor('iris')).toBe('iris')
    expect(modelNameFor('shop.csv')).toBe('shop.csv')
    expect(modelNameFor('sales 2024 (eu)')).toBe('sales-2024-eu')
    expect(modelNameFor('a@b:c/d')).toBe('a-b-c-d')
    expect(modelNameFor('  _données ')).toBe('donn-es')
    for (const name of ['iris', 'sales 2024 (eu)', 'a@b:c/d', '  _données ', '-x-', 'x'.repeat(100), `${'y'.repeat(62)} z`]) {
      expect(modelNameProblem(modelNameFor(name)), name).toBeUndefined()
    }
  })
})
