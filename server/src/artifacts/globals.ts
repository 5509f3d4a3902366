/**
 * What a global in a pickle means: `deny` (it runs code or touches the system when the file is
 * loaded), `allow` (what legitimate checkpoints and scikit-learn models contain) or `unknown`.
 *
 * The allow list is the safety net: a callable that no deny list has heard of yet is `unknown`,
 * a warning, so a new bypass is never silence. The deny list only decides between error and
 * warning and names the danger.
 *
 * Entries match a module and everything below it (`os` matches `os.path`), and a name and its
 * attributes (`getattr` matches nothing else; `Popen` matches `Popen.__init__`): CPython resolves
 * dotted names in STACK_GLOBAL since protocol 4, and published bypasses used submodules of
 * listed modules (JFrog, CVE-2025-10157: `asyncio` submodules slipping past an exact match).
 */

export type Verdict = 'deny' | 'allow' | 'unknown';

interface DenyEntry {
  module: string;
  /** Names in the module; omitted = the whole module. */
  names?: string[];
  why: string;
}

/*
 * Sources, read to learn what published scanners and reports list (the entries and wording are
 * our own):
 *  [PS]  picklescan's unsafe-globals table and its advisories (github.com/mmaitre314/picklescan,
 *        GHSA-vvpj-8cmc-gx39 pkgutil.resolve_name, GHSA-g38g-8gr9-h9xp, GHSA-7wx9-6375-f5wh,
 *        GHSA-xp4f-hrf8-rxw7 ensurepip._run_pip, GHSA-v7x6-rv5q-mhwc timeit, PR #74 importlib/marshal)
 *  [MS]  modelscan's unsafe-globals settings and PR #313 (torch._dynamo, torch.fx experimental,
 *        commands, ssl, timeit, ensurepip, code.InteractiveInterpreter, cProfile, profile, idlelib)
 *  [FK]  fickling's unsafe imports analysis (github.com/trailofbits/fickling) and issue #190
 *  [JF]  JFrog, "Unveiling 3 zero-day vulnerabilities in picklescan" (2025): CVE-2025-10155/6/7
 *  [PY]  the Python documentation of the modules themselves (what the callable does)
 *  [IS]  the mlsec issue 17 list
 */
