// `npm start` rebuilds only when a source is newer than the last build (scripts/build-if-stale.mjs),
// run in a scratch project whose `build` script records each run.
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const script = resolve('scripts/build-if-stale.mjs')
const dir = mkdtempSync(join(tmpdir(), 'backprop-build-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const run = (): string => {
  const out = spawnSync(process.execPath, [script], { cwd: dir, encoding: 'utf8' })
  expect(out.status).toBe(0)
  return out.stdout
}
const builds = (): number => readFileSync(join(dir, 'builds.txt'), 'utf8').length

describe('build-if-stale', () => {
  it('builds once, then not while no source changed; a newer file under src/ or ui/ rebuilds; generated files do not', () => {
    mkdirSync(join(dir, 'src'))
    writeFileSync(join(dir, 'src', 'a.ts'), 'export {}\n')
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'scratch', scripts: { build: 'node -e "require(\'fs\').appendFileSync(\'builds.txt\', \'x\')"' } }))
    run()
    expect(builds()).toBe(1)
    expect(run()).toContain('not rebuilding')
    expect(builds()).toBe(1)
    const later = new Date(Date.now() + 60_000)
    writeFileSync(join(dir, 'src', 'wasm-bytes.generated.ts'), '// written by the build\n')
    utimesSync(join(dir, 'src', 'wasm-bytes.generated.ts'), later, later)
    run()
    expect(builds()).toBe(1)
    mkdirSync(join(dir, 'ui'))
    writeFileSync(join(dir, 'ui', 'app.ts'), 'export {}\n')
    utimesSync(join(dir, 'ui', 'app.ts'), later, later)
    run()
    expect(builds()).toBe(2)
  })
})
