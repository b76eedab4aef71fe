// Loads the real data sets copied into test/fixtures as nn Datasets (features scaled as a user would).
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { datasetFromRows, oneHot, type Dataset } from '../../src/nn/dataset.js'

export const fixturePath = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url))

export function readCsv (name: string): { header: string[], rows: string[][] } {
  const lines = readFileSync(fixturePath(name), 'utf8').trim().split(/\r?\n/)
  return { header: lines[0].split(','), rows: lines.slice(1).map((l) => l.split(',')) }
}

export interface Fixture { data: Dataset, classes?: string[] }

/** Classification fixture: the last column is the class; classes sorted for a stable encoding. */
export function classificationFixture (name: string, scale = 1): Fixture {
  const { rows } = readCsv(name)
  const classes = [...new Set(rows.map((r) => r[r.length - 1]))].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b))
  const features = rows.map((r) => r.slice(0, -1).map((v) => Number(v) * scale))
  const labels = rows.map((r) => classes.indexOf(r[r.length - 1]))
  const y = oneHot(labels, classes.length)
  const targets = labels.map((_, i) => Array.from(y.subarray(i * classes.length, (i + 1) * classes.length)))
  return { data: datasetFromRows(features, targets), classes }
}

/** Regression fixture: the last column is the target, standardised (R² is unchanged by it). */
export function regressionFixture (name: string): Fixture {
  const { rows } = readCsv(name)
  const t = rows.map((r) => Number(r[r.length - 1]))
  const mean = t.reduce((s, v) => s + v, 0) / t.length
  const std = Math.sqrt(t.reduce((s, v) => s + (v - mean) ** 2, 0) / t.length)
  return { data: datasetFromRows(rows.map((r) => r.slice(0, -1).map(Number)), t.map((v) => [(v - mean) / std])) }
}

/** Standardises feature columns with statistics of the training rows only. */
export function standardize (train: Dataset, ...others: Dataset[]): void {
  const { inputs } = train
  for (let c = 0; c < inputs; c++) {
    let mean = 0
    for (let r = 0; r < train.rows; r++) mean += train.x[r * inputs + c]
    mean /= train.rows
    let v = 0
    for (let r = 0; r < train.rows; r++) v += (train.x[r * inputs + c] - mean) ** 2
    const std = Math.sqrt(v / train.rows) || 1
    for (const d of [train, ...others]) for (let r = 0; r < d.rows; r++) d.x[r * inputs + c] = (d.x[r * inputs + c] - mean) / std
  }
}