const DENY: DenyEntry[] = [
  // Processes and the operating system [PS][MS][FK][PY]
  { module: 'os', why: 'runs commands or changes files' },
  { module: 'posix', why: 'runs commands or changes files (os on Unix)' },
  { module: 'nt', why: 'runs commands or changes files (os on Windows)' },
  { module: 'subprocess', why: 'runs commands' },
  { module: '_posixsubprocess', why: 'starts processes' },
  { module: 'commands', why: 'runs shell commands (Python 2)' },
  { module: 'popen2', why: 'runs shell commands (Python 2)' },
  { module: 'pty', why: 'spawns processes' },
  { module: 'multiprocessing', why: 'starts processes' },
  { module: 'asyncio', why: 'starts subprocesses (asyncio.subprocess, unix_events) [JF]' },
  { module: 'signal', why: 'changes process signal handling' },
  { module: 'shutil', why: 'copies, moves and deletes files' },
  { module: 'tempfile', why: 'creates files' },
  { module: 'glob', why: 'lists the file system' },
  {
    module: 'pathlib',
    names: [
      'Path.write_text',
      'Path.write_bytes',
      'Path.unlink',
      'Path.rmdir',
      'Path.open',
      'Path.read_text',
      'Path.read_bytes',
      'Path.rename',
      'Path.replace',
      'Path.symlink_to',
      'Path.chmod',
    ],
    why: 'reads or changes files',
  },
  { module: 'io', names: ['open', 'FileIO', 'open_code'], why: 'opens files' },
  { module: '_io', names: ['open', 'FileIO', 'open_code'], why: 'opens files' },
  { module: 'platform', names: ['popen', '_syscmd_file', '_syscmd_ver'], why: 'runs commands' },
  { module: 'uuid', names: ['_get_command_stdout', '_popen', '_find_mac'], why: 'runs commands [PS]' },
  { module: '_osx_support', why: 'runs commands' },
  { module: '_aix_support', why: 'runs commands' },
  { module: 'ctypes', why: 'calls native code' },
  { module: '_ctypes', why: 'calls native code' },
  { module: 'cffi', why: 'calls native code' },
  // Python code execution and importing [PS][MS][FK][IS]
  {
    module: 'builtins',
    names: [
      'eval',
      'exec',
      'execfile',
      'compile',
      'getattr',
      'setattr',
      'delattr',
      '__import__',
      'open',
      'breakpoint',
      'input',
      'globals',
      'locals',
      'vars',
      'help',
      'memoryview',
      'exit',
      'quit',
    ],
    why: 'evaluates code, imports modules or reaches attributes',
  },
  {
    module: '__builtin__',
    names: [
      'eval',
      'exec',
      'execfile',
      'compile',
      'getattr',
      'setattr',
      'delattr',
      '__import__',
      'open',
      'file',
      'input',
      'raw_input',
      'globals',
      'locals',
      'vars',
      'apply',
      'reload',
    ],
    why: 'evaluates code, imports modules or reaches attributes (Python 2)',
  },
  { module: '__main__', names: ['__builtins__', 'eval', 'exec'], why: 'reaches the interpreter' },
  { module: 'sys', why: 'reaches the interpreter (modules, exit, hooks)' },
  { module: 'runpy', why: 'runs modules' },
  { module: 'code', why: 'runs Python code (InteractiveInterpreter.runcode) [MS]' },
  { module: 'codeop', why: 'compiles Python code' },
  { module: 'importlib', why: 'imports any module (PR #74) [PS]' },
  { module: 'imp', why: 'imports any module' },
  { module: 'zipimport', why: 'imports code from archives' },
  { module: 'pkgutil', why: 'resolves any name to an object (GHSA-vvpj-8cmc-gx39) [PS]' },
  {
    module: 'types',
    names: ['FunctionType', 'CodeType', 'LambdaType', 'MethodType', 'ModuleType'],
    why: 'builds functions or code objects',
  },
  { module: 'marshal', why: 'loads code objects (PR #74) [PS]' },
  { module: 'pickle', why: 'loads a nested pickle that was not inspected' },
  { module: '_pickle', why: 'loads a nested pickle that was not inspected' },
  { module: 'cPickle', why: 'loads a nested pickle that was not inspected' },
  { module: 'dill', why: 'loads nested serialized code' },
  { module: 'cloudpickle', why: 'loads nested serialized code' },
  { module: 'shelve', why: 'opens a pickle database' },
  { module: 'pdb', why: 'runs code under the debugger' },
  { module: 'bdb', why: 'runs code under the debugger' },
  { module: 'cProfile', why: 'runs code strings (cProfile.run) [MS]' },
  { module: 'profile', why: 'runs code strings (profile.run) [MS]' },
  { module: 'timeit', why: 'runs code strings (GHSA-v7x6-rv5q-mhwc) [PS]' },
  { module: 'trace', why: 'runs code under tracing' },
  { module: 'pydoc', why: 'locates any object by name or runs a pager command' },
  { module: 'idlelib', why: 'runs code (idlelib.run, pyshell) [MS]' },
  { module: 'lib2to3', why: 'loads grammar pickles' },
  { module: 'ensurepip', why: 'runs pip (GHSA-xp4f-hrf8-rxw7) [PS]' },
  { module: 'pip', why: 'installs packages' },
  { module: 'venv', why: 'creates environments and runs pip' },
  { module: 'distutils', why: 'runs build commands' },
  { module: 'setuptools', why: 'runs build commands' },
  { module: 'site', why: 'changes the import path' },
  { module: 'threading', why: 'starts threads running a callable' },
  { module: '_thread', why: 'starts threads running a callable' },
  { module: 'gc', why: 'reaches every live object' },
  { module: 'inspect', why: 'reaches frames and globals' },
  { module: 'functools', names: ['partial', 'reduce', 'partialmethod', 'singledispatch'], why: 'builds calls of other callables [IS]' },
  { module: '_functools', names: ['partial', 'reduce'], why: 'builds calls of other callables' },
  {
    module: 'operator',
    names: ['attrgetter', 'methodcaller', 'getitem', 'itemgetter', 'call'],
    why: 'reaches attributes or calls methods by name [IS]',
  },
  {
    module: '_operator',
    names: ['attrgetter', 'methodcaller', 'getitem', 'itemgetter', 'call'],
    why: 'reaches attributes or calls methods by name',
  },
  { module: 'copyreg', names: ['add_extension', '_reconstructor.__globals__'], why: 'changes the pickle extension registry' },
  // Network [PS][MS]
  { module: 'socket', why: 'opens network connections' },
  { module: 'ssl', why: 'opens network connections [MS]' },
  { module: 'urllib', why: 'downloads' },
  { module: 'urllib2', why: 'downloads (Python 2)' },
  { module: 'http', why: 'opens network connections' },
  { module: 'httplib', why: 'opens network connections (Python 2)' },
  { module: 'ftplib', why: 'opens network connections' },
  { module: 'smtplib', why: 'sends mail' },
  { module: 'telnetlib', why: 'opens network connections' },
  { module: 'requests', why: 'downloads' },
  { module: 'httpx', why: 'downloads' },
  { module: 'aiohttp', why: 'downloads' },
  { module: 'webbrowser', why: 'opens a browser (runs a command)' },
  // ML libraries' own loaders and code paths [IS][MS][FK]
  {
    module: 'torch',
    names: [
      'load',
      'hub',
      'jit',
      'package',
      'compile',
      'ops',
      '_C',
      '_dynamo',
      '_inductor',
      'fx',
      'utils.cpp_extension',
      'utils.bottleneck',
      'serialization.load',
      'distributed',
      'testing',
      'backends',
      '_ops',
      'classes',
      'library',
      'autograd.profiler',
    ],
    why: 'loads or runs code (nested loads, TorchScript, compilers)',
  },
  { module: 'torch.hub', why: 'downloads and runs repository code' },
  { module: 'torch.jit', why: 'compiles and runs TorchScript' },
  { module: 'torch._dynamo', why: 'runs guard code (modelscan PR #313)' },
  { module: 'torch._inductor', why: 'compiles and runs generated code' },
  { module: 'torch.fx', why: 'builds and runs generated code' },
  { module: 'torch.package', why: 'imports packaged code' },
  { module: 'torch.utils.cpp_extension', why: 'compiles and loads native code' },
  { module: 'torch.utils.bottleneck', why: 'runs scripts' },
  { module: 'torch.utils.data.datapipes', why: 'runs callables on load' },
  { module: 'torch.distributed', why: 'opens network connections and runs remote calls' },
  { module: 'torch.testing', why: 'runs test helpers' },
  { module: 'torch.serialization', names: ['load', '_load', 'load_state_dict_from_url'], why: 'loads a nested checkpoint' },
  {
    module: 'numpy',
    names: ['load', 'loadtxt', 'fromfile', 'save', 'savetxt', 'memmap', 'genfromtxt'],
    why: 'reads or writes files (numpy.load of a nested pickle)',
  },
  { module: 'numpy.f2py', why: 'compiles and runs Fortran and shell commands [IS]' },
  { module: 'numpy.testing', why: 'runs code strings (runstring) [IS]' },
  { module: 'numpy.distutils', why: 'runs build commands' },
  { module: 'numpy.lib.npyio', why: 'reads or writes files' },
  { module: 'numpy.lib.format', names: ['read_array', 'open_memmap'], why: 'reads nested arrays (pickles)' },
  {
    module: 'pandas',
    names: ['read_pickle', 'read_csv', 'read_sql', 'eval', 'io'],
    why: 'loads nested pickles, reads files or evaluates expressions',
  },
  { module: 'pandas.io', why: 'reads files and nested pickles' },
  { module: 'joblib', names: ['load', 'dump'], why: 'loads a nested pickle' },
  { module: 'sklearn.externals', why: 'vendored loaders' },
  { module: 'sklearn.utils._testing', why: 'runs test helpers' },
  { module: 'keras', names: ['models.load_model', 'saving', 'utils.get_file', 'layers.Lambda'], why: 'loads models or code' },
  {
    module: 'tensorflow',
    names: ['io', 'keras.models.load_model', 'saved_model', 'py_function', 'numpy_function', 'load_op_library', 'compat'],
    why: 'reads files or runs code',
  },
  {
    module: 'transformers',
    names: ['from_pretrained', 'AutoModel', 'pipeline', 'dynamic_module_utils'],
    why: 'downloads or runs repository code',
  },
  { module: 'huggingface_hub', why: 'downloads' },
  { module: 'jinja2', why: 'renders templates (code)' },
  { module: 'yaml', names: ['load', 'unsafe_load', 'full_load', 'UnsafeLoader', 'Loader'], why: 'loads YAML that builds objects' },
];

