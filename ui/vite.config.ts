// Builds the console (ui/) into dist/ui, which the API serves at /ui (src/api/routes/console.ts).
// Everything is bundled: no CDN, since the service runs on closed networks.
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/ui/',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // one small app: a single chunk is faster to serve than a waterfall of modules
    chunkSizeWarningLimit: 400
  }
})
