/**
 * The console's shell: hash routes (so the static server needs no fallback), the API key field, and
 * the "this server needs a key" notice. Each page is a function that renders into <main>; leaving a
 * page aborts its signal, which closes its event streams.
 */
import 'uplot/dist/uPlot.min.css'
import './style.css'
import { ApiError, apiKey, onApiError } from './api.js'
import { h, note } from './dom.js'
import { datasetsPage, datasetPage } from './pages/datasets.js'
import { jobsPage } from './pages/jobs.js'
import { jobFormPage } from './pages/job-form.js'
import { jobPage } from './pages/job.js'
import { comparePage } from './pages/compare.js'
import { modelsPage } from './pages/models.js'
import { modelPage } from './pages/model.js'
import { sweepsPage } from './pages/sweeps.js'
import { sweepPage } from './pages/sweep.js'
import type { Route } from './nav.js'

type Page = (route: Route) => Promise<Node>

const ROUTES: [RegExp, Page][] = [
  [/^\/datasets\/?$/, datasetsPage],
  [/^\/datasets\/([^/]+)$/, datasetPage],
  [/^\/jobs\/?$/, jobsPage],
  [/^\/jobs\/new$/, jobFormPage],
  [/^\/jobs\/([^/]+)$/, jobPage],
  [/^\/compare$/, comparePage],
  [/^\/models\/?$/, modelsPage],
  [/^\/models\/([^/]+)$/, modelPage],
  [/^\/sweeps\/?$/, sweepsPage],
  [/^\/sweeps\/([^/]+)$/, sweepPage]
]

const main = document.getElementById('main')!
const notice = document.getElementById('notice')!
let current: AbortController | undefined
// after in-console navigation, focus moves to the new content (as a page load would put it at the top)
let navigated = false

async function render (): Promise<void> {
  current?.abort()
  const controller = new AbortController()
  current = controller
  const [path, search = ''] = (location.hash.replace(/^#/, '') || '/jobs').split('?')
  const match = ROUTES.map(([re, page]) => [re.exec(path), page] as const).find(([m]) => m)
  for (const a of document.querySelectorAll<HTMLAnchorElement>('nav a')) {
    const section = a.getAttribute('href')!.slice(1)
    a.toggleAttribute('aria-current', path.startsWith(section) || (section === '/jobs' && path.startsWith('/compare')))
  }
  notice.replaceChildren()
  main.replaceChildren(h('p', { class: 'loading' }, 'Loading…'))
  let content: Node
  try {
    content = match
      ? await match[1]({ params: match[0]!.slice(1).map(decodeURIComponent), query: new URLSearchParams(search), signal: controller.signal })
      : h('section', {}, h('h1', {}, 'Not found'), note(`There is no page at ${path}.`))
  } catch (err) {
    content = h('section', {}, h('h1', {}, err instanceof ApiError && err.notFound ? 'Not found' : 'Error'),
      note(err instanceof Error ? err.message : String(err), 'error'))
  }
  if (controller.signal.aborted) return
  main.replaceChildren(content)
  document.title = `${main.querySelector('h1')?.textContent ?? 'console'} · backprop`
  if (navigated) main.focus({ preventScroll: true })
  navigated = true
}

onApiError((err) => {
  if (!err.needsKey) return
  notice.replaceChildren(note(apiKey.get() === ''
    ? 'This server needs an API key. Enter one above (it is kept only for this browser tab).'
    : `The API key was refused: ${err.message}`, 'error'))
  document.getElementById('api-key')?.focus()
})

const keyInput = document.getElementById('api-key') as HTMLInputElement
keyInput.value = apiKey.get()
document.getElementById('key-form')!.addEventListener('submit', (event) => {
  event.preventDefault()
  apiKey.set(keyInput.value.trim())
  void render()
})

// the skip link's #main would be read as a route (hash routing) and show "no page at main": it moves the focus instead
document.querySelector('.skip')!.addEventListener('click', (event) => {
  event.preventDefault()
  main.focus()
})

window.addEventListener('hashchange', () => { void render() })
void render()
