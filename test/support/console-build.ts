// Builds ui/ into dist/ui as `npm run build` does; test/global-setup.ts runs it once per test run.
import { fileURLToPath } from 'node:url'
import { build } from 'vite'

export async function buildConsole (): Promise<void> {
  await build({ configFile: fileURLToPath(new URL('../../ui/vite.config.ts', import.meta.url)), logLevel: 'error' })
}
