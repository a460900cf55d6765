"""The import arrows of ARCHITECTURE.md ("Which way imports go"), checked on the source with `ast`.

Every `import` / `from ... import` in every module counts, including those inside functions and
`importlib.import_module("...")` with a literal name, so a lazy import cannot hide an arrow.
Failures list every violation as `file:line: module imports X (rule)`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
import sys

import pytest

ROOT = Path(__file__).resolve().parent.parent
STDLIB = frozenset(sys.stdlib_module_names) | {"__future__"}


@dataclass(frozen=True)
class Import:
    module: str  # absolute dotted name, e.g. "cvgeo.models.registry" or "numpy"
    line: int
    in_function: bool


@dataclass(frozen=True)
class Rule:
    """Files under `package` may import only `allowed` (if set) and none of `forbidden`.

    Names match by dotted prefix: "cvgeo.models" covers "cvgeo.models.registry". `allowed` may hold
    "<stdlib>" for the standard library.
    """

    package: str
    description: str
    allowed: tuple[str, ...] | None = None
    forbidden: tuple[str, ...] = ()
    lazy_only: tuple[str, ...] = ()  # may be imported, but only inside functions
    exempt: tuple[str, ...] = ()  # always fine, whatever `forbidden` says

    def violations(self, imported: Import) -> list[str]:
        name = imported.module
        if any(_matches(name, e) for e in self.exempt):
            return []
        found = []
        if self.allowed is not None and not any(_matches(name, a) for a in self.allowed):
            found.append(f"imports {name} ({self.description})")
        if any(_matches(name, f) for f in self.forbidden):
            found.append(f"imports {name} ({self.description})")
        if not imported.in_function and any(_matches(name, lazy) for lazy in self.lazy_only):
            found.append(f"imports {name} at module level ({self.description})")
        return found


def _matches(name: str, pattern: str) -> bool:
    if pattern == "<stdlib>":
        return name.split(".")[0] in STDLIB
    return name == pattern or name.startswith(pattern + ".")


_EVERY_LAYER_ABOVE_MODELS = ("cvgeo.training", "cvgeo.inference", "cvgeo.data", "cvgeo.evaluation", "cvgeo.checkpoints")

# cvgeo.errors (the CvgeoError root) imports nothing, so the packages whose cvgeo imports are
# otherwise restricted to geometry may still raise cvgeo's errors; `test_errors_module_is_a_leaf`
# keeps that true. The geometry leaf gets no such exception.
RULES = (
    Rule("cvgeo.geometry", "geometry is a leaf: tensorflow, numpy, scipy, pyproj and the stdlib only",
         allowed=("<stdlib>", "tensorflow", "numpy", "scipy", "pyproj", "cvgeo.geometry")),
    Rule("cvgeo.evaluation", "evaluation receives descriptors: no models, training, checkpoints, data, plotting",
         forbidden=("cvgeo.models", "cvgeo.training", "cvgeo.inference", "cvgeo.checkpoints", "cvgeo.data",
                    "cvgeo.plotting")),
    Rule("cvgeo.models", "models -> layers, geometry only: no training, data, evaluation, checkpoints",
         forbidden=_EVERY_LAYER_ABOVE_MODELS),
    Rule("cvgeo.layers", "layers -> geometry only: no models, training, data, evaluation, checkpoints",
         forbidden=("cvgeo.models", *_EVERY_LAYER_ABOVE_MODELS)),
    Rule("cvgeo.losses", "losses -> geometry only (within cvgeo)",
         forbidden=("cvgeo",), exempt=("cvgeo.losses", "cvgeo.geometry", "cvgeo.errors")),
    Rule("cvgeo.mining", "mining -> geometry only (within cvgeo)",
         forbidden=("cvgeo",), exempt=("cvgeo.mining", "cvgeo.geometry", "cvgeo.errors")),
    Rule("cvgeo.checkpoints", "checkpoints -> models, never training, inference, data or evaluation",
         forbidden=("cvgeo.training", "cvgeo.inference", "cvgeo.data", "cvgeo.evaluation")),
    Rule("cvgeo.inference", "inference -> models, checkpoints, data, evaluation, geometry; never training",
         forbidden=("cvgeo.training", "cvgeo.losses", "cvgeo.mining", "cvgeo.plotting")),
    Rule("cvgeo.data", "data -> geometry; tfds_builders only lazily, to register builders",
         forbidden=("cvgeo.models", "cvgeo.training", "cvgeo.inference", "cvgeo.evaluation", "cvgeo.checkpoints",
                    "cvgeo.losses", "cvgeo.mining", "cvgeo.plotting"),
         lazy_only=("tfds_builders",)),
    # What the command lines use before TensorFlow starts (cvgeo.command_line) must not import it.
    Rule("cvgeo.registry_names", "registry names are read without TensorFlow: stdlib only", allowed=("<stdlib>",)),
    Rule("cvgeo.command_line", "command-line start-up: TensorFlow only inside start_tensorflow",
         allowed=("<stdlib>", "absl", "tensorflow", "cvgeo.errors", "cvgeo.registry_names"), lazy_only=("tensorflow",)),
    *(Rule(module, "checked by the command lines before TensorFlow starts: no TensorFlow at import",
           allowed=("<stdlib>", "numpy", "cv2", "tensorflow", "cvgeo.errors", "cvgeo.atomic_files"),
           lazy_only=("tensorflow",))
      for module in ("cvgeo.inference.run_directory", "cvgeo.inference.localization_index",
                     "cvgeo.inference.query_images")),
    Rule("tfds_builders", "tfds_builders -> cvgeo.geometry only, within cvgeo",
         forbidden=("cvgeo",), exempt=("cvgeo.geometry",)),
    # Beyond tensorflow_datasets, numpy and cv2, the real-dataset builders need TF image ops, absl
    # logging, scipy.io / h5py for CVACT's .mat files and pyproj for CrossLocate's coordinates: all
    # declared dependencies of cvgeo. etils (epath) comes with and is part of TFDS's builder API.
    Rule("tfds_builders", "tfds_builders third-party: TFDS and cvgeo's declared dependencies only",
         allowed=("<stdlib>", "tensorflow_datasets", "etils", "tensorflow", "numpy", "cv2", "scipy", "h5py",
                  "pyproj", "absl", "cvgeo", "tfds_builders")),
)


def module_name(path: Path) -> str:
    """Dotted module name of a source file under ROOT (packages map to their `__init__`)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def collect_imports(source: str, module: str, is_package: bool) -> list[Import]:
    """Every module `source` imports, absolute, with line and whether it sits inside a function.

    `from package import name` records `package.name` (name may be a submodule); relative imports
    are resolved against `module`.
    """
    tree = ast.parse(source)
    found: list[Import] = []
    package_parts = module.split(".") if is_package else module.split(".")[:-1]

    def visit(node: ast.AST, in_function: bool) -> None:
        if isinstance(node, ast.Import):
            found.extend(Import(alias.name, node.lineno, in_function) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package_parts[: len(package_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if base != "__future__":
                found.extend(Import(f"{base}.{alias.name}".strip("."), node.lineno, in_function)
                             for alias in node.names if alias.name != "*")
                if any(alias.name == "*" for alias in node.names):
                    found.append(Import(base, node.lineno, in_function))
        elif (isinstance(node, ast.Call) and _is_dynamic_import(node.func) and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found.append(Import(node.args[0].value, node.lineno, in_function))
        inside = in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        for child in ast.iter_child_nodes(node):
            visit(child, inside)

    visit(tree, False)
    return found


def _is_dynamic_import(func: ast.expr) -> bool:
    if isinstance(func, ast.Name):
        return func.id in {"__import__", "import_module"}
    return isinstance(func, ast.Attribute) and func.attr == "import_module"


def _is_test_file(path: Path) -> bool:
    # TFDS keeps each builder's test next to it (<name>_dataset_builder_test.py); tests may import
    # whatever they need to check the builder.
    return path.name.endswith("_test.py") or path.name.startswith("test_") or path.name == "conftest.py"


def source_files() -> list[Path]:
    files = [*sorted((ROOT / "cvgeo").rglob("*.py")), *sorted((ROOT / "tfds_builders").rglob("*.py"))]
    return [f for f in files if "dummy_data" not in f.parts and not _is_test_file(f)]


def violations_in(path: Path) -> list[str]:
    module = module_name(path)
    imports = collect_imports(path.read_text(encoding="utf-8"), module, path.name == "__init__.py")
    relative = path.relative_to(ROOT)
    found = []
    for rule in RULES:
        if not _matches(module, rule.package):
            continue
        found.extend((i.line, f"{relative}:{i.line}: {module} {p}") for i in imports for p in rule.violations(i))
    return [message for _, message in sorted(found)]


def test_sources_are_found():
    modules = {module_name(f) for f in source_files()}
    for expected in ("cvgeo.geometry", "cvgeo.models.registry", "cvgeo.evaluation", "cvgeo.inference", "tfds_builders"):
        assert expected in modules, f"{expected} not among the scanned sources; is ROOT right?"


def test_import_arrows():
    found = [v for path in source_files() for v in violations_in(path)]
    assert not found, "import arrows of ARCHITECTURE.md broken:\n" + "\n".join(found)


def test_errors_module_is_a_leaf():
    path = ROOT / "cvgeo" / "errors.py"
    imports = collect_imports(path.read_text(encoding="utf-8"), "cvgeo.errors", False)
    cvgeo_imports = [f"line {i.line}: {i.module}" for i in imports if _matches(i.module, "cvgeo")]
    assert not cvgeo_imports, f"cvgeo/errors.py must import nothing from cvgeo: {cvgeo_imports}"


def test_inference_package_root_imports_nothing():
    # The command lines import cvgeo.inference.run_directory before TensorFlow starts; were
    # cvgeo/inference/__init__.py to import its modules, that would start TensorFlow.
    path = ROOT / "cvgeo" / "inference" / "__init__.py"
    assert not collect_imports(path.read_text(encoding="utf-8"), "cvgeo.inference", True)


def test_package_root_imports_no_subpackage():
    # `import cvgeo.geometry` executes cvgeo/__init__.py first: were it to import models or
    # training, the geometry leaf would drag them in at run time whatever geometry's own imports say.
    path = ROOT / "cvgeo" / "__init__.py"
    imports = collect_imports(path.read_text(encoding="utf-8"), "cvgeo", True)
    assert not [i for i in imports if _matches(i.module, "cvgeo")], [i.module for i in imports]


# The checker itself must catch what it claims to: known-bad sources, resolved and located.
@pytest.mark.parametrize(
    "module, is_package, source, expected",
    [
        ("cvgeo.geometry.polar", False, "import numpy\n\ndef f():\n    import keras\n",
         ["imports keras (geometry"]),
        ("cvgeo.evaluation.recall", False, "from ..models import build\n",
         ["imports cvgeo.models.build (evaluation"]),
        ("cvgeo.evaluation", True, "from .recall import x\nfrom . import recall\n", []),
        ("cvgeo.layers.vgg", False, "import importlib\nm = importlib.import_module('cvgeo.training.trainer')\n",
         ["imports cvgeo.training.trainer (layers"]),
        ("cvgeo.losses.triplet", False, "import tensorflow\nfrom cvgeo.geometry import geodesy\n"
         "from cvgeo.losses import soft_margin_triplet\nfrom cvgeo import errors\n", []),
        ("cvgeo.losses.triplet", False, "from cvgeo.layers import netvlad\n", ["imports cvgeo.layers.netvlad (losses"]),
        ("cvgeo.inference.trained_model", False, "from cvgeo.models import build\nfrom cvgeo.checkpoints import load\n"
         "def f():\n    from cvgeo.training import trainer\n", ["imports cvgeo.training.trainer (inference"]),
        ("cvgeo.data.datasets", False, "import tfds_builders\n", ["imports tfds_builders at module level"]),
        ("cvgeo.data.datasets", False, "def load():\n    import tfds_builders\n", []),
        ("tfds_builders.x.world", False,
         "import os, numpy\nimport tensorflow as tf\nfrom cvgeo.geometry import geodesy\nimport keras\n"
         "from cvgeo.models import build\n",
         ["imports keras (tfds_builders third-party", "imports cvgeo.models.build (tfds_builders -> cvgeo.geometry"]),
    ],
)
def test_checker_on_known_sources(tmp_path, monkeypatch, module, is_package, source, expected):
    parts = module.split(".")
    path = tmp_path.joinpath(*parts, "__init__.py") if is_package else tmp_path.joinpath(*parts).with_suffix(".py")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    found = violations_in(path)
    assert len(found) == len(expected), found
    for message, fragment in zip(found, expected):
        assert fragment in message, (message, fragment)
        assert message.startswith(str(path.relative_to(tmp_path)) + ":"), message
    if module == "cvgeo.geometry.polar":
        assert ":4:" in found[0], "the line of an import inside a function must be reported"
