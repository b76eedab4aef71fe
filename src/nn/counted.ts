/**
 * A count with its noun, singular or plural as the count asks: `counted(1, 'column')` is "1 column",
 * `counted(3, 'column')` "3 columns", `counted(2, 'entry', 'entries')` "2 entries". Messages say what was
 * sent, and "row 1 has 1 columns" read as a slip of the service's. In nn/ because nn/ imports nothing
 * outside it, and its own messages count too.
 */
export const counted = (n: number, noun: string, plural = `${noun}s`): string => `${n} ${n === 1 ? noun : plural}`
