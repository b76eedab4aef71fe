// A pool thread for fault tests (see thread-fault.ts): the real entry, with the cued fault armed.
import { register } from 'tsx/esm/api'
register()
await import('./faulty-thread-main.ts')
