"""The shape of a user error on stderr: one located `cnncost: error:` line, no traceback."""


def one_error_line(err: str) -> str:
    """The one error line of ``err`` (failing the test unless there is exactly one)."""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("cnncost: error: "), err
    assert "Traceback" not in err
    return lines[0]
