// One HTTP/1.1 connection read by hand: what a client sees on the wire, whether the server keeps the
// connection after an answer, which fetch and supertest hide.
import { connect, type Socket } from 'node:net'

/** The next HTTP/1.1 answer on `socket` (framed by its Content-Length): its head and its body. Rejects if the connection closes first. */
export function readResponse (socket: Socket): Promise<{ head: string, body: string }> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0)
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk])
      const end = buffered.indexOf('\r\n\r\n')
      if (end < 0) return
      const head = buffered.subarray(0, end).toString()
      const length = Number(/^content-length: *(\d+)$/im.exec(head)?.[1] ?? 0)
      if (buffered.length < end + 4 + length) return
      socket.off('data', onData)
      socket.off('close', onClose)
      resolve({ head, body: buffered.subarray(end + 4, end + 4 + length).toString() })
    }
    const onClose = (): void => { reject(new Error(`the connection closed after ${buffered.length} bytes: ${buffered.toString().slice(0, 200)}`)) }
    socket.on('data', onData)
    socket.once('close', onClose)
  })
}

/**
 * Opens a connection to 127.0.0.1:`port`, lets `send` write on it, and collects what comes back until the server
 * closes it (`closed`) or `ms` pass (the connection then left open: `closed` false).
 */
export function answerUntilClosed (port: number, send: (socket: Socket) => void, ms = 5000): Promise<{ text: string, closed: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    let text = ''
    const timer = setTimeout(() => { socket.destroy(); resolve({ text, closed: false }) }, ms)
    socket.on('data', (c: Buffer) => { text += c.toString() })
    socket.on('error', () => {}) // a reset once the server cuts an upload is how it closes
    socket.on('close', () => { clearTimeout(timer); resolve({ text, closed: true }) })
    send(socket)
  })
}
