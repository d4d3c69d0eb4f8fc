"""Errors meant for the person using the tool, not for a developer.

Raise `InputError` with a sentence that says what is wrong and what to do; the CLI prints it on one
line and exits 2, the studio shows it in a dialog. Anything else escaping is a bug.
"""


class InputError(ValueError):
    """Bad user input (an unusable photo, a malformed motion track, an unreadable file)."""
