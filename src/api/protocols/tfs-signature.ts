/**
 * A model's TensorFlow Serving signature, as `GET /v1/models/{name}[/versions/{v}]/metadata` answers it
 * (TF Serving's GetModelMetadata over REST: `metadata.signature_def.signature_def.serving_default`,
 * tensorflow.org/tfx/serving/api_rest "Model Metadata API"). The inputs are the /v2 metadata's
 * (tensors.ts inputsOf: one DT_FLOAT `[-1, features]`, or one per feature column, DT_STRING for a
 * categorical one); the output is `output` DT_FLOAT `[-1, units]`, what :predict answers per row.
 * Sizes are strings, as protobuf's JSON mapping writes int64.
 */
import type { ModelRecord } from '../../store/models.js'
import type { TfsModelMetadataBody, TfsTensorInfoBody } from '../../schemas/tf-serving.js'
import { columnsOf } from './model-columns.js'
import { OUTPUT_NAME, inputsOf } from './tensors.js'

const PREDICT_METHOD = 'tensorflow/serving/predict'

const tensorInfo = (name: string, dtype: 'DT_FLOAT' | 'DT_STRING', shape: readonly number[]): TfsTensorInfoBody => ({
  dtype,
  tensor_shape: { dim: shape.map((size) => ({ size: String(size), name: '' })), unknown_rank: false },
  name
})

export function tfsMetadataOf (record: ModelRecord): TfsModelMetadataBody {
  const inputs = Object.fromEntries(inputsOf(columnsOf(record)).map((t) => [t.name, tensorInfo(t.name, t.datatype === 'BYTES' ? 'DT_STRING' : 'DT_FLOAT', t.shape)]))
  return {
    model_spec: { name: record.name, signature_name: '', version: String(record.version) },
    metadata: {
      signature_def: {
        signature_def: {
          serving_default: {
            inputs,
            outputs: { [OUTPUT_NAME]: tensorInfo(OUTPUT_NAME, 'DT_FLOAT', [-1, record.network.output.units]) },
            method_name: PREDICT_METHOD
          }
        }
      }
    }
  }
}
