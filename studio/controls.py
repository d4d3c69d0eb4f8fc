"""The side panel's controls: VASA-1's conditions (gaze, head distance, emotion) and the motion's
amounts (head motion, expressiveness, blink rate), each with its value in units and a reset.

`ControlPanel.controls()` turns them into the same `Controls` the command line takes. The studio
applies the conditions to every preview frame and regenerates the motion when an amount changes
(studio.motion_thread), so all of them act while the speech plays.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QSlider, QToolButton, QWidget

from inference.motion.controls import EMOTIONS, Controls, Curve


@dataclass(frozen=True)
class Control:
    key: str
    label: str
    lo: float
    hi: float
    default: float
    unit: str  # "°", "x" (a factor), "%" (a share, 1 = 100 %), "/min"
    step: float = 0.01
    tip: str = ""

    def text(self, v: float) -> str:
        if self.unit == "°":
            return f"{v:+.0f}°"
        if self.unit == "x":
            return f"{v:.2f}×"
        if self.unit == "/min":
            return f"{v:.0f} /min"
        return f"{v * 100:.0f} %"


GROUPS = {
    "Gaze": (
        Control("gazeYaw", "Left / right", -20, 20, 0, "°", 1, "Where the eyes look, degrees; + is to the image's right"),
        Control("gazePitch", "Down / up", -12, 12, 0, "°", 1, "Where the eyes look, degrees; + is up"),
    ),
    "Head": (
        Control("headDistance", "Distance", 0.8, 1.25, 1.0, "x",
                tip="How near the head comes: 1.2× shows the face 20 % larger, 0.8× 20 % smaller"),
        Control("motionScale", "Motion", 0, 2, 1, "%", tip="How much the head nods, sways and turns while speaking"),
    ),
    "Expression": (
        Control("emotionStrength", "Strength", 0, 1, 0.6, "%", tip="How strongly the chosen emotion shows"),
        Control("expressiveness", "Expressiveness", 0, 2, 1, "%", tip="How far the lips and brows move with the speech"),
        Control("blinkRate", "Blinks", 0, 40, 17, "/min", 1, "Blinks per minute on average (people blink 15–20)"),
    ),
}
CONTROLS = tuple(c for group in GROUPS.values() for c in group)
DEFAULT_EMOTION = "neutral"
SETTLE_MS = 400  # a drag (or key presses) with no pause this long is one undo step


class ChangeControls(QUndoCommand):
    """One undo step: the panel's values before and after a change."""

    def __init__(self, panel: "ControlPanel", before: dict, after: dict):
        super().__init__("Change " + ", ".join(panel.label_of(k) for k in after if before.get(k) != after[k]))
        self._panel, self._before, self._after = panel, before, after

    def undo(self) -> None:
        self._panel.restore(self._before)

    def redo(self) -> None:
        self._panel.restore(self._after)


