/** The package's version, as the OpenAPI document and /metrics' backprop_build_info report it. */
import { createRequire } from 'node:module'

// ../package.json from src/ and from dist/ alike
export const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version
