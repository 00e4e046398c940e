/** Calls over which the average time is judged, and slow windows in a row that make the storage slow. */
const WINDOW = 256
const SLOW_WINDOWS = 3

/**
 * Whether local storage answers fast enough for synchronous calls on the calling thread: while the disk
 * answers from its cache, a call costs a few microseconds, far less than a round trip through libuv's
 * thread pool; on a network share or a cold disk, overlapping calls in the pool is what counts. Judged
 * over windows of calls, several in a row: a pause (a collection, another process on the core) makes one
 * window slow now and then, and storage taken for slow stays so for the rest of the run. A negative
 * `slowMs` starts slow (for tests of the thread-pool path).
 */
export const makeSpeedJudge = (slowMs: number) => {
  let slow = slowMs < 0
  let calls = 0
  let spent = 0
  let slowWindows = 0
  return {
    slow: (): boolean => slow,
    /** Runs `work` synchronously and counts it as `count(result)` calls of the window. */
    timed: <A>(work: () => A, count: (result: A) => number): A => {
      const started = performance.now()
      const result = work()
      calls += count(result)
      spent += performance.now() - started
      if (calls >= WINDOW) {
        slowWindows = spent / calls > slowMs ? slowWindows + 1 : 0
        slow = slowWindows >= SLOW_WINDOWS
        calls = spent = 0
      }
      return result
    }
  }
}
