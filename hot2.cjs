const fs=require('fs');
const { Analyzer } = require('./out/server/src/engine/analyzer');
const { ALL_RULES } = require('./out/server/src/rules');
(async () => {
  const a = await Analyzer.create(ALL_RULES);
  const files = fs.readFileSync('/tmp/bw/base.txt','utf8').trim().split('\n');
  const P = a.parser; const origR = P.parseRanges.bind(P); let ranges;
  P.parseRanges = (t, r) => { ranges = r; return origR(t, r); };
  const agg = new Map(); const per = [];
  for (const f of files) {
    let text; try { text = fs.readFileSync(f, 'utf8'); } catch { continue; }
    ranges = undefined; const res = a.analyzePython(text);
    if (!ranges) continue;
    const kept = ranges.reduce((s, r) => s + r.endIndex - r.startIndex, 0);
    per.push([kept, f.replace(/.*python3.11\//, '')]);
    const full = a.index(a.defaultSelection.enabled);
    let hot; for (const s of full.subsets.values()) if (s.hot) hot = s.hot;
  }
  per.sort((x, y) => y[0] - x[0]);
  console.log(per.slice(0, 30).map(([k, f]) => k + ' ' + f).join('\n'));
  console.log('total kept', per.reduce((s, p) => s + p[0], 0));
})();
