"""Export to video from the studio: a dialog for the settings, a child process that renders,
progress with time left, and cancel that leaves no partial file (render_video writes to a
temporary file and renames it only when complete).

The export runs in a process of its own (inference.export.job): on a thread it held the GIL
through most of each frame and stalled the window. The export renders exactly what the preview
showed: the same speech, the motion regenerated at the export's frame rate with the panel's
amounts, and the panel's gaze, distance and emotion applied to every frame.
"""

from __future__ import annotations

import multiprocessing
import queue
import time
from pathlib import Path

from PySide6.QtCore import QThread, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QLabel, QLineEdit, QMessageBox, QProgressBar, QPushButton, QVBoxLayout, QWidget)

from inference.errors import InputError, checked_output
from inference.export.job import ExportSettings, run_export
from inference.motion.controls import Controls
from inference.motion.from_speech import Speech
from studio.workers import LIVE_JOBS

SIZES = (256, 384, 512, 640, 768, 1024)
FRAME_RATES = (25, 30, 60)
FRAMINGS = {"portrait": "Portrait (square, head and shoulders)", "full": "Whole photo"}
POLL_S = 0.1  # how often the watcher looks whether the child died without a word


class ExportJob(QThread):
    """Starts the export's child process and relays its messages as signals."""

    stage = Signal(str)  # what it is doing, for the dialog
    progress = Signal(int, int)  # frames done, frames in all
    succeeded = Signal(object, int)  # the finished file's Path, frames written
    cancelled = Signal()
    failed = Signal(str)

    def __init__(self, portrait: Path, speech: Speech, controls: Controls, settings: ExportSettings, parent=None):
        super().__init__(parent)
        self.portrait, self.speech, self.controls, self.settings = portrait, speech, controls, settings
        # spawn, not fork: a forked copy of a Qt process with GL contexts and threads is unsafe.
        self._mp = multiprocessing.get_context("spawn")
        self._cancel = self._mp.Event()
        LIVE_JOBS.add(self)

    def cancel(self) -> None:
        self._cancel.set()

    def run(self) -> None:
        self.stage.emit("Starting…")
        messages = self._mp.Queue()
        child = self._mp.Process(target=run_export, name="avatar-studio-export", daemon=True,
                                 args=(self.portrait, self.speech, self.controls, self.settings, messages, self._cancel))
        child.start()
        try:
            ending = self._relay(messages, child)
        finally:
            child.join(10)
            if child.is_alive():
                child.kill()
                child.join()
        ending()  # only now: the window waits on this thread when it ends, never on the child's exit

    def _relay(self, messages, child):
        """Pass on stages and progress; returns the call that reports how it ended."""
        while True:
            try:
                kind, *rest = messages.get(timeout=POLL_S)
            except queue.Empty:
                if not child.is_alive():
                    return lambda: self.failed.emit(f"The export stopped unexpectedly (exit code {child.exitcode}). "
                                                    "Details were written to the log.")
                continue
            if kind == "stage":
                self.stage.emit(rest[0])
            elif kind == "progress":
                self.progress.emit(*rest)
            elif kind == "done":
                return lambda: self.succeeded.emit(self.settings.path, rest[0])
            elif kind == "cancelled":
                return self.cancelled.emit
            else:
                return lambda: self.failed.emit(rest[0])


def time_left(done: int, total: int, elapsed_s: float) -> str:
    """'about 12 s left' from the rate so far; empty until a few frames have given a rate."""
    if done < 5 or elapsed_s <= 0 or total <= done:
        return ""
    seconds = (total - done) * elapsed_s / done
    if seconds >= 90:
        return f"about {seconds / 60:.0f} min left"
    return f"about {max(1, round(seconds))} s left"


