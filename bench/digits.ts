// The real digits data for W2: 1,797 rows, 64 features scaled to [0, 1], 10 classes (one-hot).
import { readFileSync } from 'node:fs'
import { datasetFromRows, oneHot, type Dataset } from '../src/nn/dataset.js'

export function loadDigits (): Dataset {
  const text = readFileSync(new URL('../test/fixtures/digits.csv', import.meta.url), 'utf8')
  const rows = text.trim().split(/\r?\n/).slice(1).map((l) => l.split(',').map(Number))
  const labels = rows.map((r) => r[64])
  const y = oneHot(labels, 10)
  return datasetFromRows(rows.map((r) => r.slice(0, 64).map((v) => v / 16)), labels.map((_, i) => Array.from(y.subarray(i * 10, i * 10 + 10))))
}
