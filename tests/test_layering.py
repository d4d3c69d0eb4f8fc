"""inference/ is the Qt-free core: nothing in it may import PySide6 or the studio package."""

import ast
import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "inference"
FORBIDDEN = ("PySide6", "studio", "PyQt5", "PyQt6", "pyqtgraph")


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_core_module_imports_qt_or_studio():
    offenders = {str(p.relative_to(CORE)): sorted(imported_roots(p) & set(FORBIDDEN)) for p in CORE.rglob("*.py")}
    assert not {k: v for k, v in offenders.items() if v}


def test_importing_every_core_module_loads_no_qt():
    modules = [".".join(p.relative_to(CORE.parent).with_suffix("").parts) for p in CORE.rglob("*.py")]
    modules = [m.removesuffix(".__init__") for m in modules]
    code = "import importlib, sys\n" + "".join(f"importlib.import_module({m!r})\n" for m in modules)
    code += "bad = [m for m in sys.modules if m.split('.')[0] in %r]\nprint(bad)\nassert not bad, bad\n" % (FORBIDDEN,)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=CORE.parent)
    assert result.returncode == 0, result.stdout + result.stderr