/**
 * Globals of legitimate checkpoints and models. A module entry with names lists classes and
 * functions; `classes: true` allows any name starting with an upper-case letter (a class) in
 * the module and below, for libraries whose estimators are classes.
 */
interface AllowEntry {
  module: string;
  names?: string[];
  classes?: boolean;
}

const TORCH_STORAGES = [
  'Double',
  'Float',
  'Half',
  'Long',
  'Int',
  'Short',
  'Char',
  'Byte',
  'Bool',
  'BFloat16',
  'ComplexDouble',
  'ComplexFloat',
  'QUInt8',
  'QInt8',
  'QInt32',
  'QUInt4x2',
  'QUInt2x4',
  'Untyped',
  'Typed',
].map((t) => `${t}Storage`);
const TORCH_DTYPES = [
  'float',
  'float16',
  'float32',
  'float64',
  'double',
  'half',
  'bfloat16',
  'int',
  'int8',
  'int16',
  'int32',
  'int64',
  'long',
  'short',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'bool',
  'complex32',
  'complex64',
  'complex128',
  'cfloat',
  'cdouble',
  'qint8',
  'quint8',
  'qint32',
  'quint4x2',
  'float8_e4m3fn',
  'float8_e5m2',
  'float8_e4m3fnuz',
  'float8_e5m2fnuz',
];

