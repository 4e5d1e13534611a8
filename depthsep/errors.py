"""The one exception type a user ever sees.

Anything wrong with what the user asked for — a malformed polynomial, an activation that cannot do
the job, a missing file — raises :class:`DepthsepError` with a single line that names the problem.
The CLI prints that line on stderr and exits with status 2; the Python API lets it propagate.
"""


class DepthsepError(ValueError):
    """A bad input, described in one line (no traceback is shown for it)."""

    def __init__(self, message: str):
        # One line, always: the CLI contract is "exit 2 and one clear line on stderr".
        super().__init__(" ".join(str(message).split()))
