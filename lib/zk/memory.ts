/**
 * Keeps a long walk's memory near what it holds live. Bun's collector lets garbage pile up to
 * several times the live set (a 257k-node diff reached 340 MB of RSS holding ≈ 50 MB live): each
 * node read leaves a few dozen short-lived objects (request, promise, stat with bigints, …), and
 * socket chunks and reply copies live outside the JS heap, where the collector hardly feels them.
 */

/** Heap use below which only young objects are collected. */
const fullCollectionBytes = 96 * 1024 * 1024;
let liveAfterFull = 0;
let lastRun = Number.NEGATIVE_INFINITY;

/**
 * Called as walks and writers report progress, acting at most every 200 ms: a young-generation
 * pass, or a full collection once the heap has grown past 96 MB and twice what was live after
 * the last one.
 * @example collectGarbage();
 */
export function collectGarbage(): void {
  const now = performance.now();
  if (now - lastRun < 200) return;
  lastRun = now;
  const used = process.memoryUsage().heapUsed;
  if (used < Math.max(fullCollectionBytes, liveAfterFull * 2)) {
    Bun.gc(false);
    return;
  }
  Bun.gc(true);
  liveAfterFull = process.memoryUsage().heapUsed;
}
