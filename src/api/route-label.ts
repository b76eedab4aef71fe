/**
 * A route's path as people write it: find-my-way's parameter regexes and its '::' (a literal ':') left
 * out, so TF Serving's predict reads /v1/models/:name:predict, not /v1/models/:name(^[^:/]+)::predict.
 * For messages and metrics labels. Memoised: there are a few dozen routes.
 */
const labels = new Map<string, string>()

export function routeLabel (url: string): string {
  let label = labels.get(url)
  if (label === undefined) labels.set(url, label = url.replace(/\((?:[^()]|\([^()]*\))*\)/g, '').replaceAll('::', ':'))
  return label
}
