/**
 * The peer benchmarks of shared BENCHMARKS.md (`shared/peers/bench_torch.py`, `bench_sklearn.py`):
 * where they are, whether python3 can run them (Debian python3-torch, python3-sklearn), and one run
 * of a script as a child process whose JSON lines become figures. One process is one repetition.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

export interface PeerFigure { workload: string, metric: string, value: number, lib: string, threads: number, config: string }

/** The first `shared/peers` folder at or above dir (the checkout sits next to `shared/`, or two levels below it). */
export function findPeersDir (dir = process.cwd()): string | null {
  for (let d = resolve(dir); ; d = dirname(d)) {
    for (const candidate of [join(d, 'shared', 'peers'), join(d, '..', 'shared', 'peers')]) {
      if (existsSync(join(candidate, 'bench_torch.py'))) return resolve(candidate)
    }
    if (dirname(d) === d) return null
  }
}

/** A python3 that imports torch, sklearn and threadpoolctl: PEERS_PYTHON, else python3 on the PATH, else Debian's. */
export function findPython (): { python: string } | { missing: string } {
  const candidates = [process.env.PEERS_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c)
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import torch, sklearn, threadpoolctl'], { encoding: 'utf8' })
    if (r.status === 0) return { python }
  }
  return { missing: `none of ${candidates.join(', ')} imports torch, sklearn and threadpoolctl (apt-get install python3-torch python3-sklearn)` }
}

/** Runs one peer script to the end and returns its figures; a non-zero exit rejects with its stderr. */
export function runPeer (python: string, script: string, args: string[]): Promise<PeerFigure[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (c: Buffer) => { out += c.toString() })
    child.stderr.on('data', (c: Buffer) => { err += c.toString() })
    child.once('error', reject)
    child.once('close', (code) => {
      if (code !== 0) { reject(new Error(`${script} ${args.join(' ')} exited with ${code}: ${err.trim().slice(-500)}`)); return }
      const figures = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as PeerFigure)
      resolve(figures)
    })
  })
}
