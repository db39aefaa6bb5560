/**
 * Keeps a long walk's memory near what it holds live. Bun's collector lets garbage pile up to
 * several times the live set (a 257k-node diff reached 500 MB of RSS holding < 50 MB live): each
 * node read leaves a few dozen short-lived objects (request, promise, stat with bigints, …) that
 * outlive a young-generation pass while their request is in flight, so they are promoted and
 * wait for a full collection the collector itself puts off.
 */

/** Heap use below which nothing is forced: a walk of a small tree never pays for a collection. */
const floorBytes = 24 * 1024 * 1024;
let liveAfterFull = 0;
let lastCheck = Number.NEGATIVE_INFINITY;

/**
 * Called as walks and writers report progress, looking at most every 200 ms: a full collection
 * once the heap has grown past 24 MB and twice what was live after the previous one. No young
 * passes in between: forced every 200 ms they cost more CPU than they saved memory.
 * @example collectGarbage();
 */
export function collectGarbage(): void {
  const now = performance.now();
  if (now - lastCheck < 200) return;
  lastCheck = now;
  if (process.memoryUsage().heapUsed < Math.max(floorBytes, liveAfterFull * 2)) return;
  Bun.gc(true);
  liveAfterFull = process.memoryUsage().heapUsed;
}
