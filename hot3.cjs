const fs=require('fs');
const { Analyzer } = require('./out/server/src/engine/analyzer');
const { ALL_RULES } = require('./out/server/src/rules');
(async () => {
  const a = await Analyzer.create(ALL_RULES);
  const std = fs.readFileSync('/tmp/prof/std.txt','utf8').trim();
  const P = a.parser; const origR = P.parseRanges.bind(P); let ranges;
  P.parseRanges = (t, r) => { ranges = r; return origR(t, r); };
  for (const f of process.argv.slice(2)) {
    const text = fs.readFileSync(std + '/' + f, 'utf8');
    ranges = undefined; a.analyzePython(text);
    const full = a.index(a.defaultSelection.enabled);
    let hot, key; for (const [k, s] of full.subsets) if (s.hot) { hot = s.hot; key = k; }
    const inR = (x) => ranges.some(r => x >= r.startIndex && x < r.endIndex);
    const idc = (c) => /[A-Za-z0-9_]/.test(c || '');
    const counts = new Map();
    hot.words.forEach(text, (i, at) => {
      const k = hot.kinds[i]; if (!k || !inR(at)) return; const w = hot.words.strings[i];
      if (!(k & 1) && (idc(text[at - 1]) || idc(text[at + w.length]))) return;
      let b = at - 1; while (b >= 0 && /\s/.test(text[b])) b--; const attr = text[b] === '.';
      if (!(k & (1 | 32)) && (attr ? !(k & 4) : !(k & 2))) return;
      const name = w + '/' + k + (attr ? '.' : ''); counts.set(name, (counts.get(name) || 0) + 1);
    });
    console.log(f, key, '\n  ', [...counts].sort((x, y) => y[1] - x[1]).slice(0, 16).map(([w, c]) => w + ':' + c).join(' '));
  }
})();