const ALLOW: AllowEntry[] = [
  { module: 'collections', names: ['OrderedDict', 'defaultdict', 'Counter', 'deque', 'namedtuple'] },
  {
    module: 'builtins',
    names: [
      'set',
      'frozenset',
      'list',
      'dict',
      'tuple',
      'slice',
      'range',
      'complex',
      'bytearray',
      'bytes',
      'object',
      'int',
      'float',
      'str',
      'bool',
      'type',
      'NoneType',
      'Ellipsis',
      'NotImplemented',
    ],
  },
  {
    module: '__builtin__',
    names: [
      'set',
      'frozenset',
      'list',
      'dict',
      'tuple',
      'slice',
      'xrange',
      'complex',
      'bytearray',
      'object',
      'int',
      'long',
      'float',
      'str',
      'unicode',
      'bool',
    ],
  },
  { module: 'copyreg', names: ['_reconstructor', '__newobj__', '__newobj_ex__'] },
  { module: 'copy_reg', names: ['_reconstructor'] },
  { module: '_codecs', names: ['encode'] },
  { module: 'datetime', names: ['datetime', 'date', 'time', 'timedelta', 'timezone'] },
  { module: 'decimal', names: ['Decimal'] },
  { module: 'fractions', names: ['Fraction'] },
  { module: 'uuid', names: ['UUID'] },
  { module: 'pathlib', names: ['PosixPath', 'WindowsPath', 'PurePosixPath', 'PureWindowsPath', 'Path'] },
  { module: 'enum', names: ['Enum'] },
  {
    module: 'torch',
    names: [
      ...TORCH_STORAGES,
      ...TORCH_DTYPES,
      'Size',
      'device',
      'dtype',
      'layout',
      'memory_format',
      'strided',
      'sparse_coo',
      'sparse_csr',
      'contiguous_format',
      'channels_last',
      'preserve_format',
      'per_tensor_affine',
      'per_channel_affine',
      'per_tensor_symmetric',
      'Tensor',
      'finfo',
      'iinfo',
    ],
  },
  {
    module: 'torch._utils',
    names: [
      '_rebuild_tensor',
      '_rebuild_tensor_v2',
      '_rebuild_tensor_v3',
      '_rebuild_parameter',
      '_rebuild_parameter_with_state',
      '_rebuild_qtensor',
      '_rebuild_sparse_tensor',
      '_rebuild_sparse_csr_tensor',
      '_rebuild_nested_tensor',
      '_rebuild_device_tensor_from_numpy',
      '_rebuild_meta_tensor_no_storage',
      '_rebuild_wrapper_subclass',
      '_rebuild_xla_tensor',
      '_rebuild_mps_tensor',
    ],
  },
  { module: 'torch._tensor', names: ['_rebuild_from_type_v2', '_rebuild_from_type'] },
  { module: 'torch.storage', names: ['UntypedStorage', 'TypedStorage', '_load_from_bytes'] },
  { module: 'torch.serialization', names: ['_get_layout'] },
  { module: 'torch.nn.parameter', names: ['Parameter', 'Buffer'] },
  { module: 'torch.nn.modules', classes: true },
  { module: 'torch.optim', classes: true },
  { module: 'torch.amp', classes: true },
  { module: 'torch.cuda.amp', classes: true },
  {
    module: 'numpy',
    names: [
      'ndarray',
      'dtype',
      'bool_',
      'float16',
      'float32',
      'float64',
      'int8',
      'int16',
      'int32',
      'int64',
      'uint8',
      'uint16',
      'uint32',
      'uint64',
      'complex64',
      'complex128',
      'str_',
      'bytes_',
      'object_',
      'longlong',
      'ulonglong',
      'intc',
      'uintc',
      'matrix',
      'generic',
      'number',
    ],
  },
  { module: 'numpy.core.multiarray', names: ['_reconstruct', 'scalar'] },
  { module: 'numpy._core.multiarray', names: ['_reconstruct', 'scalar'] },
  { module: 'numpy.core.numeric', names: ['_frombuffer'] },
  { module: 'numpy._core.numeric', names: ['_frombuffer'] },
  { module: 'numpy.dtypes', classes: true },
  { module: 'numpy.ma.core', names: ['_mareconstruct', 'MaskedArray'] },
  { module: 'numpy.random._pickle', names: ['__randomstate_ctor', '__bit_generator_ctor', '__generator_ctor'] },
  { module: 'numpy.random', names: ['RandomState', 'Generator', 'PCG64', 'MT19937', 'Philox', 'SFC64', 'BitGenerator'] },
  { module: 'numpy.random.mtrand', names: ['RandomState'] },
  { module: 'numpy.random._mt19937', names: ['MT19937'] },
  { module: 'numpy.random._pcg64', names: ['PCG64'] },
  { module: 'numpy.random.bit_generator', names: ['BitGenerator', 'SeedSequence'] },
  { module: 'scipy.sparse', classes: true },
  {
    module: 'scipy.sparse',
    names: [
      'csr_matrix',
      'csc_matrix',
      'coo_matrix',
      'bsr_matrix',
      'dia_matrix',
      'dok_matrix',
      'lil_matrix',
      'csr_array',
      'csc_array',
      'coo_array',
    ],
  },
  { module: 'scipy.sparse._csr', names: ['csr_matrix', 'csr_array'] },
  { module: 'scipy.sparse._csc', names: ['csc_matrix', 'csc_array'] },
  { module: 'scipy.sparse._coo', names: ['coo_matrix', 'coo_array'] },
  { module: 'sklearn', classes: true },
  // Containers of hyperparameters that training frameworks put next to the weights.
  { module: 'argparse', names: ['Namespace'] },
  { module: 'typing', names: ['Any', 'Dict', 'List', 'Optional', 'Tuple', 'Union'] },
  { module: 'omegaconf', classes: true },
  { module: 'pytorch_lightning.utilities.parsing', names: ['AttributeDict'] },
  { module: 'lightning_fabric.utilities.data', names: ['AttributeDict'] },
  { module: 'lightning.fabric.utilities.data', names: ['AttributeDict'] },
  { module: 'transformers.training_args', classes: true },
  { module: 'transformers.trainer_utils', classes: true },
  { module: 'transformers.debug_utils', classes: true },
  { module: 'joblib.numpy_pickle', names: ['NumpyArrayWrapper'] },
  { module: 'joblib.numpy_pickle_compat', names: ['NDArrayWrapper', 'ZNDArrayWrapper'] },
  { module: 'sklearn.externals.joblib.numpy_pickle', names: ['NumpyArrayWrapper'] },
];

