/**
 * Dataset upload (JSON rows, or CSV text with query options) and the dataset as the API returns it.
 * Widths, row counts and labels are checked by data/build-dataset.ts, which knows the limits.
 */
import { z } from 'zod'
import { Name, Timestamp } from './common.js'

const ColumnName = z.string().min(1).max(200)

export const CreateDatasetJson = z.object({
  name: Name.optional(),
  features: z.array(z.array(z.number())).min(1).describe('One row of numbers per sample; every row the same width'),
  targets: z.array(z.union([z.number(), z.string().min(1).max(200), z.array(z.number()).min(1)])).min(1)
    .describe('One per row: numbers (regression), strings (class labels, one-hot encoded) or arrays (several outputs)'),
  featureNames: z.array(ColumnName).optional(),
  targetNames: z.array(ColumnName).optional()
}).strict().meta({ id: 'CreateDatasetJson' })

export type CreateDatasetJsonBody = z.infer<typeof CreateDatasetJson>

/** A CSV upload arrives as text under Content-Type text/csv. */
export const CsvText = z.string().min(1).describe('CSV text with a header row (Content-Type: text/csv)')

export const CreateDatasetBody = z.union([CreateDatasetJson, CsvText])

const flag = z.enum(['true', 'false']).transform((v) => v === 'true')

export const CreateDatasetQuery = z.object({
  target: z.string().min(1).max(2000).optional()
    .describe('CSV only: comma-separated target column name(s); default the last column'),
  name: Name.optional().describe('CSV only: the dataset name'),
  categorical: flag.optional()
    .describe('CSV only: treat the single target column as class labels even when its values are numbers')
})

export const ColumnStatsSchema = z.object({
  name: z.string(),
  mean: z.number(),
  std: z.number().describe('Population standard deviation'),
  min: z.number(),
  max: z.number()
}).meta({ id: 'ColumnStats' })

export const DatasetResponse = z.object({
  id: z.string(),
  name: z.string(),
  rows: z.number().int(),
  inputs: z.number().int(),
  outputs: z.number().int().describe('Target columns after encoding: the number of classes for labels'),
  featureNames: z.array(z.string()),
  targetNames: z.array(z.string()),
  classes: z.array(z.string()).optional().describe('Class labels in one-hot column order'),
  createdAt: Timestamp,
  columns: z.array(ColumnStatsSchema).describe('Statistics of each feature column'),
  targetColumns: z.array(ColumnStatsSchema).describe('Statistics of each encoded target column'),
  sha256: z.string().describe('Content hash of the stored float32 features and targets'),
  bytes: z.number().int()
}).meta({ id: 'DatasetResponse' })

export type DatasetResponseBody = z.infer<typeof DatasetResponse>
