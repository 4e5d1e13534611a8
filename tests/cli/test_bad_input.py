"""Random command lines never crash: every one exits 0, or 2 with one line on stderr."""

from hypothesis import given
from hypothesis import strategies as st

from depthsep.cli import main
from fuzzing import FUZZ, texty


def _one_line_or_ok(code: int, err: str) -> None:
    assert code in (0, 2), err
    if code == 2:
        assert err.endswith("\n") and err.count("\n") == 1 and "Traceback" not in err, err


COMMANDS = ["poly", "bounds", "tree", "advise", "activation", "sweep", "runs", "figure2", "plot",
            "verify", "build", "converge", "doctor", "atlas", "nope", ""]
OPTIONS = ["--json", "--layers", "--widths", "--seeds", "--max-width", "--point", "--degree",
           "--poly", "--target", "--steps", "--radius", "--store", "--backend", "--address",
           "--epsilon", "--model", "--activation", "--out", "--csv", "--quick", "-x", "--"]
small_ints = st.integers(-3, 12).map(str)


@FUZZ
@given(st.sampled_from(COMMANDS),
       st.lists(st.one_of(st.sampled_from(OPTIONS), small_ints, texty), max_size=6))
def test_random_command_lines_exit_0_or_2_with_one_line(tmp_path_factory, capsys, command, rest):
    nowhere = str(tmp_path_factory.getbasetemp() / "no" / "such" / "dir")
    # Anything that could write or train is pointed at a directory that does not exist.
    argv = [command, *rest]
    if command in ("sweep", "runs", "figure2", "plot", "build", "converge", "verify", "atlas"):
        argv += ["--store", f"{nowhere}/runs.db", "--out", f"{nowhere}/out.png"]
    try:
        code = main([a for a in argv if a])
    except SystemExit as exit_:                       # --help / --version
        code = exit_.code or 0
    _one_line_or_ok(code, capsys.readouterr().err)
