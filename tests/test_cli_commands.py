"""A run registers only the command it names (the dashboard's cold start), and nothing is lost by it."""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer

from finops.cli import COMMANDS, build_app, commands_for


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], ("dashboard",)),  # `finops` alone opens the dashboard
        (["-v"], ("dashboard",)),
        (["--data-dir", "sync"], ("dashboard",)),  # a root option's value is not a command
        (["--config=finops.toml", "report", "monthly"], ("report",)),
        (["--data-dir", "/tmp/x", "-v", "sync", "--help"], ("sync",)),  # the command's own help
        (["--help"], COMMANDS),  # the root help lists every command
        (["synk"], COMMANDS),  # a misspelling is answered with what exists
    ],
)
def test_commands_for_picks_the_named_command(argv: list[str], expected: tuple[str, ...]) -> None:
    assert commands_for(argv) == expected


@pytest.mark.parametrize("name", COMMANDS)
def test_each_module_registers_the_command_of_its_name(name: str) -> None:
    group = typer.main.get_command(build_app((name,)))
    assert isinstance(group, typer.core.TyperGroup)
    assert set(group.list_commands(typer.Context(group))) == {name}


def test_the_whole_app_has_every_command() -> None:
    group = typer.main.get_command(build_app())
    assert isinstance(group, typer.core.TyperGroup)
    assert set(group.list_commands(typer.Context(group))) == set(COMMANDS)


def test_help_and_a_misspelt_command_through_the_entry_point() -> None:
    run = lambda *args: subprocess.run([sys.executable, "-c", "from finops.cli import main; main()", *args],  # noqa: E731
                                       capture_output=True, text=True, timeout=60)
    helped = run("--help")
    assert helped.returncode == 0
    assert all(name in helped.stdout for name in COMMANDS)
    wrong = run("synk")
    assert wrong.returncode == 2 and "synk" in wrong.stderr
