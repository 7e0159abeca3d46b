// Loaded into a ts2rtc child process by the soak and fault tests (`node --expose-gc --import <this>`): on
// SIGUSR2 it collects garbage until the heap stops shrinking and prints one line with the process's memory
// and the resources keeping its event loop alive (sockets, timers, processes), so a test can compare them
// before and after a load without any test code inside the server itself.
const settle = () => new Promise((resolve) => setImmediate(resolve));

process.on('SIGUSR2', async () => {
  let heap = Infinity;
  for (let round = 0; round < 10; round++) {
    globalThis.gc?.();
    await settle();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const used = process.memoryUsage().heapUsed;
    if (used >= heap * 0.995) break;
    heap = used;
  }
  const resources = {};
  for (const name of process.getActiveResourcesInfo()) resources[name] = (resources[name] ?? 0) + 1;
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  process.stderr.write(`TS2RTC_PROBE ${JSON.stringify({ rss, heapUsed, external, arrayBuffers, resources })}\n`);
});
