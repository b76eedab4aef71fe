// `npm start`'s (and start:api's, start:worker's) build step: runs `npm run build` only when a source is newer than the last build.
// Generic on purpose (the build may gain steps, e.g. a UI bundle): the newest modification time of
// any file under src/, assembly/ and ui/ (and of the build's own config) against the stamp this
// script writes into dist/ after a build that succeeded.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const SOURCES = ['src', 'assembly', 'ui', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']
const STAMP = join('dist', '.build-stamp')

/** The newest mtime (ms) of a file or of any file below a directory; 0 when it does not exist. */
function newest (path) {
  if (!existsSync(path)) return 0
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  let max = 0
  // the build writes *.generated.* itself (the wasm bytes): they are outputs, not sources
  for (const entry of readdirSync(path)) if (entry !== 'node_modules' && !entry.includes('.generated.')) max = Math.max(max, newest(join(path, entry)))
  return max
}

const built = existsSync(STAMP) ? statSync(STAMP).mtimeMs : 0
const changed = Math.max(...SOURCES.map(newest))
if (built > 0 && changed <= built) {
  process.stdout.write('build is current (no source newer than dist/); not rebuilding\n')
} else {
  const started = new Date()
  const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' })
  if (build.status !== 0) process.exit(build.status ?? 1)
  mkdirSync('dist', { recursive: true })
  // stamped with the time the build started: a source saved during the build triggers the next one
  writeFileSync(STAMP, `${started.toISOString()}\n`)
  utimesSync(STAMP, started, started)
}
