/** `--format github|gitlab|junit`, and notebook regions in the `.ipynb` text for SARIF, GitHub and GitLab. */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { escapeData, escapeProperty } from '../../server/src/cli/formats/github';
import { escapeXml } from '../../server/src/cli/formats/junit';
import { REPO_ROOT } from '../support/paths';

const BIN = path.join(REPO_ROOT, 'bin', 'mlsec.js');

function mlsec(args: string[], cwd: string) {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Reads a workflow command line the way GitHub's runner does: `::name key=value,…::data`, with
 * properties split on `,` and `=` and then percent-decoded.
 */
function parseWorkflowCommand(line: string): { command: string; properties: Record<string, string>; data: string } {
  const match = /^::(\w+)(?: ([^:]*))?::(.*)$/.exec(line);
  assert.ok(match, `not a workflow command: ${line}`);
  const unescape = (s: string) =>
    s.replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
  const properties: Record<string, string> = {};
  for (const pair of (match[2] ?? '').split(',').filter(Boolean)) {
    const eq = pair.indexOf('=');
    properties[pair.slice(0, eq)] = unescape(pair.slice(eq + 1));
  }
  return { command: match[1], properties, data: unescape(match[3]) };
}

const CODE =
  'import torch, yaml\nm = torch.load("m.pt", weights_only=False)\nc = yaml.load(a)\nd = yaml.load(b)  # mlsec: ignore[MLS106] trusted config\n';

/** A notebook whose flagged line has escapes before the flagged text, in list and string form. */
const NOTEBOOK = `{
 "cells": [
  {"cell_type": "markdown", "metadata": {}, "source": ["# Notes\\n"]},
  {
   "cell_type": "code",
   "execution_count": 1,
   "metadata": {},
   "outputs": [{"name": "stdout", "output_type": "stream", "text": ["weights_only=False\\n"]}],
   "source": [
    "import torch\\n",
    "label = \\"caf\\u00e9\\\\t\\"; m = torch.load('m.pt', weights_only=False)\\n"
   ]
  },
  {"cell_type": "code", "execution_count": 2, "metadata": {}, "outputs": [], "source": "x = 1\\nn = torch.load('n.pt', weights_only=False)"}
 ],
 "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
 "nbformat": 4,
 "nbformat_minor": 5
}
`;

describe('mlsec scan output formats', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlsec-formats-'));
    fs.mkdirSync(path.join(dir, '.git'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);

  it('escapes workflow command data and properties as GitHub specifies', () => {
    assert.equal(escapeData('100% done\r\nnext: a,b'), '100%25 done%0D%0Anext: a,b');
    assert.equal(escapeProperty('dir,x/a:b%.py'), 'dir%2Cx/a%3Ab%25.py');
  });

  it('github: one annotation per open finding, with file, lines, columns and title', () => {
    write('a,b:c%.py', CODE);
    const run = mlsec(['scan', '.', '--format', 'github'], dir);
    assert.equal(run.code, 1);
    const commands = run.stdout.trimEnd().split('\n').map(parseWorkflowCommand);
    assert.deepEqual(
      commands.map((c) => [c.command, c.properties]),
      [
        ['error', { file: 'a,b:c%.py', line: '2', endLine: '2', col: '24', endColumn: '42', title: 'MLS102 torch-load-unsafe' }],
        ['warning', { file: 'a,b:c%.py', line: '3', endLine: '3', col: '5', endColumn: '17', title: 'MLS106 yaml-unsafe-load' }],
      ],
      'the suppressed finding is not annotated',
    );
    assert.match(commands[0].data, /^`torch\.load\(\.\.\., weights_only=False\)` unpickles/);
  });

  it('gitlab: a Code Quality report with the fields GitLab reads and unique fingerprints', () => {
    write('a.py', CODE);
    write('b.py', CODE);
    const run = mlsec(['scan', '.', '--format', 'gitlab'], dir);
    assert.equal(run.code, 1);
    const issues = JSON.parse(run.stdout) as Array<Record<string, unknown>>;
    assert.ok(Array.isArray(issues));
    assert.equal(issues.length, 4);
    for (const issue of issues) {
      assert.deepEqual(Object.keys(issue).sort(), ['check_name', 'description', 'fingerprint', 'location', 'severity']);
      assert.equal(typeof issue.description, 'string');
      assert.match(issue.check_name as string, /^mlsec\/MLS\d{3}-[a-z-]+$/);
      assert.match(issue.fingerprint as string, /^[0-9a-f]{32}$/);
      assert.ok(['info', 'minor', 'major', 'critical', 'blocker'].includes(issue.severity as string));
      const location = issue.location as { path: string; lines: { begin: number } };
      assert.ok(['a.py', 'b.py'].includes(location.path));
      assert.ok(Number.isInteger(location.lines.begin) && location.lines.begin >= 1);
    }
    assert.equal(new Set(issues.map((i) => i.fingerprint)).size, 4, 'identical code in two files gets two fingerprints');
    assert.deepEqual(
      issues
        .filter((i) => (i.location as { path: string }).path === 'a.py')
        .map((i) => [i.severity, (i.location as { lines: { begin: number } }).lines.begin]),
      [
        ['critical', 2],
        ['major', 3],
      ],
    );
    assert.equal(
      JSON.parse(mlsec(['scan', '.', '--format', 'gitlab', '--select', 'MLS3'], dir).stdout).length,
      0,
      'no findings: an empty report',
    );
  });

  it('junit: well-formed XML (read by Python’s parser) with a suite per file, failures, skips and passes', () => {
    const odd = `a&b<'">.py`;
    write(odd, CODE);
    write('clean.py', 'print("ok")\n');
    const run = mlsec(['scan', '.', '--format', 'junit', '--output', 'report.xml'], dir);
    assert.equal(run.code, 1);
    const script = [
      'import json, sys, xml.etree.ElementTree as ET',
      'root = ET.parse(sys.argv[1]).getroot()',
      'suites = [{"name": s.get("name"), "tests": int(s.get("tests")), "failures": int(s.get("failures")), "skipped": int(s.get("skipped")),',
      '  "cases": [{"name": c.get("name"), "classname": c.get("classname"), "line": c.get("line"), "kind": [k.tag for k in c], "message": [k.get("message") for k in c]} for c in s.iter("testcase")]}',
      '  for s in root.iter("testsuite")]',
      'print(json.dumps({"root": root.tag, "tests": int(root.get("tests")), "failures": int(root.get("failures")), "suites": suites}))',
    ].join('\n');
    const parsed = spawnSync('python3', ['-c', script, path.join(dir, 'report.xml')], { encoding: 'utf8' });
    assert.equal(parsed.status, 0, parsed.stderr);
    const xml = JSON.parse(parsed.stdout) as {
      root: string;
      tests: number;
      failures: number;
      suites: Array<{
        name: string;
        tests: number;
        failures: number;
        skipped: number;
        cases: Array<{ name: string; classname: string; line: string | null; kind: string[]; message: string[] }>;
      }>;
    };
    assert.equal(xml.root, 'testsuites');
    assert.equal(xml.tests, 4);
    assert.equal(xml.failures, 2);
    const suite = xml.suites.find((s) => s.name === odd);
    assert.ok(suite, 'the file name survives escaping');
    assert.deepEqual([suite.tests, suite.failures, suite.skipped], [3, 2, 1]);
    assert.deepEqual(
      suite.cases.map((c) => [c.classname, c.line, c.kind[0]]),
      [
        [odd, '2', 'failure'],
        [odd, '3', 'failure'],
        [odd, '4', 'skipped'],
      ],
    );
    assert.match(suite.cases[1].message[0], /PyYAML < 5\.1/);
    assert.equal(suite.cases[2].message[0], 'suppressed: trusted config');
    assert.deepEqual(
      xml.suites.find((s) => s.name === 'clean.py')?.cases.map((c) => c.kind.length),
      [0],
      'a clean file is one passing case',
    );
  });

  it('escapes XML special and invalid characters', () => {
    assert.equal(escapeXml(`<a & "b" 'c'>\u0001\n`), '&lt;a &amp; &quot;b&quot; &apos;c&apos;&gt;\ufffd&#10;');
  });

  it('points notebook findings at the .ipynb line and columns where the code is written', () => {
    write('nb.ipynb', NOTEBOOK);
    const lines = NOTEBOOK.split('\n');
    const at = (line: number, column: number, length: number) => lines[line - 1].slice(column - 1, column - 1 + length);

    const sarif = JSON.parse(mlsec(['scan', '.', '--format', 'sarif'], dir).stdout) as {
      runs: Array<{
        results: Array<{
          locations: Array<{
            physicalLocation: { region: { startLine: number; startColumn: number; endLine: number; endColumn: number } };
            logicalLocations: Array<{ name: string; fullyQualifiedName: string }>;
          }>;
          properties: { notebookCell: number; cellRegion: { startLine: number; startColumn: number } };
        }>;
      }>;
    };
    const results = sarif.runs[0].results;
    assert.equal(results.length, 2);
    const regions = results.map((r) => r.locations[0].physicalLocation.region);
    for (const region of regions) {
      assert.equal(region.startLine, region.endLine);
      assert.equal(
        at(region.startLine, region.startColumn, region.endColumn - region.startColumn),
        'weights_only=False',
        'the region covers the flagged code in the JSON text',
      );
    }
    assert.equal(
      lines[regions[0].startLine - 1].trim().startsWith('"label = '),
      true,
      'the source line, not the output that has the same text',
    );
    assert.deepEqual(
      results.map((r) => [
        r.properties.notebookCell,
        r.properties.cellRegion.startLine,
        r.properties.cellRegion.startColumn,
        r.locations[0].logicalLocations[0].name,
      ]),
      [
        [1, 2, 42, 'cell 2'],
        [2, 2, 24, 'cell 3'],
      ],
    );

    const github = mlsec(['scan', '.', '--format', 'github'], dir).stdout.trimEnd().split('\n').map(parseWorkflowCommand);
    assert.deepEqual(
      github.map((c) => [Number(c.properties.line), Number(c.properties.col)]),
      regions.map((r) => [r.startLine, r.startColumn]),
    );
    assert.match(github[0].data, /\(notebook cell 2, line 2\)$/);
    const gitlab = JSON.parse(mlsec(['scan', '.', '--format', 'gitlab'], dir).stdout) as Array<{ location: { lines: { begin: number } } }>;
    assert.deepEqual(
      gitlab.map((i) => i.location.lines.begin),
      regions.map((r) => r.startLine),
    );
  });
});
