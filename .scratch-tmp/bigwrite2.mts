import { Redis } from 'ioredis'
const a = new Redis(), b = new Redis()
const total = 18 << 20
const buf = Buffer.alloc(total, 7)
let worst = 0, stop = false
const ping = (async () => { while (!stop) { const t = performance.now(); await b.ping(); worst = Math.max(worst, performance.now() - t); await new Promise(r => setTimeout(r, 2)) } })()
for (const chunk of [8 << 20, 1 << 20, 256 << 10]) {
  for (const mode of ['multi', 'sequential']) {
    worst = 0
    const t0 = performance.now()
    if (mode === 'multi') {
      const tx = a.multi()
      for (let i = 0; i * chunk < total; i++) tx.set(`bw:${i}`, buf.subarray(i * chunk, (i + 1) * chunk))
      await tx.exec()
    } else {
      for (let i = 0; i * chunk < total; i++) await a.set(`bw:${i}`, buf.subarray(i * chunk, (i + 1) * chunk), 'EX', 3600)
      const tx = a.multi(); for (let i = 0; i * chunk < total; i++) tx.persist(`bw:${i}`); tx.hset('bw:meta', { m: 1 }); await tx.exec()
    }
    console.log(mode.padEnd(10), 'chunk', String(chunk).padStart(8), 'took', (performance.now() - t0).toFixed(0).padStart(4), 'ms; worst PING', worst.toFixed(1), 'ms')
  }
}
stop = true; await ping
const keys = await a.keys('bw:*'); if (keys.length) await a.del(...keys)
a.disconnect(); b.disconnect()
