/** The model-file scanner on fixtures made by real Python (test/artifacts/make_fixtures.py). */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { zipSync } from 'fflate';
import { readArtifact } from '../../server/src/artifacts/formats';
import { GlobalPolicy } from '../../server/src/artifacts/globals';
import { DEFAULT_ZIP_LIMITS, readZipDirectory } from '../../server/src/artifacts/zip';
import { readPickle, readPickles } from '../../server/src/artifacts/pickle';
import { isModelFile, inspectArtifactFile, toFindings } from '../../server/src/artifacts/inspect';
import { MemorySource } from '../../server/src/artifacts/source';
import { REPO_ROOT } from '../support/paths';

const FIXTURES = path.join(REPO_ROOT, 'test', 'artifacts', 'fixtures');
const EXPECTED = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8')) as Record<string, Array<[string, string]>>;

function pickle(text: string): MemorySource {
  return new MemorySource(Buffer.from(text, 'latin1'));
}

describe('model files: fixtures', () => {
  it('has an expectation for every fixture and a fixture for every expectation', () => {
    const files = fs.readdirSync(FIXTURES).filter((f) => f !== 'expected.json');
    assert.deepEqual(files.sort(), Object.keys(EXPECTED).sort());
    assert.ok(files.length >= 50);
  });

  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(`${name}: ${expected.length === 0 ? 'no finding' : expected.map((e) => e[0]).join(', ')}`, () => {
      const report = inspectArtifactFile(path.join(FIXTURES, name));
      assert.ok(report.format, `${name} was not recognised`);
      for (const [code, text] of expected) {
        assert.ok(
          report.findings.some((f) => f.code === code && `${f.subject ?? ''} ${f.message}`.includes(text)),
          `${name}: expected ${code} about "${text}", got ${JSON.stringify(report.findings)}`,
        );
      }
      const unexpected = report.findings.filter((f) => !expected.some(([code]) => code === f.code));
      assert.deepEqual(unexpected, [], `${name}: unexpected findings`);
    });
  }

  it('counts the published bypass shapes and finds each of them', () => {
    const bypasses = Object.keys(EXPECTED).filter((n) => n.startsWith('bypass_'));
    assert.ok(bypasses.length >= 10, `${bypasses.length} bypass fixtures`);
    for (const name of bypasses) {
      const findings = inspectArtifactFile(path.join(FIXTURES, name)).findings;
      assert.ok(
        findings.some((f) => f.severity === 'error' || f.severity === 'warning'),
        name,
      );
    }
  });

  it('gives every finding a byte offset or a member, and the engine shape keeps them', () => {
    for (const name of Object.keys(EXPECTED)) {
      const report = inspectArtifactFile(path.join(FIXTURES, name));
      for (const finding of toFindings(report)) {
        assert.match(finding.code, /^MLS6\d\d$/);
        assert.ok(finding.threats.includes('model-tampering'));
        assert.ok(finding.fingerprint.length === 16);
      }
      for (const f of report.findings.filter((x) => x.code === 'MLS601')) {
        assert.ok(f.fileOffset !== undefined || f.member !== undefined, `${name}: ${f.message}`);
      }
    }
  });

  it('reports the pickle offset of os.system in a zip with an unusual folder name, and the member', () => {
    const [finding] = inspectArtifactFile(path.join(FIXTURES, 'unusual_folder.pt')).findings;
    assert.equal(finding.member, 'zz_weird-folder.v2/data.pkl');
    assert.equal(finding.subject, 'posix.system');
    // A stored member: the file offset points at the GLOBAL opcode itself.
    const bytes = fs.readFileSync(path.join(FIXTURES, 'unusual_folder.pt'));
    assert.equal(String.fromCharCode(bytes[finding.fileOffset as number]), 'c');
  });

  it('reads a file through its window: a global after a 5 MiB bytes payload, the payload skipped', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlsec-window-'));
    try {
      const payload = Buffer.alloc(5 * 1024 * 1024, 0x61);
      const length = Buffer.alloc(8);
      length.writeUInt32LE(payload.length, 0);
      // PROTO 4, a dict of many small strings, BINBYTES8 payload, then os.system called.
      const small = Buffer.from(
        '\x80\x04}(' + Array.from({ length: 3000 }, (_, i) => `\x8c\x05k${String(i).padStart(4, '0')}K\x01`).join('') + 'u0',
        'latin1',
      );
      const tail = Buffer.from('\x8e', 'latin1');
      const call = Buffer.from('0\x8c\x02os\x8c\x06system\x93\x8c\x02id\x85R.', 'latin1');
      const file = path.join(dir, 'big.pkl');
      fs.writeFileSync(file, Buffer.concat([small, tail, length, payload, call]));
      const report = inspectArtifactFile(file);
      assert.deepEqual(
        report.findings.map((f) => `${f.code} ${f.subject}`),
        ['MLS601 os.system'],
      );
      assert.equal(report.findings[0].fileOffset, small.length + 9 + payload.length + 1 + 4 + 8);
      assert.ok(report.bytesRead < 1024 * 1024, `${report.bytesRead} bytes read`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('does not read the tensor records of a checkpoint', () => {
    const file = path.join(FIXTURES, 'state_dict.pt');
    const report = inspectArtifactFile(file);
    assert.equal(report.format, 'pytorch-zip');
    assert.deepEqual(report.findings, []);
  });
});

describe('model files: zip limits', () => {
  const pickleBytes = Buffer.from('\x80\x02cos\nsystem\n)R.', 'latin1');
  const scanBytes = (bytes: Uint8Array) =>
    readArtifact(new MemorySource(bytes), { policy: new GlobalPolicy(), extension: '.pt', maxInMemory: 1 << 24 });

  it('refuses a member that expands more than the ratio limit (zip bomb) and says so', () => {
    const bomb = zipSync({ 'ckpt/data.pkl': [Buffer.concat([pickleBytes, Buffer.alloc(30 * 1024 * 1024)]), { level: 9 }] });
    const outcome = scanBytes(bomb);
    assert.deepEqual(
      outcome.findings.map((f) => f.code),
      ['MLS607'],
    );
    assert.match(outcome.findings[0].message, /expands \d+ times \(zip bomb limit 1000\)/);
  });

  it('reports an encrypted member instead of skipping it', () => {
    const zip = Buffer.from(zipSync({ 'ckpt/data.pkl': [pickleBytes, { level: 0 }] }));
    const central = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    zip[central + 8] |= 1; // general purpose flag: encrypted
    const outcome = scanBytes(zip);
    assert.deepEqual(
      outcome.findings.map((f) => f.code),
      ['MLS607'],
    );
    assert.match(outcome.findings[0].message, /ckpt\/data\.pkl is encrypted/);
  });

  it('stops at the member-count limit', () => {
    const zip = zipSync({ a: new Uint8Array(1), b: new Uint8Array(1), c: new Uint8Array(1) });
    assert.throws(
      () => readZipDirectory(new MemorySource(zip), { ...DEFAULT_ZIP_LIMITS, maxMembers: 2 }),
      /3 members, over the limit of 2/,
    );
    assert.equal(readZipDirectory(new MemorySource(zip)).members.length, 3);
  });

  it('does not take a zip behind a prefix for a checkpoint (torch.load checks the magic) but says the .pt is unrecognised', () => {
    const zip = zipSync({ 'x/data.pkl': [pickleBytes, { level: 0 }] });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlsec-prefix-'));
    try {
      const file = path.join(dir, 'm.pt');
      fs.writeFileSync(file, Buffer.concat([Buffer.from('#!/bin/sh\nexit 0\n'), zip]));
      const report = inspectArtifactFile(file);
      assert.equal(report.format, undefined);
      assert.deepEqual(
        report.findings.map((f) => f.code),
        ['MLS607'],
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('model files: pickle reader', () => {
  it('resolves STACK_GLOBAL through BINPUT and MEMOIZE as CPython does', () => {
    // memo[0]='os', memo[1]='system' by BINPUT; MEMOIZE then stores at index len(memo) = 2, 3.
    const p =
      '\x80\x04' +
      'U\x02os' +
      'q\x00' +
      'U\x06system' +
      'q\x01' +
      '\x8c\x0ctorch._utils\x94' +
      '\x8c\x12_rebuild_tensor_v2\x94' +
      '0000' +
      'h\x00h\x01\x93' +
      ')R.';
    const r = readPickle(pickle(p), 0);
    assert.deepEqual(r.issues, []);
    assert.deepEqual(
      r.globals.map((g) => [g.module, g.name, g.called]),
      [['os', 'system', true]],
    );
    assert.equal(new GlobalPolicy().classify('os', 'system').verdict, 'deny');
  });

  it('reads protocol 0 text pickles, INST and several pickles in a row', () => {
    const results = readPickles(pickle("(dp0\nS'a'\np1\nI1\ns.(S'id'\nios\nsystem\np2\n."), 0);
    assert.equal(results.length, 2);
    assert.ok(results.every((r) => r.complete));
    assert.deepEqual(
      results[1].globals.map((g) => `${g.module}.${g.name}:${g.opcode}`),
      ['os.system:INST'],
    );
  });

  it('reports malformed and truncated input without losing what came before', () => {
    const broken = readPickle(pickle('\x80\x02cos\nsystem\n)R\xff.'), 0);
    assert.equal(broken.globals.length, 1);
    assert.equal(broken.issues[0].kind, 'malformed');
    assert.equal(broken.issues[0].offset, 15);
    const truncated = readPickle(pickle('\x80\x02X\x10\x00\x00\x00abc'), 0);
    assert.equal(truncated.issues[0].kind, 'truncated');
    const underflow = readPickle(pickle('\x80\x02R.'), 0);
    assert.equal(underflow.issues[0].kind, 'malformed');
  });

  it('stops at its limits and says so', () => {
    const many = readPickle(pickle('\x80\x02' + '('.repeat(100) + '.'), 0, { limits: { maxStack: 50 } });
    assert.equal(many.issues[0].kind, 'limit');
    const long = readPickle(pickle('\x80\x02' + 'N0'.repeat(1000) + 'N.'), 0, { limits: { maxOpcodes: 100 } });
    assert.equal(long.issues[0].kind, 'limit');
    assert.equal(long.opcodes, 100);
  });

  it('classifies by allow and deny lists, with submodules, dotted names and user patterns', () => {
    const policy = new GlobalPolicy(['mypkg.layers.*']);
    assert.equal(policy.classify('collections', 'OrderedDict').verdict, 'allow');
    assert.equal(policy.classify('torch._utils', '_rebuild_tensor_v2').verdict, 'allow');
    assert.equal(policy.classify('sklearn.tree._classes', 'DecisionTreeClassifier').verdict, 'allow');
    assert.equal(policy.classify('asyncio.unix_events', '_UnixSubprocessTransport').verdict, 'deny');
    assert.equal(policy.classify('torch', 'hub.load').verdict, 'deny');
    assert.equal(policy.classify('builtins', 'getattr').verdict, 'deny');
    assert.equal(policy.classify('builtins', 'set').verdict, 'allow');
    assert.equal(policy.classify('sklearn.utils._testing', 'Foo').verdict, 'deny');
    assert.equal(policy.classify('mypkg.layers', 'Scaler').verdict, 'allow');
    assert.equal(policy.classify('mypkg.other', 'Scaler').verdict, 'unknown');
    assert.equal(policy.classify('tarfile', 'open').verdict, 'unknown');
    assert.equal(policy.classify('transformers.training_args', 'TrainingArguments').verdict, 'allow');
    assert.equal(policy.classify('omegaconf.dictconfig', 'DictConfig').verdict, 'allow');
    assert.equal(policy.classify('transformers.dynamic_module_utils', 'get_class_from_dynamic_module').verdict, 'deny');
    assert.equal(policy.classify('collections', 'OrderedDict.__init__.__globals__').verdict, 'deny');
  });

  it('opens model files by extension', () => {
    assert.ok(isModelFile('models/pytorch_model.BIN'));
    assert.ok(isModelFile('m.gguf'));
    assert.ok(!isModelFile('train.py'));
  });
});
