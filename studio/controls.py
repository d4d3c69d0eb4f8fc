"""The side panel's sliders: each maps to motion channels, shows its value with units, resets.

Slider values are offsets on top of the speech-driven motion (gaze adds degrees, head distance
multiplies, expression adds blendshape weight), applied on every preview frame while playing.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QSlider, QToolButton, QWidget

from inference.motion import MotionFrame


@dataclass(frozen=True)
class Control:
    key: str
    label: str
    lo: float
    hi: float
    default: float
    unit: str
    step: float = 0.01

    def text(self, v: float) -> str:
        if self.unit == "°":
            return f"{v:+.0f}°"
        if self.unit == "x":
            return f"{v:.2f}×"
        return f"{v * 100:.0f} %"


CONTROLS = (
    Control("gazeYaw", "Gaze left / right", -20, 20, 0, "°", 1),
    Control("gazePitch", "Gaze down / up", -12, 12, 0, "°", 1),
    Control("headDistance", "Head distance", 0.8, 1.25, 1.0, "x"),
    Control("headYaw", "Head turn", -15, 15, 0, "°", 1),
    Control("headPitch", "Head nod", -10, 10, 0, "°", 1),
    Control("headRoll", "Head tilt", -15, 15, 0, "°", 1),
    Control("smile", "Smile", 0, 1, 0, "%"),
    Control("browInnerUp", "Brows up", 0, 1, 0, "%"),
    Control("eyeWide", "Eyes wide", 0, 1, 0, "%"),
    Control("jawOpen", "Jaw open", 0, 1, 0, "%"),
)


def apply_controls(frame: MotionFrame, values: dict[str, float]) -> MotionFrame:
    """The frame with the panel's offsets applied."""
    changes = {}
    for key in ("gazeYaw", "gazePitch", "headYaw", "headPitch", "headRoll", "browInnerUp", "jawOpen"):
        changes[key] = frame[key] + values.get(key, 0.0)
    changes["headDistance"] = frame["headDistance"] * values.get("headDistance", 1.0)
    for side in ("Left", "Right"):
        changes[f"mouthSmile{side}"] = frame[f"mouthSmile{side}"] + values.get("smile", 0.0)
        changes[f"eyeWide{side}"] = frame[f"eyeWide{side}"] + values.get("eyeWide", 0.0)
    return frame.with_values(**changes)


class ControlPanel(QWidget):
    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setColumnStretch(1, 1)
        self._sliders: dict[str, tuple[Control, QSlider, QLabel]] = {}
        for row, c in enumerate(CONTROLS):
            name = QLabel(c.label)
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setObjectName(f"slider_{c.key}")
            slider.setRange(round(c.lo / c.step), round(c.hi / c.step))
            slider.setValue(round(c.default / c.step))
            value = QLabel(c.text(c.default))
            value.setMinimumWidth(48)
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            reset = QToolButton()
            reset.setText("↺")
            reset.setToolTip(f"Reset {c.label.lower()}")
            reset.setObjectName(f"reset_{c.key}")
            slider.valueChanged.connect(lambda _v, key=c.key: self._on_change(key))
            reset.clicked.connect(lambda _=False, key=c.key: self.set_value(key, self._sliders[key][0].default))
            for col, w in enumerate((name, slider, value, reset)):
                grid.addWidget(w, row, col)
            self._sliders[c.key] = (c, slider, value)

    def _on_change(self, key: str) -> None:
        c, slider, label = self._sliders[key]
        label.setText(c.text(slider.value() * c.step))
        self.changed.emit()

    def values(self) -> dict[str, float]:
        return {k: s.value() * c.step for k, (c, s, _) in self._sliders.items()}

    def set_value(self, key: str, value: float) -> None:
        c, slider, _ = self._sliders[key]
        slider.setValue(round(value / c.step))

    def set_values(self, values: dict[str, float]) -> None:
        for k, v in values.items():
            if k in self._sliders:
                self.set_value(k, float(v))

    def slider(self, key: str) -> QSlider:
        return self._sliders[key][1]
