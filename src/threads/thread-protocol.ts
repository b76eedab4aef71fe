/** The envelopes between a ThreadClient (thread-client.ts) and serveRequests (thread-server.ts), structured-cloned. */

/** A request carries `seq` and is answered once; a notification has none and is not answered. */
export type Request<In> = { readonly seq: number, readonly body: In } | { readonly seq?: undefined, readonly body: In }

/** The answer to request `seq`: its result, or the error thrown on the thread. */
export type Reply<Out> = { readonly seq: number, readonly ok: Out } | { readonly seq: number, readonly error: ThreadError }

/** An error as plain fields (errors do not cross threads whole): what the problem handler needs, never a stack. */
export interface ThreadError { name: string, message: string, code?: string, statusCode?: number, problem?: unknown }
