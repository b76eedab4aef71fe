// A thread of bench/ceiling.ts: registers tsx's loader (the bench runs from source), then runs the work.
import { register } from 'tsx/esm/api'
register()
await import('./ceiling-work.ts')
