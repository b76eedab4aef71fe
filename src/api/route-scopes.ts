/**
 * The scope each route requires, in one table: the auth plugin reads it for every route as it is
 * registered. A route missing here requires `admin` (fail closed). No checks here; plugins/auth.ts does them.
 */
import type { Scope } from '../security/api-keys.js'

/** `public`: no key needed, even when keys are configured. */
export type RouteScope = Scope | 'public'

export const ROUTE_SCOPES: Readonly<Record<string, RouteScope>> = {
  'GET /': 'public', // a redirect to the console
  'GET /healthz': 'public',
  'GET /readyz': 'public',
  'GET /openapi.json': 'public',
  // global counts, no tenant's data: a scraper's key needs this alone (admin also grants it)
  'GET /metrics': 'metrics',

  'GET /v1/datasets': 'read',
  'GET /v1/datasets/:id': 'read',
  'POST /v1/datasets': 'train',
  'DELETE /v1/datasets/:id': 'train',
  'DELETE /v1/training-jobs/:id': 'train',

  'GET /v1/networks': 'read',
  'GET /v1/networks/:id': 'read',
  'POST /v1/networks': 'train',
  'DELETE /v1/networks/:id': 'train',

  'GET /v1/training-jobs': 'read',
  'GET /v1/training-jobs/:id': 'read',
  'GET /v1/training-jobs/:id/events': 'read',
  'POST /v1/training-jobs': 'train',
  'POST /v1/training-jobs/:id/cancel': 'train',
  'POST /v1/training-jobs/:id/stop': 'train',

  'GET /v1/sweeps': 'read',
  'GET /v1/sweeps/:id': 'read',
  'GET /v1/sweeps/:id/events': 'read',
  'DELETE /v1/sweeps/:id': 'train',
  'POST /v1/sweeps': 'train',
  'POST /v1/sweeps/:id/cancel': 'train',

  'GET /v1/models': 'read',
  'GET /v1/models/:id': 'read',
  'GET /v1/models/:id/export': 'read',
  'POST /v1/models': 'train',
  'DELETE /v1/models/:id': 'train',
  'POST /v1/models/:id/predict': 'predict',
  // these read what a `predict` key must not: a stored dataset's rows, labels and category cells (evaluate,
  // predictions), or every layer's activations and gradients, from which the weights can be solved for (backprop).
  // A `read` key may already export the model and read the dataset, so they are its
  'POST /v1/models/:id/evaluate': 'read',
  'POST /v1/models/:id/predictions': 'read',
  'POST /v1/models/:id/backprop': 'read',

  // the Open Inference Protocol (routes/open-inference.ts): health as /healthz, the rest as /v1/models
  'GET /v2': 'public',
  'GET /v2/health/live': 'public',
  'GET /v2/health/ready': 'public',
  'GET /v2/models/:name': 'read',
  'GET /v2/models/:name/versions/:version': 'read',
  'GET /v2/models/:name/ready': 'read',
  'GET /v2/models/:name/versions/:version/ready': 'read',
  'GET /v2/models/:name/config': 'read',
  'GET /v2/models/:name/versions/:version/config': 'read',
  'POST /v2/models/:name/infer': 'predict',
  'POST /v2/models/:name/versions/:version/infer': 'predict',

  // TensorFlow Serving's REST API (routes/tf-serving.ts); its GET /v1/models/{name} is GET /v1/models/:id
  'POST /v1/models/:name(^[^:/]+)::predict': 'predict',
  'POST /v1/models/:name/versions/:version(^[^:/]+)::predict': 'predict',
  'GET /v1/models/:name/versions/:version': 'read',
  'GET /v1/models/:name/metadata': 'read',
  'GET /v1/models/:name/versions/:version/metadata': 'read'
}

/**
 * Scopes that also open a route, beside its own: a model's description and readiness in the serving
 * protocols, which their clients read before they predict (tritonclient's is_model_ready, KServe's
 * model metadata, TF Serving's GetModelMetadata). An app's `predict` key reads them; a `read` key does too.
 */
export const ALSO_SCOPES: Readonly<Record<string, readonly Scope[]>> = {
  'GET /v2/models/:name': ['predict'],
  'GET /v2/models/:name/versions/:version': ['predict'],
  'GET /v2/models/:name/ready': ['predict'],
  'GET /v2/models/:name/versions/:version/ready': ['predict'],
  'GET /v2/models/:name/config': ['predict'],
  'GET /v2/models/:name/versions/:version/config': ['predict'],
  'GET /v1/models/:name/versions/:version': ['predict'],
  'GET /v1/models/:name/metadata': ['predict'],
  'GET /v1/models/:name/versions/:version/metadata': ['predict']
}

/** Swagger UI and its assets are documentation, as open as /openapi.json; the console's pages hold no data. */
const PUBLIC_PREFIXES = ['/docs', '/ui']

/** The scopes that open a route besides its own (ALSO_SCOPES); HEAD answers like GET. */
export const alsoScopesOf = (method: string, url: string): readonly Scope[] => ALSO_SCOPES[`${method === 'HEAD' ? 'GET' : method} ${url}`] ?? []

/** The scope for a route; HEAD answers like GET. */
export function scopeOf (method: string, url: string): RouteScope {
  const m = method === 'HEAD' ? 'GET' : method
  const declared = ROUTE_SCOPES[`${m} ${url}`]
  if (declared) return declared
  if (PUBLIC_PREFIXES.some((p) => url === p || url.startsWith(`${p}/`))) return 'public'
  return 'admin'
}
