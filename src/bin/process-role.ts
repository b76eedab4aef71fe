/** Which of the image's two processes a command line runs: the API (dist/bin/api.js, the default) or a worker. */
export type Role = 'api' | 'worker'

/** The role of the process whose NUL-separated command line is `cmdline` (/proc/PID/cmdline). */
export const roleOf = (cmdline: string): Role => (cmdline.split('\0').some((arg) => /(^|\/)worker\.(js|ts)$/.test(arg)) ? 'worker' : 'api')
