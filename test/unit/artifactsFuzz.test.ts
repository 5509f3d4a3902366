/**
 * Fuzzing the model-file readers: random and mutated byte strings (from the fixtures) must give
 * findings or a clean "not inspected" finding, never an exception, and the work stays bounded
 * (opcode and byte counters, not timings). Seeded, so a failure reproduces.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { zipSync } from 'fflate';
import { GlobalPolicy, readArtifact } from '../../server/src/artifacts/formats';
import { readPickle } from '../../server/src/artifacts/pickle';
import { MemorySource } from '../../server/src/artifacts/source';
import { REPO_ROOT } from '../support/paths';

const FIXTURES = path.join(REPO_ROOT, 'test', 'artifacts', 'fixtures');

/** xorshift32: a small seeded generator. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

function mutate(data: Uint8Array, rnd: () => number): Uint8Array {
  const int = (n: number) => Math.floor(rnd() * n);
  const out = Buffer.from(data);
  switch (int(6)) {
    case 0: // flip bytes
      for (let i = 0, n = 1 + int(8); i < n && out.length > 0; i++) out[int(out.length)] ^= 1 << int(8);
      return out;
    case 1: // truncate
      return out.subarray(0, int(out.length + 1));
    case 2: {
      // insert random bytes
      const at = int(out.length + 1);
      const extra = Buffer.from(Array.from({ length: 1 + int(16) }, () => int(256)));
      return Buffer.concat([out.subarray(0, at), extra, out.subarray(at)]);
    }
    case 3: {
      // duplicate a slice (repeated opcodes, nested structures)
      const a = int(out.length + 1);
      const b = Math.min(out.length, a + int(64));
      return Buffer.concat([out.subarray(0, b), out.subarray(a, b), out.subarray(a, b), out.subarray(b)]);
    }
    case 4: // large length fields
      for (let i = 0, n = 1 + int(4); i < n && out.length > 4; i++)
        out.writeUInt32LE(int(2) ? 0xffffffff : int(1 << 30), int(out.length - 3));
      return out;
    default: {
      // delete a slice
      const a = int(out.length + 1);
      return Buffer.concat([out.subarray(0, a), out.subarray(Math.min(out.length, a + 1 + int(32)))]);
    }
  }
}

const MAGICS = [
  [0x80, 0x04],
  [0x80, 0x02],
  [0x50, 0x4b, 0x03, 0x04],
  [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 0x01, 0x00],
  [0x47, 0x47, 0x55, 0x46, 0x03, 0x00, 0x00, 0x00],
  [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a],
  [0x1f, 0x8b],
  [0x78, 0x9c],
  [0x63],
];

describe('model files: fuzzing the readers', () => {
  const policy = new GlobalPolicy();
  const fixtures = fs
    .readdirSync(FIXTURES)
    .filter((f) => f !== 'expected.json')
    .map((f) => ({ name: f, data: fs.readFileSync(path.join(FIXTURES, f)) }));

  const check = (data: Uint8Array, extension: string, label: string) => {
    const source = new MemorySource(data);
    let outcome: ReturnType<typeof readArtifact>;
    try {
      outcome = readArtifact(source, { policy, extension, maxInMemory: 1 << 24 });
    } catch (error) {
      assert.fail(`${label}: reader threw ${(error as Error).stack}`);
    }
    assert.ok(Array.isArray(outcome.findings), label);
    for (const f of outcome.findings) assert.match(f.code, /^MLS60\d$/, label);
    return source.bytesRead;
  };

  it('survives thousands of mutations of every fixture', function () {
    this.timeout(120_000);
    const rnd = random(17);
    let runs = 0;
    for (const { name, data } of fixtures) {
      const extension = path.extname(name);
      for (let i = 0; i < 150; i++) {
        const mutated = mutate(data, rnd);
        check(mutated, extension, `${name} mutation ${i}`);
        runs++;
      }
    }
    assert.ok(runs >= 8000, `${runs} runs`);
  });

  it('survives random bytes behind every format magic', function () {
    this.timeout(120_000);
    const rnd = random(4242);
    let runs = 0;
    for (const magic of MAGICS) {
      for (let i = 0; i < 150; i++) {
        const body = Array.from({ length: Math.floor(rnd() * 600) }, () => Math.floor(rnd() * 256));
        check(Uint8Array.from([...magic, ...body]), ['.pt', '.onnx', '.pkl'][i % 3], `magic ${magic} random ${i}`);
        runs++;
      }
    }
    assert.ok(runs >= 1000);
  });

  it('bounds the pickle reader by its opcode counter on hostile streams', () => {
    const rnd = random(99);
    for (let i = 0; i < 300; i++) {
      const body = Buffer.from(
        Array.from({ length: 2000 }, () => [0x28, 0x4e, 0x30, 0x32, 0x94, 0x68, 0x00, 0x31, 0x85, 0x29][Math.floor(rnd() * 10)]),
      );
      const result = readPickle(new MemorySource(Buffer.concat([Buffer.from([0x80, 0x04]), body])), 0, {
        limits: { maxOpcodes: 500, maxStack: 100, maxMemo: 50 },
      });
      assert.ok(result.opcodes <= 500, `${result.opcodes} opcodes`);
      assert.ok(result.complete || result.issues.length > 0, 'an incomplete stream always says why');
    }
  });

  it('never reads far beyond the structure of a checkpoint with a large tensor payload', () => {
    // A stored zip whose tensor record is 8 MiB: only the directory and data.pkl are fetched.
    const pickle = Buffer.from('\x80\x02}q\x00.', 'latin1');
    const zip = zipSync({
      'model/data.pkl': [pickle, { level: 0 }],
      'model/data/0': [new Uint8Array(8 * 1024 * 1024), { level: 0 }],
      'model/version': [Buffer.from('3\n'), { level: 0 }],
    });
    const source = new MemorySource(zip);
    const outcome = readArtifact(source, { policy, extension: '.pt', maxInMemory: 1 << 24 });
    assert.equal(outcome.format, 'pytorch-zip');
    assert.deepEqual(outcome.findings, []);
    assert.ok(source.bytesRead < 2 * 1024 * 1024, `${source.bytesRead} bytes read`);
  });
});
