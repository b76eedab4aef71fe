// Runs echo-thread.ts from source inside the thread (tsx's loader), as the service's thread-from-source.mjs files do.
import { register } from 'tsx/esm/api'
register()
await import('./echo-thread.ts')
