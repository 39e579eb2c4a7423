"""The FFI stays in pyapp/backend/ (DESIGN.md, decision 6): no other module of pyapp imports
`js` or `pyodide`, at its top or inside a function, so that pyapp imports and runs under
CPython and holds no JsProxy outside the bridge."""

import ast
from pathlib import Path

PYAPP = Path(__file__).resolve().parents[2] / "pyapp"
FFI = ("js", "pyodide")


def _ffi_imports(path: Path) -> list[str]:
    """`line: statement` for each import of js or pyodide in the file (any depth)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None))
              in ("import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant)):
            names = [str(node.args[0].value)]
        else:
            continue
        if any(name.split(".")[0] in FFI for name in names):
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def test_only_the_backend_imports_js_or_pyodide():
    offenders = {str(path.relative_to(PYAPP.parent)): imports for path in sorted(PYAPP.rglob("*.py"))
                 if "backend" not in path.relative_to(PYAPP).parts[:1] and (imports := _ffi_imports(path))}
    assert offenders == {}


def test_the_check_sees_imports_inside_functions(tmp_path):
    module = tmp_path / "lazy.py"
    module.write_text("def f():\n    from pyodide.ffi import JsException\n    import js.foo\n"
                      "    return importlib.import_module('js')\n")
    assert _ffi_imports(module) == ["2: from pyodide.ffi import JsException", "3: import js.foo",
                                    "4: importlib.import_module('js')"]
