"""Every command's ``--help`` says what each of its options does: an option listed with its name and a default
alone ("--from FLOAT RANGE [default: 0.7]") left a new user to guess what it sets."""

from __future__ import annotations

from collections.abc import Iterator

import click

from nearhit.cli import main


def commands(command: click.Command, path: str = "nearhit") -> Iterator[tuple[str, click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from commands(sub, f"{path} {name}")


def test_every_command_and_option_says_what_it_does() -> None:
    silent = [path for path, command in commands(main) if not command.help]
    silent += [
        f"{path} {'/'.join(option.opts)}"
        for path, command in commands(main)
        for option in command.params
        if isinstance(option, click.Option) and option.name != "help" and not option.help
    ]
    assert not silent, f"--help says nothing of: {silent}"
