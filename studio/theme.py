"""A dark Fusion theme: a creative tool's chrome should recede around the picture, and the
timeline's plots are dark too."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

WINDOW = "#232326"
BASE = "#1c1c1f"
TEXT = "#e3e3e6"
MUTED = "#8b8f96"
ACCENT = "#e8913a"  # the playhead's orange, also the selection colour


def apply_dark_theme(app: QApplication) -> None:
    app.setStyle("Fusion")
    p = QPalette()
    roles = QPalette.ColorRole
    for role, colour in ((roles.Window, WINDOW), (roles.WindowText, TEXT), (roles.Base, BASE),
                         (roles.AlternateBase, WINDOW), (roles.ToolTipBase, "#2c2c30"), (roles.ToolTipText, TEXT),
                         (roles.Text, TEXT), (roles.Button, "#2e2e32"), (roles.ButtonText, TEXT),
                         (roles.BrightText, "#ffffff"), (roles.Highlight, ACCENT), (roles.HighlightedText, "#111111"),
                         (roles.Link, ACCENT), (roles.PlaceholderText, MUTED), (roles.Mid, "#3a3a3f"),
                         (roles.Dark, "#151517"), (roles.Light, "#3f3f44")):
        p.setColor(role, QColor(colour))
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6b6e74"))
    app.setPalette(p)
