// scikit-learn's digits (test/fixtures/digits.csv) stored as a dataset under a prefix, as an upload would store it:
// the jobs of the worker-process tests train on it.
import { columnStats } from '../../src/data/column-stats.js'
import { createDatasetRepository } from '../../src/store/datasets.js'
import type { Redis } from '../../src/store/redis.js'
import { classificationFixture } from './fixtures.js'

/** Stores digits (1,797 rows × 64 pixels, 10 classes) and answers its dataset id. */
export async function storeDigits (redis: Redis, prefix: string): Promise<string> {
  const { data: digits, classes } = classificationFixture('digits.csv')
  const meta = await createDatasetRepository(redis, prefix).put({
    name: 'digits', dataset: digits, featureNames: Array.from({ length: 64 }, (_, i) => `p${i}`), targetNames: ['digit'], classes: classes!,
    featureStats: columnStats(digits.x, digits.rows, digits.inputs), targetStats: columnStats(digits.y, digits.rows, digits.outputs)
  })
  return meta.id
}
