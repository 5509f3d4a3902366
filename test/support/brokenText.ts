/**
 * A file CPython compiles but tree-sitter reads with an error region (a name dedented inside
 * brackets, as in CPython's Lib/test/test_compile.py), inside a function no rule can fire in. The
 * CLI's partial parse leaves that function out and has no error; the editor's whole parse has one,
 * and its error recovery puts `Loader`'s methods outside the class.
 */
export function brokenOnlyWhenWhole(): string {
  const padding = Array.from({ length: 120 }, (_, i) => `    value_${i} = compute(${i}) + offset\n`).join('');
  return [
    'import pickle',
    '',
    '',
    'def unrelated():',
    '    (bar.',
    'baz)',
    padding,
    '',
    'class Loader:',
    '    def load(self, blob):',
    '        return pickle.loads(blob)',
    '',
    '    def again(self, blob):',
    '        return pickle.loads(blob)',
    '',
  ].join('\n');
}
