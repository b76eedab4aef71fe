/**
 * The shortest decimal that reads back as the same float32: the cells are stored as float32, so their
 * min and max print as 4.3, not 4.300000190734863, and a mean or std carries no more digits than a cell;
 * a stored code (94105) reads as the category it names ("94105").
 */
export function float32Text (x: number): number {
  if (!Number.isFinite(x)) return x
  const f = Math.fround(x)
  for (let p = 1; p < 9; p++) {
    const v = Number(f.toPrecision(p))
    if (Math.fround(v) === f) return v
  }
  return Number(f.toPrecision(9))
}
