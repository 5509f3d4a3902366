// Preloaded (`node -r`) into each benchmarked process: when it exits, writes its peak resident set
// size (all threads, workers included) to the file named by MLSEC_BENCH_RSS_FILE. Keeps the
// benchmark free of platform tools such as /usr/bin/time.
'use strict';
const fs = require('node:fs');
const target = process.env.MLSEC_BENCH_RSS_FILE;
if (target) {
  process.on('exit', () => {
    // maxRSS is in kilobytes.
    fs.writeFileSync(target, String(process.resourceUsage().maxRSS * 1024));
  });
}
