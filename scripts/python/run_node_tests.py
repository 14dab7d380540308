"""Compiles and runs the ONNX backend node tests shipped in the onnx wheel.

    run_node_tests.py [--filter REGEX] [--jobs N] [--verbose] [--xfc PATH]
                      [--keep DIR] [--list-failures] [--report FILE]

Every directory of onnx/backend/test/data/node (model.onnx plus
test_data_set_*/{input,output}_*.pb) is one test, with one of three verdicts:

  UNSUPPORTED  xfc refuses the model for a reason it documents: an operator
               (or domain) its importer does not have, an opset outside the
               range it accepts, a data type it does not handle (strings,
               complex, float8, 4-bit), a non-tensor input or output, or an
               attribute value or form the importer rejects with a message
               that says "unsupported"/"not supported". The list of supported
               operators is not repeated here: the importer's own messages
               decide, so the runner stays in sync with the C++. Such a
               message only counts when `xfc --emit=import` gives it too, so
               an error of a later stage is never taken for one.
  FAIL         any other compile error, a runtime error or crash, or an
               output that differs from the expected one: shape, dtype, exact
               values for integer and boolean outputs, and for floating-point
               outputs numpy.testing.assert_allclose with the tolerances the
               onnx backend runner uses (rtol=1e-3, atol=1e-7, or those of the
               test's data.json).
  PASS         every test_data_set agrees.

Prints one line per failure (per test with --verbose), then the line
`N passed, M failed, K unsupported`; the exit status is 1 when M > 0.
Tests run in a pool of processes; each model runs in a forked child, so a
crash fails that test only.
"""

import argparse
import collections
import concurrent.futures
import datetime
import glob
import json
import multiprocessing
import os
import pickle
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
import traceback

import numpy as np
import onnx
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xfrt  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
NODE_DIR = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "node")

# The onnx backend runner's defaults (onnx/backend/test/loader/__init__.py).
DEFAULT_RTOL = 1e-3
DEFAULT_ATOL = 1e-7

COMPILE_TIMEOUT_S = 300
RUN_TIMEOUT_S = 120

# Words with which xfc's importer says that it refuses a model on purpose.
UNSUPPORTED_RE = re.compile(r"\bunsupported\b|\bnot supported\b", re.IGNORECASE)


class Result:
    def __init__(self, name, status, reason="", key="", seconds=0.0):
        self.name = name
        self.status = status  # "pass", "fail" or "unsupported"
        self.reason = reason  # one line
        self.key = key  # what the reason is about, for grouping
        self.seconds = seconds


def one_line(text, limit=300):
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def first_error(stderr):
    """The first diagnostic of xfc's output, its notes and continuation
    lines included, without the file location prefix."""
    lines = stderr.splitlines()
    for i, line in enumerate(lines):
        if "error:" in line:
            message = [line.split("error:", 1)[1].strip()]
            for more in lines[i + 1:]:
                if "error:" in more or "note:" in more or more.startswith(("^", "xfc:")):
                    break
                if more.startswith("  "):
                    message.append(more.strip())
            text = "\n".join(message)
            # Messages of the graph importer start with the model's path.
            return re.sub(r"^'[^']*model\.onnx':\s*", "", text)
    return stderr.strip() or "no message"


def classify_unsupported(message):
    """A short key that groups similar unsupported reasons (by operator where
    there is one)."""
    ops = re.findall(r"node '[^']*': ([\w.]+)", message)
    if "unsupported operator" in message and ops:
        return "operator " + ", ".join(sorted(set(ops)))
    m = re.search(r"unsupported opset (\d+)", message)
    if m:
        return "opset " + m.group(1)
    m = re.search(r"^node '[^']*' \(([\w.]+)\): (.*)", message)
    detail = m.group(2) if m else message
    detail = re.sub(r"'[^']*'", "'...'", detail.splitlines()[0])
    dtype = re.search(r"unsupported data type (\w+)", detail)
    if dtype:
        detail = "data type " + dtype.group(1)
    return (m.group(1) + ": " if m else "") + detail


