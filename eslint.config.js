// ESLint flat config: typescript-eslint on everything, plus the import boundaries of
// STYLE.md §2 so that the architecture is checked, not remembered.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import globals from 'globals'

const restrict = (patterns, message) => ({
  'no-restricted-imports': ['error', { patterns: patterns.map((group) => ({ group: [group], message })) }]
})

export default tseslint.config(
  // assembly/*.ts is AssemblyScript (decorators on functions, v128): its own compiler checks it
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'data/**', 'build/**', '.bench/**', 'assembly/**/*.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off'
    }
  },
  {
    // the console runs in the browser and reaches the service only over its public HTTP API
    files: ['ui/src/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: restrict(['**/src/**', 'node:*'], 'ui/ is the browser console: it talks to the API over HTTP, never imports the service')
  },
  {
    // the typed client is for other programs: it speaks to the service over HTTP only
    files: ['client/**/*.ts'],
    rules: restrict(['**/src/**'], 'client/ is the typed HTTP client: it talks to the API over HTTP, never imports the service')
  },
  {
    files: ['src/nn/**/*.ts'],
    rules: {
      ...restrict(['node:*', 'fs', 'path', 'os', 'worker_threads', '../*', '!./*', 'fastify*', 'bullmq', 'ioredis', 'zod', 'pino'],
        'nn/ is the pure math core: it imports nothing outside nn/ (STYLE.md §2)'),
      'no-console': 'error',
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'nn/ is deterministic: no clocks' }]
    }
  },
  {
    // the layer records sit one folder down: nn/ itself (../) is theirs, what is outside it is not
    files: ['src/nn/layers/**/*.ts'],
    rules: restrict(['node:*', 'fs', 'path', 'os', 'worker_threads', '../../*', 'fastify*', 'bullmq', 'ioredis', 'zod', 'pino'],
      'nn/ is the pure math core: it imports nothing outside nn/ (STYLE.md §2)')
  },
  {
    files: ['src/engine/**/*.ts'],
    rules: restrict(['**/store/**', '**/queue/**', '**/api/**', 'fastify*', '@fastify/*', 'bullmq', 'ioredis'],
      'engine/ knows nn/ and worker_threads, nothing of HTTP, Redis or BullMQ (STYLE.md §2)')
  },
  {
    files: ['src/kernels/**/*.ts'],
    rules: restrict(['**/store/**', '**/queue/**', '**/api/**', '**/engine/**', 'fastify*', '@fastify/*', 'bullmq', 'ioredis'],
      'kernels/ are compute only: they know nn/ops, nothing of the service (STYLE.md §2)')
  },
  {
    files: ['src/store/**/*.ts'],
    rules: restrict(['**/api/**', '**/queue/**', '**/engine/**', 'fastify*', '@fastify/*', 'bullmq'],
      'store/ is Redis persistence: no HTTP, queue or engine (STYLE.md §2)')
  },
  {
    files: ['src/schemas/**/*.ts'],
    rules: restrict(['**/store/**', '**/queue/**', '**/api/**', '**/engine/**', 'ioredis', 'bullmq', 'fastify', 'node:*'],
      'schemas/ is zod only: no I/O (STYLE.md §2)')
  },
  {
    files: ['src/queue/**/*.ts'],
    rules: restrict(['**/api/**', 'fastify*', '@fastify/*'], 'queue/ knows no HTTP (STYLE.md §2)')
  },
  {
    files: ['src/api/**/*.ts'],
    rules: restrict(['**/engine/**', '**/queue/training-processor*'], 'api/ never trains: the engine runs in workers (STYLE.md §2)')
  },
  {
    files: ['src/threads/**/*.ts'],
    rules: restrict(['**/api/**', '**/queue/**', '**/engine/**', '**/store/**', '**/data/**', '**/nn/**', 'fastify*', '@fastify/*', 'bullmq', 'ioredis'],
      'threads/ is the generic request/response client of worker_threads: it knows no service code')
  },
  {
    files: ['src/inference/**/*.ts'],
    rules: restrict(['**/api/**', '**/queue/**', '**/engine/**', '**/store/**', 'fastify*', '@fastify/*', 'bullmq', 'ioredis', 'node:*'],
      'inference/ is a stored model\'s pure inference path (data/ inputs → nn/ forward → outputs and labels): no I/O')
  },
  {
    files: ['src/data/**/*.ts'],
    rules: restrict(['**/api/**', '**/queue/**', '**/engine/**', '**/store/**', 'fastify*', 'bullmq', 'ioredis'],
      'data/ parses and checks datasets: no I/O (STYLE.md §2)')
  },
  {
    // the ONNX exporter reads a model through nn/ and data/ and writes protobuf messages: api/ serves its bytes
    files: ['src/onnx/**/*.ts'],
    rules: restrict(['**/api/**', '**/queue/**', '**/engine/**', '**/store/**', 'fastify*', '@fastify/*', 'bullmq', 'ioredis', 'node:*'],
      'onnx/ turns a stored model (nn/, data/) into ONNX messages: no I/O, no HTTP')
  }
)