class ControlPanel(QWidget):
    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._grid = QGridLayout(self)
        self._grid.setColumnStretch(1, 1)
        self._grid.setVerticalSpacing(4)
        self._sliders: dict[str, tuple[Control, QSlider, QLabel]] = {}
        for title, group in GROUPS.items():
            self._add_heading(title)
            if title == "Expression":
                self._add_emotion_row()
            for c in group:
                self._add_slider_row(c)
        self.undo_stack = QUndoStack(self)
        self._committed = self.values()  # the values the last undo step ended on
        self._restoring = False
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self.commit)
        self.changed.connect(self._note_change)

    # ------------------------------------------------------------ building

    def _add_heading(self, title: str) -> None:
        heading = QLabel(title)
        heading.setStyleSheet("font-weight: 600; color: #8b8f96; padding-top: 6px;")
        self._grid.addWidget(heading, self._grid.rowCount(), 0, 1, 4)

    def _add_row(self, label: str, editor: QWidget, value: QLabel | None, reset: QToolButton) -> None:
        row = self._grid.rowCount()
        self._grid.addWidget(QLabel(label), row, 0)
        self._grid.addWidget(editor, row, 1)
        if value is not None:
            self._grid.addWidget(value, row, 2)
        self._grid.addWidget(reset, row, 3)

    def _reset_button(self, key: str, what: str, on_click) -> QToolButton:
        reset = QToolButton()
        reset.setText("↺")
        reset.setToolTip(f"Reset {what}")
        reset.setObjectName(f"reset_{key}")
        reset.clicked.connect(lambda _=False: on_click())
        return reset

    def _add_slider_row(self, c: Control) -> None:
        slider = QSlider(Qt.Orientation.Horizontal)
        slider.setObjectName(f"slider_{c.key}")
        slider.setRange(round(c.lo / c.step), round(c.hi / c.step))
        slider.setValue(round(c.default / c.step))
        slider.setToolTip(c.tip)
        value = QLabel(c.text(c.default))
        value.setMinimumWidth(56)
        value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        slider.valueChanged.connect(lambda _v, key=c.key: self._on_change(key))
        reset = self._reset_button(c.key, c.label.lower(), lambda key=c.key: self.set_value(key, self._sliders[key][0].default))
        self._add_row(c.label, slider, value, reset)
        self._sliders[c.key] = (c, slider, value)

    def _add_emotion_row(self) -> None:
        self.emotion_box = QComboBox()
        self.emotion_box.setObjectName("emotion")
        self.emotion_box.addItems([name.capitalize() for name in EMOTIONS])
        self.emotion_box.setToolTip("An emotion laid over the speech; its strength is set below")
        self.emotion_box.currentIndexChanged.connect(lambda _i: self.changed.emit())
        reset = self._reset_button("emotion", "emotion", lambda: self.set_emotion(DEFAULT_EMOTION))
        self._add_row("Emotion", self.emotion_box, None, reset)

    def _on_change(self, key: str) -> None:
        c, slider, label = self._sliders[key]
        label.setText(c.text(slider.value() * c.step))
        self.changed.emit()

    # ------------------------------------------------------------ values

    def values(self) -> dict[str, "float | str"]:
        """Every control's value (numbers in the units shown, `emotion` by name): what is saved."""
        values: dict[str, float | str] = {k: s.value() * c.step for k, (c, s, _) in self._sliders.items()}
        values["emotion"] = self.emotion()
        return values

    def emotion(self) -> str:
        return list(EMOTIONS)[self.emotion_box.currentIndex()]

    def controls(self) -> Controls:
        v = self.values()
        return Controls(gaze_yaw=Curve.constant(v["gazeYaw"]), gaze_pitch=Curve.constant(v["gazePitch"]),
                        distance=Curve.constant(v["headDistance"]), emotion=self.emotion(),
                        emotion_strength=Curve.constant(v["emotionStrength"]), motion_scale=v["motionScale"],
                        expressiveness=v["expressiveness"], blink_rate=v["blinkRate"])

    def set_value(self, key: str, value: float) -> None:
        c, slider, _ = self._sliders[key]
        slider.setValue(round(value / c.step))

    def reset_all(self) -> None:
        """Every control back to its default, as one undo step."""
        self.commit()
        self.set_values({**{c.key: c.default for c in CONTROLS}, "emotion": DEFAULT_EMOTION})
        self.commit()

    def set_emotion(self, name: str) -> None:
        if name in EMOTIONS:
            self.emotion_box.setCurrentIndex(list(EMOTIONS).index(name))

    def set_values(self, values: dict) -> None:
        """Restore saved values; unknown keys and wrong types (an older version's) are ignored."""
        for k, v in values.items():
            if k == "emotion" and isinstance(v, str):
                self.set_emotion(v)
            elif k in self._sliders and isinstance(v, (int, float)):
                self.set_value(k, float(v))

    def slider(self, key: str) -> QSlider:
        return self._sliders[key][1]

    def label_of(self, key: str) -> str:
        return "emotion" if key == "emotion" else self._sliders[key][0].label.lower()

    # ------------------------------------------------------------ undo

    def _note_change(self) -> None:
        if not self._restoring:
            self._settle.start()  # restarts while the slider keeps moving

    def commit(self) -> None:
        """Make the changes since the last step one undo step (called once a change settles)."""
        self._settle.stop()
        now = self.values()
        if now != self._committed:
            before, self._committed = self._committed, now
            self._restoring = True  # pushing runs redo(), which sets what is already set
            self.undo_stack.push(ChangeControls(self, before, now))
            self._restoring = False

    def restore(self, values: dict) -> None:
        """Set values from an undo step without recording a new one."""
        self._restoring = True
        try:
            self.set_values(values)
        finally:
            self._restoring = False
        self._committed = self.values()

    def reset_history(self) -> None:
        """Forget the undo steps, e.g. after restoring the saved values at start-up."""
        self._settle.stop()
        self.undo_stack.clear()
        self._committed = self.values()
