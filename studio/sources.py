"""Where the speech comes from: a file, a typed script (spoken by the bundled synthesiser), or a
recording from the microphone. One tab each; every source ends in the same place, the studio's
speech, which the face then follows."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QPushButton, QTabWidget, QVBoxLayout, QWidget

from inference.audio.tts import MAX_CHARS
from studio.microphone import MicrophonePanel

SAMPLE_SCRIPT = "Hello! I am a photograph, and now I can talk. Type anything here and press Speak."


class SpeechSources(QTabWidget):
    open_file_requested = Signal()
    speak_requested = Signal(str)  # the script's text
    recorded = Signal(object)  # Path of a finished microphone recording

    def __init__(self, recordings: Path, parent=None):
        super().__init__(parent)
        self.addTab(self._file_tab(), "File")
        self.addTab(self._script_tab(), "Script")
        self.microphone = MicrophonePanel(recordings)
        self.microphone.recorded.connect(self.recorded)
        self.addTab(self.microphone, "Microphone")

    def _file_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        button = QPushButton("Open audio or video…")
        button.clicked.connect(self.open_file_requested)
        hint = QLabel("WAV, FLAC, MP3, M4A, OGG or a video's sound. You can also drop a file on the window.")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #8b8f96;")
        layout.addWidget(button)
        layout.addWidget(hint)
        layout.addStretch(1)
        return tab

    def _script_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        self.script = QPlainTextEdit(SAMPLE_SCRIPT)
        self.script.setObjectName("script")
        self.script.setFixedHeight(72)
        self.speak_button = QPushButton("Speak")
        self.speak_button.setObjectName("speak")
        self.speak_button.setToolTip(f"Speak the text with the built-in voice (up to {MAX_CHARS:,} characters)")
        self.speak_button.clicked.connect(lambda: self.speak_requested.emit(self.script.toPlainText()))
        layout.addWidget(self.script)
        layout.addWidget(self.speak_button)
        return tab
