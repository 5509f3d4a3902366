import * as path from 'node:path';

/** Repository root (tests run from out/test/...). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const FIXTURES = path.join(REPO_ROOT, 'test', 'rules', 'fixtures');
export const CORPUS = path.join(REPO_ROOT, 'test', 'corpus');
export const DIST = path.join(REPO_ROOT, 'dist');
