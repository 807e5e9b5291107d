from pathlib import Path

import pytest
from click.testing import CliRunner

import wfmcore.errors
from web.cli import cli


def test_help_lists_verbs() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "contact-wfm" in result.output
    for name, command in cli.commands.items():
        assert name in result.output
        # no verb may exist that does nothing: each documents itself
        assert command.help, f"verb {name} has no help text"


@pytest.mark.parametrize(
    "error",
    [
        wfmcore.errors.InputError("cannot read 'x' as a number", file="f.csv", row=2, column="n"),
        wfmcore.errors.ConfigError("unknown time zone 'Mars/Olympus'"),
    ],
    ids=["input", "config"],
)
def test_kernel_errors_print_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    import web.cli._staff

    def fail(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(web.cli._staff, "load_targets", fail)
    result = CliRunner().invoke(
        cli, ["staff", "f.csv", "--targets", "t.toml", "-o", str(tmp_path / "r.csv")]
    )
    assert result.exit_code == 2
    assert result.output == f"error: {error}\n"
