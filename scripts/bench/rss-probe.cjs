// @ts-check
// Preloaded (`node -r`) into each benchmarked process: when it exits, writes its peak resident set
// size and the CPU time it used (all threads, workers and V8's own included) as JSON to the file
// named by MLSEC_BENCH_RSS_FILE. Keeps the benchmark free of platform tools such as /usr/bin/time.
'use strict';
const fs = require('node:fs');
const target = process.env.MLSEC_BENCH_RSS_FILE;
if (target) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    // maxRSS is in kilobytes, CPU times in microseconds.
    fs.writeFileSync(target, JSON.stringify({ rssBytes: usage.maxRSS * 1024, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000 }));
  });
}
