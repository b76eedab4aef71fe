// Runs exported ONNX files with ONNX Runtime's WebAssembly build (onnxruntime-web, in Node) and checks them
// with the onnx package's checker (Debian's python3-onnx, installed by .ci/run): the two independent
// readers of what GET /v1/models/{ref}/export?format=onnx writes.
import { spawnSync } from 'node:child_process'
import * as ort from 'onnxruntime-web'
import { proto } from '../../src/onnx/graph.js'

// one thread: the machine's cores are shared with the test run; results do not depend on it
ort.env.wasm.numThreads = 1

export interface OnnxRun {
  /** Output name → values, row-major; int64 outputs as numbers. */
  readonly outputs: Record<string, number[]>
  readonly dims: Record<string, readonly number[]>
  readonly inputNames: readonly string[]
  readonly outputNames: readonly string[]
  /** The model's metadata_props. */
  readonly metadata: Record<string, string>
}

/** Creates an InferenceSession from the bytes (session creation checks the model) and runs rows of raw codes through it. */
export async function runOnnx (bytes: Uint8Array, rows: ReadonlyArray<readonly number[]>, inputName = 'input'): Promise<OnnxRun> {
  const session = await ort.InferenceSession.create(bytes)
  try {
    const width = rows[0].length
    const feed = { [inputName]: new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, width]) }
    const result = await session.run(feed)
    const outputs: Record<string, number[]> = {}
    const dims: Record<string, readonly number[]> = {}
    for (const [name, tensor] of Object.entries(result)) {
      outputs[name] = Array.from(tensor.data as ArrayLike<number | bigint>, Number)
      dims[name] = tensor.dims
    }
    return { outputs, dims, inputNames: session.inputNames, outputNames: session.outputNames, metadata: metadataOf(bytes) }
  } finally {
    await session.release()
  }
}

/** The metadata_props, as protobufjs decodes them. */
function metadataOf (bytes: Uint8Array): Record<string, string> {
  return Object.fromEntries(decode(bytes).metadataProps.map((p) => [p.key, p.value]))
}

/** The ModelProto decoded by protobufjs. */
export const decode = (bytes: Uint8Array) => proto.ModelProto.decode(bytes)

/** Debian's python3-onnx is installed for Debian's python (a python3 earlier on the PATH, e.g. pyenv's, lacks it). */
const DEBIAN_PYTHON = '/usr/bin/python3'

const CHECK = `
import sys, onnx
model = onnx.load_model_from_string(sys.stdin.buffer.read())
onnx.checker.check_model(model, full_check=True)
print("opset", model.opset_import[0].version, "ir", model.ir_version)
`

/**
 * onnx.checker.check_model with full_check (shape inference too) on the bytes; returns "opset O ir I", or
 * throws with the checker's message. Needs Debian's python3-onnx, which .ci/run installs.
 */
export function checkOnnx (bytes: Uint8Array): string {
  const run = spawnSync(DEBIAN_PYTHON, ['-c', CHECK], { input: bytes, encoding: 'utf8' })
  if (run.error || /No module named .?onnx/.test(run.stderr)) throw new Error(`the ONNX checker needs python3 with the onnx package: apt-get install python3-onnx (${run.error?.message ?? run.stderr.trim()})`)
  if (run.status !== 0) throw new Error(`onnx.checker refused the model: ${run.stderr}`)
  return run.stdout.trim()
}

/** The largest |a − b| / max(1, |b|) over two equally long lists (b: the native answer). */
export function maxRelativeError (a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`${a.length} values against ${b.length}`)
  let worst = 0
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])))
  return Number.isNaN(worst) ? Infinity : worst
}

/**
 * Float32 precision: about 17 ulps at 1 (2⁻²³ ≈ 1.2e-7), room for the runtime's other order of summation.
 * The exports of test/onnx/ differed from predict by at most 4.2e-7 on 2026-11-30.
 */
export const FLOAT32_TOLERANCE = 2e-6
