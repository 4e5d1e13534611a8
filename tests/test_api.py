"""The Python API (`import depthsep`): its functions return their results and print nothing."""


def test_api_functions_do_not_print(capsys, tmp_path):
    import depthsep

    depthsep.bounds("x1*x2")
    depthsep.tree(8, layers=2)
    depthsep.advise(1000, max_width=1024)
    assert capsys.readouterr() == ("", "")