class ExportDialog(QDialog):
    """Settings, then progress. Not modal: the studio stays usable while it exports."""

    finished_export = Signal(object)  # Path of a finished video

    def __init__(self, portrait: Path, speech: Speech, controls: Controls, suggested: Path, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Export video")
        self.setMinimumWidth(460)
        self.portrait, self.speech, self.controls = portrait, speech, controls
        self.job: ExportJob | None = None
        self._started = 0.0
        self._build(suggested)

    # ------------------------------------------------------------ layout

    def _build(self, suggested: Path) -> None:
        self.path_edit = QLineEdit(str(suggested))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(browse)
        self.size_box = QComboBox()
        self.size_box.addItems([f"{s} px" for s in SIZES])
        self.size_box.setCurrentIndex(SIZES.index(512))
        self.fps_box = QComboBox()
        self.fps_box.addItems([f"{f} fps" for f in FRAME_RATES])
        self.framing_box = QComboBox()
        self.framing_box.addItems(list(FRAMINGS.values()))
        self.watermark_box = QCheckBox("Mark the video visibly as AI-generated")
        self.watermark_box.setChecked(True)
        self.watermark_box.setToolTip("A small label in the corner. The file's metadata says it is synthetic either way.")

        self.settings_form = QWidget()
        form = QFormLayout(self.settings_form)
        form.addRow("File", file_row)
        form.addRow("Size", self.size_box)
        form.addRow("Frame rate", self.fps_box)
        form.addRow("Framing", self.framing_box)
        form.addRow("", self.watermark_box)
        form.addRow("Length", QLabel(f"{self.speech.duration:.1f} s of speech ({self.speech.name})"))

        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.stage_label = QLabel("")
        self.left_label = QLabel("")
        self.progress_bar.hide()

        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setObjectName("export")
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.export_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel_or_close)

        layout = QVBoxLayout(self)
        layout.addWidget(self.settings_form)
        layout.addWidget(self.progress_bar)
        status = QHBoxLayout()
        status.addWidget(self.stage_label, 1)
        status.addWidget(self.left_label)
        layout.addLayout(status)
        layout.addWidget(self.buttons)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export video", self.path_edit.text(), "MP4 video (*.mp4)")
        if path:
            self.path_edit.setText(path if path.lower().endswith(".mp4") else path + ".mp4")

    def settings(self) -> ExportSettings:
        return ExportSettings(Path(self.path_edit.text()).expanduser(), SIZES[self.size_box.currentIndex()],
                              FRAME_RATES[self.fps_box.currentIndex()], list(FRAMINGS)[self.framing_box.currentIndex()],
                              self.watermark_box.isChecked())

    # ------------------------------------------------------------ running

    def start(self) -> None:
        s = self.settings()
        try:
            checked_output(s.path, ".mp4")
        except InputError as e:
            QMessageBox.warning(self, "Export video", f"{str(e)[0].upper()}{str(e)[1:]}.")
            return
        if s.path.exists() and QMessageBox.question(self, "Export video", f"{s.path.name} exists. Replace it?") \
                != QMessageBox.StandardButton.Yes:
            return
        self.job = ExportJob(self.portrait, self.speech, self.controls, s, self)
        self.job.stage.connect(self.stage_label.setText)
        self.job.progress.connect(self._on_progress)
        self.job.succeeded.connect(self._on_done)
        self.job.cancelled.connect(lambda: self._on_end("Cancelled; no file was written."))
        self.job.failed.connect(self._on_failed)
        self.settings_form.setEnabled(False)
        self.export_button.setEnabled(False)
        self.progress_bar.setRange(0, 0)  # busy until the first frame gives a count
        self.progress_bar.show()
        self._started = time.monotonic()
        self.job.start()

    @property
    def running(self) -> bool:
        return self.job is not None and self.job.isRunning()

    def cancel_or_close(self) -> None:
        if self.running:
            self.stage_label.setText("Cancelling…")
            self.job.cancel()
        else:
            self.reject()

    def _on_progress(self, done: int, total: int) -> None:
        if done == 1:
            self._started = time.monotonic()  # the rate counts rendering, not the preparation
        self.progress_bar.setRange(0, total)
        self.progress_bar.setValue(done)
        self.left_label.setText(time_left(done - 1, total - 1, time.monotonic() - self._started))

    def _on_done(self, path: Path, frames: int) -> None:
        self._on_end(f"Saved {path.name} ({frames} frames).")
        self.progress_bar.setValue(self.progress_bar.maximum())
        self.finished_export.emit(path)

    def _on_failed(self, message: str) -> None:
        self._on_end("Export failed.")
        QMessageBox.warning(self, "Export video", message)

    def _on_end(self, message: str) -> None:
        self.job.wait()
        self.stage_label.setText(message)
        self.left_label.setText("")
        self.settings_form.setEnabled(True)
        self.export_button.setEnabled(True)
        self.export_button.setText("Export again")
        self.cancel_button.setText("Close")
        if self.progress_bar.maximum() == 0:
            self.progress_bar.setRange(0, 1)

    def closeEvent(self, event) -> None:
        if self.running:  # closing the window cancels, and waits so no thread outlives it
            self.job.cancel()
            self.job.wait()
        super().closeEvent(event)

    def reject(self) -> None:
        if self.running:
            self.cancel_or_close()
            return
        super().reject()

