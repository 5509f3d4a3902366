/** OSV advisories: every bundled entry valid, loading folders and zips (bounded), matching, CVSS. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { zipSync, strToU8 } from 'fflate';
import { bundledEntries, loadAdvisories } from '../../server/src/deps/bundled';
import { cvss3BaseScore } from '../../server/src/deps/cvss';
import { matchSpecifiers, matchVersion } from '../../server/src/deps/match';
import { AdvisoryDatabase, LIMITS, compileOsv, readAdvisoryPath, validateOsv } from '../../server/src/deps/osv';
import type { LoadProblem, OsvEntry } from '../../server/src/deps/osv';
import { isValidVersion } from '../../server/src/deps/pep440';
import { REPO_ROOT } from '../support/paths';

const LISTED_PACKAGES = [
  'torch',
  'transformers',
  'keras',
  'tensorflow',
  'numpy',
  'pyyaml',
  'joblib',
  'scikit-learn',
  'pandas',
  'gradio',
  'mlflow',
  'langchain',
  'langchain-core',
  'langchain-experimental',
  'llama-index',
  'ray',
  'vllm',
  'bentoml',
  'jupyter-server',
  'notebook',
  'onnx',
  'accelerate',
  'diffusers',
  'streamlit',
  'fastapi',
  'starlette',
  'pillow',
  'requests',
  'urllib3',
  'aiohttp',
  'jinja2',
];

function entry(id: string, events: object[], extra: Partial<OsvEntry> = {}): OsvEntry {
  return {
    id,
    modified: '2025-01-01T00:00:00Z',
    affected: [{ package: { ecosystem: 'PyPI', name: 'demo-pkg' }, ranges: [{ type: 'ECOSYSTEM', events }] }],
    ...extra,
  } as OsvEntry;
}

describe('bundled advisories', () => {
  const entries = bundledEntries();

  it('are there, one file per advisory named by its id', () => {
    assert.ok(entries.length >= 60, `${entries.length} entries`);
    for (const { file, data } of entries) assert.equal(file, `${(data as OsvEntry).id}.json`);
    const files = fs.readdirSync(path.join(REPO_ROOT, 'advisories', 'osv'));
    assert.equal(files.length, entries.length);
  });

  for (const { file, data } of bundledEntries()) {
    it(`${file} has the OSV required fields, parsable ranges, a summary and a recorded source`, () => {
      assert.equal(validateOsv(data), undefined);
      const osv = data as OsvEntry & { schema_version?: string };
      assert.match(osv.id, /^(PYSEC-\d{4}-\d+|GHSA(-[23456789cfghjmpqrvwx]{4}){3}|CVE-\d{4}-\d{4,})$/);
      assert.ok(osv.summary && osv.summary.length > 20 && osv.summary.length <= 200, 'one-line summary');
      assert.ok(
        osv.references?.some((r) => /^https:\/\//.test(r.url ?? '')),
        'a reference URL',
      );
      assert.match(String(osv.database_specific?.source), /https:\/\//, 'database_specific.source names where the facts come from');
      assert.ok(osv.affected && osv.affected.length > 0);
      for (const affected of osv.affected) {
        assert.equal(affected.package?.ecosystem, 'PyPI');
        for (const range of affected.ranges ?? []) {
          assert.equal(range.type, 'ECOSYSTEM');
          for (const event of range.events ?? []) {
            for (const [kind, version] of Object.entries(event)) {
              assert.ok(['introduced', 'fixed', 'last_affected'].includes(kind), kind);
              assert.ok(version === '0' || isValidVersion(version as string), `${kind} ${String(version)} parses as a PEP 440 version`);
            }
          }
        }
      }
      const compiled = compileOsv(osv, 'bundled');
      assert.ok(compiled, 'affects a PyPI package');
      for (const { ranges } of compiled.packages.values()) assert.ok(ranges.length > 0);
    });
  }

  it('cover every package the issue lists that has a verified advisory', () => {
    const db = new AdvisoryDatabase();
    db.addEntries(entries, 'bundled');
    assert.deepEqual(db.problems, []);
    for (const name of LISTED_PACKAGES) assert.ok(db.forPackage(name).length > 0, name);
    for (const name of ['torch', 'transformers', 'keras', 'gradio', 'mlflow', 'langchain', 'vllm'])
      assert.ok(db.forPackage(name).length >= 2, `${name}: more than one`);
  });
});

describe('advisory matching', () => {
  const db = new AdvisoryDatabase();
  db.addEntries(
    [
      {
        file: 'a',
        data: entry('TEST-1', [{ introduced: '0' }, { fixed: '2.6.0' }], {
          database_specific: { severity: 'CRITICAL', cwe_ids: ['CWE-502'] },
        }),
      },
      { file: 'b', data: entry('TEST-2', [{ introduced: '2.0.0' }, { fixed: '2.0.6' }, { introduced: '0' }, { fixed: '1.26.17' }]) },
      { file: 'c', data: entry('TEST-3', [{ introduced: '3.0.0' }, { last_affected: '3.1.0' }]) },
      { file: 'd', data: entry('TEST-4', [{ introduced: '5.0' }]) },
    ],
    'test',
  );

  const ids = (name: string, version: string) => matchVersion(db, name, version).map((m) => `${m.advisory.id}>${m.fixed ?? '-'}`);

  it('matches pins, pre-releases, local versions and PEP 503 names', () => {
    assert.deepEqual(ids('demo-pkg', '2.5.1'), ['TEST-1>2.6.0']);
    assert.deepEqual(ids('Demo_Pkg', '2.6.0rc1'), ['TEST-1>2.6.0']);
    assert.deepEqual(ids('demo.pkg', '2.5.1+cu121'), ['TEST-1>2.6.0']);
    assert.deepEqual(ids('demo-pkg', '2.6.0'), []);
    assert.deepEqual(ids('demo-pkg', '1.26.5'), ['TEST-1>2.6.0', 'TEST-2>1.26.17']);
    assert.deepEqual(ids('demo-pkg', '2.0.3'), ['TEST-1>2.6.0', 'TEST-2>2.0.6']);
    assert.deepEqual(ids('demo-pkg', '3.1.0'), ['TEST-3>-']);
    assert.deepEqual(ids('demo-pkg', '3.1.1'), []);
    assert.deepEqual(ids('demo-pkg', '7.0'), ['TEST-4>-']);
    assert.deepEqual(ids('other', '1.0'), []);
  });

  it('matches ranges that admit an affected release', () => {
    const range = (spec: string) => matchSpecifiers(db, 'demo-pkg', [spec]).map((m) => m.advisory.id);
    assert.deepEqual(range('>=2.6.0,<3'), []);
    assert.deepEqual(range('>=2.5'), ['TEST-1', 'TEST-3', 'TEST-4']);
    assert.deepEqual(range('~=2.6'), []);
    assert.deepEqual(range('==2.0.*'), ['TEST-1', 'TEST-2']);
    assert.deepEqual(range('>3.1.0,<5.0'), []);
    assert.deepEqual(range(''), ['TEST-1', 'TEST-2', 'TEST-3', 'TEST-4']);
  });

  it('keeps the advisory severity and CWE', () => {
    const [match] = matchVersion(db, 'demo-pkg', '2.6.0rc1');
    assert.equal(match.advisory.severity, 'error');
    assert.deepEqual(match.advisory.cwe, [502]);
  });

  it('lets newer data supersede an entry with the same id or alias for the same package', () => {
    const merged = new AdvisoryDatabase();
    merged.addEntries(
      [{ file: 'old', data: entry('PYSEC-1', [{ introduced: '0' }, { fixed: '1.0' }], { aliases: ['CVE-1'] }) }],
      'bundled',
    );
    merged.addEntries(
      [
        {
          file: 'new',
          data: entry('GHSA-x', [{ introduced: '0' }, { fixed: '1.1' }], { aliases: ['CVE-1'], modified: '2026-01-01T00:00:00Z' }),
        },
      ],
      'zip',
    );
    assert.deepEqual(
      merged.forPackage('demo-pkg').map((a) => a.id),
      ['GHSA-x'],
    );
    assert.equal(merged.size, 1);
  });

  it('rejects entries without the OSV required fields, naming the file', () => {
    const bad = new AdvisoryDatabase();
    bad.addEntries(
      [
        { file: 'x.json', data: { id: 'X' } },
        { file: 'y.json', data: [] },
        { file: 'z.json', data: entry('Z', []) },
      ],
      'test',
    );
    assert.deepEqual(
      bad.problems.map((p) => p.file),
      ['x.json', 'y.json', 'z.json'],
    );
    assert.equal(bad.size, 0);
  });
});

describe('loading OSV data', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlsec-osv-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads the zip osv.dev publishes per ecosystem', () => {
    const zip = zipSync({
      'PYSEC-2099-1.json': strToU8(JSON.stringify(entry('PYSEC-2099-1', [{ introduced: '0' }, { fixed: '9.0' }]))),
      'GHSA-aaaa-bbbb-cccc.json': strToU8(
        JSON.stringify({
          ...entry('GHSA-aaaa-bbbb-cccc', [{ introduced: '1.0' }]),
          affected: [{ package: { ecosystem: 'npm', name: 'x' } }],
        }),
      ),
      'broken.json': strToU8('{"id": '),
      'README.txt': strToU8('not json'),
    });
    const file = path.join(dir, 'all.zip');
    fs.writeFileSync(file, zip);
    const problems: LoadProblem[] = [];
    const entries = readAdvisoryPath(file, problems);
    assert.equal(entries.length, 2);
    assert.equal(problems.length, 1);
    assert.match(problems[0].file, /broken\.json$/);
    const db = new AdvisoryDatabase();
    db.addEntries(entries, file);
    assert.equal(db.size, 1, 'the npm entry is not a PyPI advisory');
    assert.deepEqual(
      matchVersion(db, 'demo-pkg', '8.0').map((m) => m.advisory.id),
      ['PYSEC-2099-1'],
    );
    assert.equal(db.sources[0].newest, '2025-01-01T00:00:00Z');
  });

  it('skips zip members over the size bound and reports a file that is not a zip', () => {
    const big = 'x'.repeat(LIMITS.entryBytes + 1);
    const file = path.join(dir, 'big.zip');
    fs.writeFileSync(file, zipSync({ 'big.json': strToU8(big) }));
    const problems: LoadProblem[] = [];
    assert.equal(readAdvisoryPath(file, problems).length, 0);
    assert.match(problems[0].message, /larger than/);
    const fake = path.join(dir, 'fake.zip');
    fs.writeFileSync(fake, 'not a zip');
    const more: LoadProblem[] = [];
    assert.equal(readAdvisoryPath(fake, more).length, 0);
    assert.match(more[0].message, /not a readable zip/);
  });

  it('reads a replaced database again, and keeps a cached one otherwise', () => {
    const file = path.join(dir, 'all.zip');
    const one = (id: string) => ({ [`${id}.json`]: strToU8(JSON.stringify(entry(id, [{ introduced: '0' }, { fixed: '1.0' }]))) });
    fs.writeFileSync(file, zipSync(one('ZIP-1')));
    const first = loadAdvisories([file]);
    assert.equal(loadAdvisories([file]), first, 'cached while the file is unchanged');
    assert.deepEqual(
      first.forPackage('demo-pkg').map((a) => a.id),
      ['ZIP-1'],
    );
    fs.writeFileSync(file, zipSync({ ...one('ZIP-1'), ...one('ZIP-2') }));
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
    assert.deepEqual(
      loadAdvisories([file])
        .forPackage('demo-pkg')
        .map((a) => a.id)
        .sort(),
      ['ZIP-1', 'ZIP-2'],
    );
  });

  it('reads a folder of OSV files recursively', () => {
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'sub', 'A.json'), JSON.stringify(entry('A', [{ introduced: '0' }, { fixed: '1.0' }])));
    fs.writeFileSync(path.join(dir, 'notes.md'), '# not an advisory');
    const problems: LoadProblem[] = [];
    assert.equal(readAdvisoryPath(dir, problems).length, 1);
    assert.deepEqual(problems, []);
    const missing: LoadProblem[] = [];
    assert.equal(readAdvisoryPath(path.join(dir, 'nope'), missing).length, 0);
    assert.match(missing[0].message, /ENOENT/);
  });
});

describe('CVSS v3 base score', () => {
  it('computes the specification examples', () => {
    assert.equal(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'), 9.8);
    assert.equal(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H'), 9.6);
    assert.equal(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N'), 5.3);
    assert.equal(cvss3BaseScore('CVSS:3.0/AV:L/AC:L/PR:L/UI:R/S:U/C:H/I:H/A:H'), 7.3);
    assert.equal(cvss3BaseScore('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'), undefined);
  });
});
