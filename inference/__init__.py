"""Qt-free core of Avatar Studio: face analysis, audio, motion, rendering and export.

Nothing under this package may import PySide6 or `studio`; tests/test_layering.py enforces it.
"""
