/**
 * The one seeded PRNG (sfc32: 128-bit state, fast, passes PractRand) through which every random
 * choice flows, so a seed fixes a run. Its state can be saved and restored for resumable training.
 */

export type RngState = [number, number, number, number]

export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number
  private spare: number | undefined

  constructor (seed: number) {
    // splitmix32 expands one 32-bit seed into four well-mixed state words
    let s = seed >>> 0
    const mix = (): number => {
      s = (s + 0x9e3779b9) >>> 0
      let z = s
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
      return (z ^ (z >>> 16)) >>> 0
    }
    this.a = mix(); this.b = mix(); this.c = mix(); this.d = mix()
    for (let i = 0; i < 12; i++) this.u32()
  }

  /** Uniform 32-bit unsigned integer. */
  u32 (): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0
    this.d = (this.d + 1) >>> 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) >>> 0
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0
    this.c = (this.c + t) >>> 0
    return t
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next (): number { return this.u32() / 4294967296 }

  uniform (lo: number, hi: number): number { return lo + (hi - lo) * this.next() }

  /** Uniform integer in [0, n). */
  int (n: number): number { return Math.floor(this.next() * n) }

  /** Standard normal (Box–Muller; the second value is kept for the next call). */
  normal (): number {
    if (this.spare !== undefined) { const v = this.spare; this.spare = undefined; return v }
    let u = 0
    while (u === 0) u = this.next()
    const v = this.next()
    const r = Math.sqrt(-2 * Math.log(u))
    this.spare = r * Math.sin(2 * Math.PI * v)
    return r * Math.cos(2 * Math.PI * v)
  }

  /** Fisher–Yates, in place. */
  shuffle<T extends { length: number, [i: number]: number }> (arr: T): T {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      const t = arr[i]; arr[i] = arr[j]; arr[j] = t
    }
    return arr
  }

  getState (): RngState { return [this.a, this.b, this.c, this.d] }

  /** Restores a saved state; the cached normal is dropped, so save states between whole draws. */
  setState (s: RngState): void {
    [this.a, this.b, this.c, this.d] = s.map((x) => x >>> 0) as RngState
    this.spare = undefined
  }

  static fromState (s: RngState): Rng {
    const r = new Rng(0)
    r.setState(s)
    return r
  }
}