def compile_model(xfc, model_path, out_path):
    """Returns (ok, message)."""
    try:
        proc = subprocess.run([xfc, model_path, "-o", out_path], capture_output=True, text=True,
                              timeout=COMPILE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return False, f"xfc timed out after {COMPILE_TIMEOUT_S} s"
    if proc.returncode == 0:
        return True, ""
    if proc.returncode < 0:
        return False, f"xfc crashed ({signal.Signals(-proc.returncode).name}): " + first_error(proc.stderr)
    return False, first_error(proc.stderr)


def import_refuses(xfc, model_path, message):
    """Whether the importer alone gives the same error (the message comes
    from the frontend, not from a later stage)."""
    proc = subprocess.run([xfc, model_path, "--emit=import", "-o", os.devnull], capture_output=True,
                          text=True, timeout=COMPILE_TIMEOUT_S)
    return proc.returncode > 0 and first_error(proc.stderr) == message


def tensor_type_of(value_info):
    """The elem_type of a tensor value, or None for sequences, maps and
    optionals."""
    kind = value_info.type.WhichOneof("value")
    return value_info.type.tensor_type.elem_type if kind == "tensor_type" else None


def load_tensor(path):
    tensor = onnx.TensorProto()
    with open(path, "rb") as f:
        tensor.ParseFromString(f.read())
    return numpy_helper.to_array(tensor)


def compare(got, want, rtol, atol):
    """None when `got` matches `want`, else a one-line reason."""
    if got.shape != want.shape:
        return f"shape {list(got.shape)}, expected {list(want.shape)}"
    if got.dtype != want.dtype:
        return f"dtype {got.dtype}, expected {want.dtype}"
    if got.size == 0:
        return None
    if np.issubdtype(want.dtype, np.floating) or want.dtype.kind == "V" or str(want.dtype) == "bfloat16":
        g = got.astype(np.float64)
        w = want.astype(np.float64)
        close = np.isclose(g, w, rtol=rtol, atol=atol, equal_nan=True)
        if close.all():
            return None
        bad = np.argwhere(~close)
        index = tuple(int(i) for i in bad[0])
        with np.errstate(invalid="ignore"):
            err = np.where(close, 0.0, np.abs(g - w))
        return (f"{len(bad)}/{got.size} values differ (rtol={rtol:g}, atol={atol:g}): "
                f"at {list(index)} got {g[index]!r}, expected {w[index]!r}; max |err| {np.nanmax(err):.3g}")
    if np.array_equal(got, want):
        return None
    bad = np.argwhere(got != want)
    index = tuple(int(i) for i in bad[0])
    return (f"{len(bad)}/{got.size} values differ (exact): at {list(index)} got {got[index]!r}, "
            f"expected {want[index]!r}")


def run_data_sets(test_dir, model_proto, xfm_path, rtol, atol):
    """Runs every test_data_set; returns None or a one-line failure reason.
    Called in a forked child."""
    model = xfrt.Model(xfm_path)
    model.set_num_threads(1)
    graph_inputs = [i.name for i in model_proto.graph.input
                    if i.name not in {t.name for t in model_proto.graph.initializer}]
    graph_outputs = [o.name for o in model_proto.graph.output]
    ours = [name for name, _, _ in model.outputs]
    if ours != graph_outputs:
        return f"the artifact's outputs {ours} are not the graph's {graph_outputs}"
    data_sets = sorted(glob.glob(os.path.join(test_dir, "test_data_set_*")))
    if not data_sets:
        return "no test_data_set"
    for data_set in data_sets:
        tag = os.path.basename(data_set)
        feeds = {}
        for i, name in enumerate(graph_inputs):
            path = os.path.join(data_set, f"input_{i}.pb")
            if os.path.exists(path):
                feeds[name] = load_tensor(path)
        expected = []
        for i in range(len(graph_outputs)):
            path = os.path.join(data_set, f"output_{i}.pb")
            if not os.path.exists(path):
                return f"{tag}: no output_{i}.pb"
            expected.append(load_tensor(path))
        try:
            results = model.run(feeds)
        except xfrt.XfError as e:
            return f"{tag}: runtime error: {one_line(str(e))}"
        if len(results) != len(expected):
            return f"{tag}: {len(results)} outputs, expected {len(expected)}"
        for name, got, want in zip(graph_outputs, results, expected):
            reason = compare(got, want, rtol, atol)
            if reason:
                return f"{tag}: output '{name}': {reason}"
    return None


def run_in_child(fn, *args):
    """Runs fn(*args) in a forked child; returns (ok, value) where value is
    fn's result, or a reason when the child raised, crashed or hung."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        try:
            payload = ("ok", fn(*args))
        except BaseException as e:  # noqa: BLE001 - anything is a failure
            payload = ("error", f"{type(e).__name__}: {one_line(str(e))}")
        try:
            data = pickle.dumps(payload)
            with os.fdopen(write_fd, "wb") as f:
                f.write(data)
        finally:
            os._exit(0)
    os.close(write_fd)
    chunks = []
    deadline = time.monotonic() + RUN_TIMEOUT_S
    timed_out = False
    with os.fdopen(read_fd, "rb") as f:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([f], [], [], left)
            if not ready:
                continue
            chunk = os.read(f.fileno(), 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    if timed_out:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    if timed_out:
        return False, f"timed out after {RUN_TIMEOUT_S} s"
    if os.WIFSIGNALED(status):
        return False, f"crashed ({signal.Signals(os.WTERMSIG(status)).name})"
    if not chunks:
        return False, f"the child exited with status {os.WEXITSTATUS(status)} and no result"
    kind, value = pickle.loads(b"".join(chunks))
    if kind == "error":
        return False, value
    return True, value


def run_test(test_dir, xfc, keep_dir):
    name = os.path.basename(test_dir)
    start = time.monotonic()

    def result(status, reason="", key=""):
        return Result(name, status, one_line(reason), key, time.monotonic() - start)

    model_path = os.path.join(test_dir, "model.onnx")
    try:
        model_proto = onnx.load(model_path)
    except Exception as e:  # noqa: BLE001
        return result("fail", f"onnx cannot load the model: {e}")
    rtol, atol = DEFAULT_RTOL, DEFAULT_ATOL
    data_json = os.path.join(test_dir, "data.json")
    if os.path.exists(data_json):
        with open(data_json) as f:
            data = json.load(f)
        rtol, atol = data.get("rtol", rtol), data.get("atol", atol)

    with tempfile.TemporaryDirectory(prefix="xf-node-") as tmp:
        out_dir = keep_dir or tmp
        xfm_path = os.path.join(out_dir, name + ".xfm")
        ok, message = compile_model(xfc, model_path, xfm_path)
        if not ok:
            if UNSUPPORTED_RE.search(message) and import_refuses(xfc, model_path, message):
                return result("unsupported", message, classify_unsupported(message))
            return result("fail", "compile: " + message)
        # Data types that the Python binding cannot pass (no numpy dtype).
        for value in list(model_proto.graph.input) + list(model_proto.graph.output):
            elem = tensor_type_of(value)
            if elem is not None and elem not in (onnx.TensorProto.UNDEFINED,) and \
                    onnx.helper.tensor_dtype_to_np_dtype(elem).type not in xfrt._DTYPES:
                dtype = onnx.TensorProto.DataType.Name(elem)
                return result("unsupported", f"the Python runtime binding cannot pass {dtype} tensors "
                              f"('{value.name}')", f"binding: data type {dtype}")
        ok, reason = run_in_child(run_data_sets, test_dir, model_proto, xfm_path, rtol, atol)
        if not ok:
            return result("fail", "run: " + reason)
        if reason:
            return result("fail", reason)
        return result("pass")


def summarize(results):
    """Counts for the report: by status, unsupported by category, by missing
    operator (a test counts once per operator it lacks) and by other reason."""
    summary = {
        "status": collections.Counter(r.status for r in results),
        "categories": collections.Counter(),
        "operators": collections.Counter(),
        "reasons": collections.Counter(),
        "no_operator": 0,  # tests with an operator the importer lacks
    }
    for r in results:
        if r.status != "unsupported":
            continue
        if r.key.startswith("operator "):
            summary["categories"]["operator not in the importer"] += 1
            summary["no_operator"] += 1
            for op in r.key[len("operator "):].split(", "):
                summary["operators"][op] += 1
            continue
        if "no opset of the default ONNX domain" in r.reason:
            summary["categories"]["operator not in the importer"] += 1
            summary["no_operator"] += 1
            summary["operators"]["(operators of other domains only)"] += 1
            continue
        if r.key.startswith("opset "):
            summary["categories"]["opset outside the importer's range"] += 1
        elif "data type" in r.key or "not a tensor" in r.reason:
            summary["categories"]["data type"] += 1
        else:
            summary["categories"]["attribute, operand or form of a supported operator"] += 1
        summary["reasons"][r.key] += 1
    return summary


def write_report(path, results, args, elapsed):
    s = summarize(results)
    passed, failed, unsupported = (s["status"][k] for k in ("pass", "fail", "unsupported"))
    total = len(results)
    covered = total - s["no_operator"]
    lines = [
        "# ONNX backend node tests",
        "",
        f"- date: {datetime.date.today().isoformat()}",
        f"- onnx {onnx.__version__}: {total} node tests"
        + (f" matching `{args.filter}`" if args.filter else ""),
        f"- xfc: `{args.xfc}`",
        f"- {args.jobs} jobs, {elapsed:.0f} s",
        "",
        f"**{passed} passed, {failed} failed, {unsupported} unsupported** of {total}.",
        "",
        f"{covered} tests use only operators that xfc's importer has; {passed} of them pass,",
        f"{covered - passed - failed} are unsupported for another reason (below).",
        "",
        "## Failures",
        "",
    ]
    failures = sorted((r for r in results if r.status == "fail"), key=lambda r: r.name)
    lines += [f"- `{r.name}`: {r.reason}" for r in failures] or ["None."]
    lines += ["", "## Unsupported, by category", "", "| tests | category |", "|---:|---|"]
    lines += [f"| {n} | {k} |" for k, n in s["categories"].most_common()]
    lines += ["", "## Operators the importer lacks", "",
              "A test counts once for each operator it needs and xfc lacks.", "",
              "| tests | operator |", "|---:|---|"]
    lines += [f"| {n} | {k} |" for k, n in s["operators"].most_common()]
    lines += ["", "## Other unsupported reasons", "", "| tests | reason |", "|---:|---|"]
    lines += ["| %d | %s |" % (n, k.replace("|", "\\|")) for k, n in s["reasons"].most_common()]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--filter", help="only the tests whose name matches this regular expression (re.search)")
    parser.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--verbose", "-v", action="store_true", help="one line per test")
    parser.add_argument("--xfc", default=os.path.join(ROOT, "build", "bin", "xfc"))
    parser.add_argument("--keep", metavar="DIR", help="keep the compiled artifacts in DIR")
    parser.add_argument("--list-failures", action="store_true",
                        help="list the names of the failing tests before the summary")
    parser.add_argument("--report", metavar="FILE", help="write a markdown summary to FILE")
    parser.add_argument("--data-dir", default=NODE_DIR, help="the node test directory (default: onnx's)")
    args = parser.parse_args()

    if not os.access(args.xfc, os.X_OK):
        parser.error(f"no xfc at {args.xfc} (use --xfc)")
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
    pattern = re.compile(args.filter) if args.filter else None
    tests = sorted(
        os.path.join(args.data_dir, d) for d in os.listdir(args.data_dir)
        if os.path.exists(os.path.join(args.data_dir, d, "model.onnx")) and (not pattern or pattern.search(d)))
    if not tests:
        print("no test matches", file=sys.stderr)
        return 2

    start = time.monotonic()
    results = []
    # Fork, so that workers inherit the imports; each worker is single
    # threaded, so it can fork again to run a model.
    context = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(max_workers=max(args.jobs, 1), mp_context=context) as pool:
        futures = {pool.submit(run_test, t, args.xfc, args.keep): t for t in tests}
        for future in concurrent.futures.as_completed(futures):
            try:
                r = future.result()
            except Exception as e:  # noqa: BLE001 - a bug of the runner: a failure
                traceback.print_exception(e)
                r = Result(os.path.basename(futures[future]), "fail", one_line(f"runner error: {e!r}"))
            results.append(r)
            if r.status == "fail":
                print(f"FAIL {r.name}: {r.reason}", flush=True)
            elif args.verbose:
                detail = f": {r.reason}" if r.reason else ""
                print(f"{r.status.upper()} {r.name} ({r.seconds:.2f} s){detail}", flush=True)
    elapsed = time.monotonic() - start
    results.sort(key=lambda r: r.name)
    counts = collections.Counter(r.status for r in results)
    if args.list_failures:
        for r in results:
            if r.status == "fail":
                print(r.name)
    if args.report:
        write_report(args.report, results, args, elapsed)
    print(f"{counts['pass']} passed, {counts['fail']} failed, {counts['unsupported']} unsupported")
    return 1 if counts["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
