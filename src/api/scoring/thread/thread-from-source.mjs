// Development only: runs the scoring thread from its .ts source (vitest, tsx) by registering tsx's loader
// inside the thread first. The built service starts thread-main.js directly.
import { register } from 'tsx/esm/api'
register()
await import('./thread-main.ts')