function within(module: string, prefix: string): boolean {
  return module === prefix || module.startsWith(prefix + '.');
}

function nameWithin(name: string, listed: string): boolean {
  return name === listed || name.startsWith(listed + '.');
}

export interface Classification {
  verdict: Verdict;
  /** For `deny`: what the callable does. */
  why?: string;
}

/** Splits `module` + dotted `name` into the full dotted path, as CPython's find_class resolves it. */
function fullName(module: string, name: string): string {
  return `${module}.${name}`;
}

export class GlobalPolicy {
  private readonly extraAllow: RegExp[];

  /** `extraAllow`: user patterns from `[tool.mlsec] artifact-allow` (`pkg.mod.Class`, `pkg.*`). */
  constructor(extraAllow: readonly string[] = []) {
    this.extraAllow = extraAllow.map(patternToRegExp);
  }

  classify(module: string, name: string): Classification {
    const deny = denied(module, name);
    if (deny) return { verdict: 'deny', why: deny };
    if (allowed(module, name)) return { verdict: 'allow' };
    const full = fullName(module, name);
    if (this.extraAllow.some((re) => re.test(full))) return { verdict: 'allow' };
    return { verdict: 'unknown' };
  }
}

function denied(module: string, name: string): string | undefined {
  // A dotted module such as `torch.hub` can also be written as module `torch` + name `hub.load`:
  // both spellings are checked against the module entries.
  const full = fullName(module, name);
  for (const entry of DENY) {
    if (entry.names) {
      if (!within(module, entry.module)) continue;
      const rest = module === entry.module ? name : `${module.slice(entry.module.length + 1)}.${name}`;
      if (entry.names.some((n) => nameWithin(rest, n))) return entry.why;
    } else if (within(module, entry.module) || within(full, entry.module)) return entry.why;
  }
  // Dunder attributes reach the interpreter from any object (`x.__globals__`, `__subclasses__`).
  if (
    /(^|\.)__(globals|builtins|subclasses|code|import|getattribute|getattr|reduce|reduce_ex|class|dict|mro|base|bases|func|self|init_subclass|loader|spec)__(\.|$)/.test(
      name,
    )
  )
    return 'reaches interpreter internals through a dunder attribute';
  return undefined;
}

function allowed(module: string, name: string): boolean {
  for (const entry of ALLOW) {
    if (entry.classes) {
      if (within(module, entry.module) && /^[A-Z]/.test(name) && !name.includes('.')) return true;
      continue;
    }
    if (module === entry.module && entry.names?.includes(name)) return true;
  }
  return false;
}

function patternToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .trim()
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${escaped}$`);
}
