// OPENBLAS_CORETYPE chooses OpenBLAS's kernels when set (a machine here set Haswell on AVX-512 EPYCs): the
// kernels line says so, and says when this CPU could run faster ones. Real OpenBLAS, loaded in child processes,
// since it reads the variable once, as it loads.
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { coreTypeNote, cpuFlags } from '../../src/kernels/core-type.js'

const AVX512 = 'fpu sse2 avx avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl avx512_bf16'
const AVX2 = 'fpu sse2 avx avx2 fma'

/** chooseKernels('auto') in a fresh process whose OPENBLAS_CORETYPE is `coreType` (undefined: unset). */
function choiceWith (coreType: string | undefined): Record<string, unknown> {
  const env: Record<string, string | undefined> = { ...process.env, OPENBLAS_CORETYPE: coreType }
  if (coreType === undefined) delete env.OPENBLAS_CORETYPE
  const script = "import('./src/kernels/index.ts').then((k) => console.log(JSON.stringify(k.chooseKernels('auto'))))"
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { env, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(r.stderr)
  return JSON.parse(r.stdout) as Record<string, unknown>
}

describe('OPENBLAS_CORETYPE', () => {
  it('reads the CPU\'s flags from /proc/cpuinfo\'s first flags line', () => {
    expect(cpuFlags(`processor : 0\nflags\t\t: ${AVX2}\nbugs : spectre\n`)).toEqual(new Set(AVX2.split(' ')))
    expect(cpuFlags('processor : 0\n')).toEqual(new Set())
  })

  it('is said when set, with the way to faster kernels when the CPU has AVX-512 and the kernels named do not use it', () => {
    expect(coreTypeNote('Haswell', undefined, cpuFlags(`flags : ${AVX512}`))).toBeUndefined()
    expect(coreTypeNote('Haswell', '', cpuFlags(`flags : ${AVX512}`))).toBeUndefined()
    expect(coreTypeNote('Haswell', 'Haswell', cpuFlags(`flags : ${AVX512}`))).toBe('OPENBLAS_CORETYPE=Haswell holds OpenBLAS to its Haswell kernels, ' +
      'though this CPU has AVX-512: unset it for the faster SkylakeX-family kernels, or keep it for the same bits on every machine')
    expect(coreTypeNote('Haswell', 'Haswell', cpuFlags(`flags : ${AVX2}`))).toBe('OPENBLAS_CORETYPE=Haswell holds OpenBLAS to its Haswell kernels')
    expect(coreTypeNote('Cooperlake', 'cooperlake', cpuFlags(`flags : ${AVX512}`))).toBe('OPENBLAS_CORETYPE=cooperlake holds OpenBLAS to its Cooperlake kernels')
    // a name OpenBLAS does not run as such: it did not hold it to anything (a retrial: Foo had read as holding Cooperlake)
    expect(coreTypeNote('Cooperlake', 'Foo', cpuFlags(`flags : ${AVX512}`))).toBe('OPENBLAS_CORETYPE="Foo" is set, but OpenBLAS runs its Cooperlake kernels: ' +
      'it ignores a name it does not know, and runs the nearest kernels it has for some')
    // OpenBLAS does not trim the name: padded, it is one it does not know
    expect(coreTypeNote('Cooperlake', ' Cooperlake', cpuFlags(`flags : ${AVX512}`))).toMatch(/^OPENBLAS_CORETYPE=" Cooperlake" is set, but OpenBLAS runs its Cooperlake kernels/)
    expect(coreTypeNote('Cooperlake', ' ', cpuFlags(`flags : ${AVX512}`))).toBeUndefined()
  })

  it('the kernels a process runs name it when it is set, and not otherwise (real OpenBLAS)', () => {
    const held = choiceWith('Haswell')
    expect(held).toMatchObject({ active: 'blas', detail: expect.stringContaining('(Haswell kernels)') })
    expect(held.coreType).toMatch(/^OPENBLAS_CORETYPE=Haswell holds OpenBLAS to its Haswell kernels/)
    expect(choiceWith(undefined).coreType).toBeUndefined()
    const unknown = choiceWith('NoSuchCore')
    expect(unknown.coreType).toMatch(/^OPENBLAS_CORETYPE="NoSuchCore" is set, but OpenBLAS runs its \w+ kernels/)
  }, 30_000)
})
