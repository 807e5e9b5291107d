from click.testing import CliRunner

from web.cli import cli


def test_help_lists_verbs() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "contact-wfm" in result.output
    for name, command in cli.commands.items():
        assert name in result.output
        # no verb may exist that does nothing: each documents itself
        assert command.help, f"verb {name} has no help text"
