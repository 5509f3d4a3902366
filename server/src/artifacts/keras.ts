/**
 * Keras models: the architecture JSON (`config.json` in a `.keras` zip, the `model_config`
 * attribute of an HDF5 `.h5`, read with `jsfive`). Lambda layers carry Python bytecode or source
 * that runs on load (`safe_mode=False`) or when the model is called; objects registered outside
 * Keras (`module`, `registered_name`) need custom code to be importable.
 */
import type { ArtifactFinding } from './report';
import type { ByteSource } from './source';
import { utf8 } from './source';

/** Modules whose objects ship with Keras/TensorFlow and need no project code. */
const KERAS_MODULES = /^(keras|tf_keras|tensorflow\.keras|tensorflow\.python\.keras|keras_nlp|keras_hub|keras_cv|builtins)(\.|$)/;

const MAX_CONFIG = 64 * 1024 * 1024;

export function readKerasConfig(bytes: Uint8Array, where: string, what: string): ArtifactFinding[] {
  if (bytes.length > MAX_CONFIG)
    return [
      {
        code: 'MLS607',
        severity: 'warning',
        message: `${where} of ${bytes.length} bytes is over the ${MAX_CONFIG}-byte limit: not inspected`,
        member: where,
      },
    ];
  let config: unknown;
  try {
    config = JSON.parse(utf8(bytes));
  } catch (error) {
    return [
      {
        code: 'MLS607',
        severity: 'warning',
        message: `${what}: ${where} is not JSON (${(error as Error).message}): not inspected`,
        member: where,
      },
    ];
  }
  return kerasFindings(config, where, what);
}

export function kerasFindings(config: unknown, where: string, what: string): ArtifactFinding[] {
  const findings: ArtifactFinding[] = [];
  const seen = new Set<string>();
  let visited = 0;
  const visit = (node: unknown, path: string, depth: number): void => {
    if (depth > 200 || ++visited > 1_000_000 || findings.length > 200) return;
    if (Array.isArray(node)) {
      node.forEach((item, i) => visit(item, `${path}[${i}]`, depth + 1));
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const o = node as Record<string, unknown>;
    const className = typeof o.class_name === 'string' ? o.class_name : undefined;
    const inner = (typeof o.config === 'object' && o.config !== null ? o.config : {}) as Record<string, unknown>;
    const layer = typeof inner.name === 'string' ? inner.name : path;
    if (
      className === 'Lambda' ||
      (className === 'TFOpLambda' && typeof inner.function === 'string' && !/^(tf|math|nn|__operators__)\./.test(inner.function))
    ) {
      const fn = inner.function;
      const kind =
        Array.isArray(fn) || (typeof fn === 'object' && fn !== null && (fn as { class_name?: string }).class_name === '__lambda__')
          ? 'serialized Python bytecode'
          : typeof fn === 'string'
            ? `the function "${fn}"`
            : 'a Python function';
      findings.push({
        code: 'MLS604',
        severity: 'warning',
        message: `${what}: ${className} layer "${layer}" in ${where} holds ${kind}, which runs when the model is loaded or called`,
        member: where,
        subject: `layer ${layer}`,
      });
    }
    const module = typeof o.module === 'string' ? o.module : undefined;
    const registered = typeof o.registered_name === 'string' ? o.registered_name : undefined;
    if (className && ((module !== undefined && !KERAS_MODULES.test(module)) || (registered !== undefined && registered.includes('>')))) {
      const key = `${module}:${registered ?? className}`;
      if (!seen.has(key)) {
        seen.add(key);
        findings.push({
          code: 'MLS604',
          severity: 'warning',
          message: `${what}: ${className} ("${layer}") in ${where} is a custom object${module ? ` from module ${module}` : ''}${registered ? ` registered as ${registered}` : ''}; loading it imports and runs that code`,
          member: where,
          subject: `${module ?? ''}${module ? '.' : ''}${registered ?? className}`,
        });
      }
    }
    for (const [key, value] of Object.entries(o))
      if (typeof value === 'object' && value !== null) visit(value, `${path}.${key}`, depth + 1);
  };
  visit(config, '', 0);
  return findings;
}

interface Jsfive {
  File: new (buffer: ArrayBuffer, name: string) => { attrs: Record<string, unknown> };
}

let jsfive: Jsfive | undefined;

/** HDF5 `.h5`: a legacy Keras model when the root has a `model_config` attribute. */
export function readHdf5Keras(source: ByteSource, maxInMemory: number): ArtifactFinding[] {
  if (source.length > maxInMemory) {
    return [
      {
        code: 'MLS607',
        severity: 'warning',
        message: `HDF5 file of ${source.length} bytes is over the ${maxInMemory}-byte limit of the HDF5 reader: model_config not inspected`,
      },
    ];
  }
  const bytes = source.bytes(0, source.length, 'the HDF5 file');
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let attrs: Record<string, unknown>;
  // jsfive reports unsupported types with console.log; in the language server stdout may be the
  // protocol channel, so its console output is silenced while it reads.
  const saved = { log: console.log, warn: console.warn };
  try {
    console.log = console.warn = () => undefined;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    jsfive ??= require('jsfive') as Jsfive;
    attrs = new jsfive.File(buffer, 'model.h5').attrs;
  } catch (error) {
    return [
      {
        code: 'MLS607',
        severity: 'warning',
        message: `HDF5 file cannot be read (${error instanceof Error ? error.message : String(error)}): not inspected`,
      },
    ];
  } finally {
    console.log = saved.log;
    console.warn = saved.warn;
  }
  const raw = attrs.model_config;
  if (raw === undefined) return [];
  const text =
    typeof raw === 'string'
      ? raw
      : raw instanceof Uint8Array
        ? utf8(raw)
        : Array.isArray(raw) && typeof raw[0] === 'string'
          ? raw[0]
          : undefined;
  if (text === undefined)
    return [
      {
        code: 'MLS607',
        severity: 'warning',
        message: 'HDF5 model_config attribute has an unexpected type: not inspected',
        member: 'model_config',
      },
    ];
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    return [
      {
        code: 'MLS607',
        severity: 'warning',
        message: `HDF5 model_config is not JSON (${(error as Error).message}): not inspected`,
        member: 'model_config',
      },
    ];
  }
  return kerasFindings(config, 'model_config', 'Keras HDF5 model');
}
