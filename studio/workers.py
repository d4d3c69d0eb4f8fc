"""Long jobs off the GUI thread: one QThread per job, results and errors delivered as signals.

Each job carries an id; a result for a job that has since been replaced is dropped, so a slow
analysis of an old photo can never overwrite a newer one.
"""

from __future__ import annotations

import traceback
import weakref
from typing import Any, Callable

from PySide6.QtCore import QThread, Signal

from inference.errors import InputError


LIVE_JOBS: "weakref.WeakSet[Job]" = weakref.WeakSet()  # tests check none is left running


class Job(QThread):
    succeeded = Signal(int, object)  # job id, result
    failed = Signal(int, str)  # job id, message for the user

    def __init__(self, job_id: int, fn: Callable[[], Any], parent=None):
        super().__init__(parent)
        self.job_id = job_id
        self._fn = fn
        LIVE_JOBS.add(self)

    def run(self) -> None:
        try:
            result = self._fn()
        except InputError as e:
            self.failed.emit(self.job_id, str(e))
        except Exception as e:  # a bug: say so plainly, keep the trace for the log
            traceback.print_exc()
            self.failed.emit(self.job_id, f"Unexpected error ({type(e).__name__}: {e}). Details were written to the log.")
        else:
            self.succeeded.emit(self.job_id, result)
