// TF Serving's JSON takes NaN (Python's json.dumps writes float('nan') so): nanTokensAsNull writes each NaN token
// outside strings as null, and leaves everything else as it was. The route's behaviour is test/api/tf-serving.test.ts's.
import { describe, expect, it } from 'vitest'
import { nanTokensAsNull } from '../../src/api/json-body.js'

describe('nanTokensAsNull', () => {
  it('writes NaN tokens as null, only outside strings, whatever surrounds them', () => {
    expect(nanTokensAsNull('[NaN,1,NaN]')).toBe('[null,1,null]')
    expect(nanTokensAsNull('{"a": NaN, "b":NaN}')).toBe('{"a": null, "b":null}')
    expect(nanTokensAsNull('[\nNaN\n]')).toBe('[\nnull\n]')
    // in a string, after an escaped quote, or as part of a longer word: text, not a token
    expect(nanTokensAsNull('["NaN", "a\\"NaN", "NaN\\\\"]')).toBeUndefined()
    expect(nanTokensAsNull('["x\\"", NaN]')).toBe('["x\\"", null]')
    expect(nanTokensAsNull('[NaNa, xNaN, 1.NaN]')).toBeUndefined()
    expect(nanTokensAsNull('[Infinity, -Infinity]')).toBeUndefined()
    expect(nanTokensAsNull('{"instances": [[1, 2]]}')).toBeUndefined()
    // what it writes parses as JSON with the nulls where NaN stood
    expect(JSON.parse(nanTokensAsNull('{"instances": [{"x": NaN, "s": "NaN"}]}')!)).toEqual({ instances: [{ x: null, s: 'NaN' }] })
  })
})
