/**
 * Dataset upload (JSON rows, or CSV text with query options) and the dataset as the API returns it.
 * Widths, row counts, column kinds and labels are checked by data/build-dataset.ts, which knows the limits.
 */
import { z } from 'zod'
import './messages.js'
import { MISSING_STRATEGIES } from '../data/missing.js'
import { Float32Query, Float32Value, HALF_A_CHARACTER, NewName, Timestamp, wellFormed } from './common.js'

const ColumnName = z.string().min(1).max(200).refine(wellFormed, { message: HALF_A_CHARACTER })

const Strategy = z.enum(MISSING_STRATEGIES)
  .describe('How missing feature cells (null; in CSV empty, NA, N/A, NaN, null, ?, …) are filled, with scikit-learn SimpleImputer\'s names, ' +
    'fitted on each job\'s training rows: error (default: refuse them), mean, median, most_frequent, constant (fillValue; a categorical cell gets no category)')

export const MissingValuesSchema = z.object({
  strategy: Strategy,
  fillValue: Float32Value.optional().describe('For constant: the value of a missing numeric cell (default 0); a finite number that fits a 32-bit float')
}, {
  // a bare strategy name ("missing": "mean", as CSV's ?missing=mean reads) gets the JSON form, not "expected object"
  error: (iss) => {
    if (iss.code !== 'invalid_type' || (typeof iss.input === 'object' && iss.input !== null && !Array.isArray(iss.input))) return undefined
    const example = typeof iss.input === 'string' && (MISSING_STRATEGIES as readonly string[]).includes(iss.input) ? iss.input : 'mean'
    return `missing is an object with a strategy, one of: ${MISSING_STRATEGIES.join(', ')}; e.g. {"strategy": ${JSON.stringify(example)}}`
  }
}).strict()
  .refine((m) => m.fillValue === undefined || m.strategy === 'constant', { path: ['fillValue'], message: 'applies to the strategy "constant" only; set "strategy": "constant", or leave fillValue out' })
  .meta({ id: 'MissingValues' })

export const FeatureCell = z.union([z.number(), z.string().max(200), z.null()])
  .describe('A number, a category (string: the column is one-hot encoded) or null (missing)')

export const CreateDatasetJson = z.object({
  name: NewName.optional(),
  features: z.array(z.array(FeatureCell)).min(1)
    .describe('One row per sample, every row the same width: numbers, category strings (one-hot encoded) and null for missing cells'),
  targets: z.array(z.union([z.number(), z.string().min(1).max(200), z.array(z.number()).min(1)])).min(1)
    .describe('One per row: numbers (regression, or class codes for a softmax / 0-1 sigmoid head), strings (class labels, one-hot encoded) or arrays (several outputs)'),
  featureNames: z.array(ColumnName).optional(),
  targetNames: z.array(ColumnName).optional(),
  missing: MissingValuesSchema.optional().describe('How null feature cells are filled when a job trains on it (default: error, null cells are refused)'),
  categorical: z.array(ColumnName).optional().describe('Feature columns (by featureNames) to read as categories although they hold numbers')
}).strict().meta({ id: 'CreateDatasetJson' })

export type CreateDatasetJsonBody = z.infer<typeof CreateDatasetJson>

/**
 * The JSON body of an upload. CSV (text/csv) and forms arrive as bytes the route reads itself; the OpenAPI
 * document gives each of those content types its own schema (openapi-examples/request-bodies.ts). A union with
 * CSV's string here had declared a JSON string valid, which the route then refused.
 */
export const CreateDatasetBody = CreateDatasetJson

export const CreateDatasetQuery = z.object({
  target: z.string().min(1).max(2000).optional()
    .describe('CSV only: comma-separated target column name(s); default the last column'),
  name: NewName.optional().describe('CSV only: the dataset name'),
  categorical: z.string().min(1).max(4000).optional()
    .describe('CSV only: true: the single target column holds class labels even when its values are numbers; false: decide from the cells (default); ' +
      'or comma-separated column names to read as categories'),
  delimiter: z.enum([',', ';', 'tab', '\t'], { error: 'expected , or ; or tab (or a tab character, %09)' }).optional()
    .describe('CSV only: the cell separator; default: detected from the header line (comma, semicolon or tab)'),
  decimal: z.enum(['.', ',']).optional()
    .describe('CSV only: the decimal mark of numbers, as pandas\' `decimal` (default `.`); `,` reads `1,5` as 1.5 in `;`- or tab-separated files'),
  thousands: z.enum([',', '.', ' ', '\''], { error: 'expected , or . or \' or a space (%20)' }).optional()
    .describe('CSV only: the mark between groups of three digits, as pandas\' `thousands` (default none): `.` reads `1.234.567,89` (with decimal=,) as 1234567.89, ' +
      'a space (%20) also reads no-break spaces, as French files write `1 234,5`'),
  missing: Strategy.optional().describe('CSV only: the missing-value strategy (default error)'),
  fillValue: Float32Query.optional().describe('CSV only: with missing=constant, the value of a missing numeric cell (default 0); a finite number that fits a 32-bit float')
}).strict() // a misspelt key (?targets=) is a 400 naming it, as on every route, not a silent default
  .refine((q) => q.fillValue === undefined || q.missing === 'constant', { path: ['fillValue'], message: 'applies with missing=constant only; send missing=constant, or leave fillValue out' })

export const ColumnStatsSchema = z.object({
  name: z.string(),
  mean: z.number().optional().describe('Numeric columns: over the present cells'),
  std: z.number().optional().describe('Population standard deviation'),
  min: z.number().optional(),
  max: z.number().optional(),
  kind: z.enum(['numeric', 'categorical']).optional().describe('Feature columns: numbers, or categories (one-hot encoded, an input each)'),
  categories: z.array(z.string()).optional().describe('Categorical columns: the categories in one-hot column order'),
  missing: z.number().int().optional().describe('Feature columns: cells with no value')
}).meta({ id: 'ColumnStats' })

export const DatasetResponse = z.object({
  id: z.string(),
  name: z.string(),
  rows: z.number().int(),
  inputs: z.number().int().describe('Inputs a network needs: numeric columns plus one per category of each categorical column'),
  outputs: z.number().int().describe('Target columns after encoding: the number of classes for labels'),
  featureNames: z.array(z.string()),
  targetNames: z.array(z.string()),
  classes: z.array(z.string()).optional().describe('Class labels in one-hot column order'),
  targetValues: z.array(z.number()).optional()
    .describe('A single numeric target column\'s distinct values (at most MAX_CLASSES): the classes a softmax head learns from it, labelled "0", "1", …'),
  missing: MissingValuesSchema.optional().describe('The missing-value strategy given at upload (absent: error)'),
  createdAt: Timestamp,
  columns: z.array(ColumnStatsSchema).describe('Each feature column as read: kind, categories, missing cells and statistics'),
  targetColumns: z.array(ColumnStatsSchema).describe('Statistics of each encoded target column'),
  sha256: z.string().describe('Content hash of the stored float32 features and targets'),
  bytes: z.number().int(),
  warnings: z.array(z.string()).optional()
    .describe('What the upload holds that it most likely did not mean; the dataset is stored as it is. Integers past 16,777,216 that the stored float32 ' +
      'makes one (codes, ids, timestamps: declare them categorical, or rescale), and a categorical column with a different category in nearly every row ' +
      '(an id, a date, free text). Absent when there is nothing to say')
}).meta({ id: 'DatasetResponse' })

export type DatasetResponseBody = z.infer<typeof DatasetResponse>
