"""The ``nearhit`` command line: one sub-module per command group, registered here."""

from __future__ import annotations

import click

from nearhit import __version__


def _version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """The version, and which build of the guards runs (compiled by mypyc, or pure Python and why)."""
    if not value or ctx.resilient_parsing:
        return
    from nearhit.guards import BUILD

    click.echo(f"nearhit, version {__version__}\nguards: {BUILD}")
    ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_version,
    help="Show the version and which build of the guards runs, then exit.",
)
def main() -> None:
    """nearhit: a semantic cache for LLM applications on Redis.

    Runs offline by default (local embedder, simulated LLM, embedded Redis). Set REDIS_URL,
    OPENAI_API_KEY or the AZURE_OPENAI_* variables to use real services, and
    NEARHIT_EMBEDDER=local-multilingual (pip install 'nearhit[multilingual]') for an offline embedder
    that reads 16 languages.
    """


def _register() -> None:
    from nearhit.cli import cache_cmd, calc_cmd, eval_cmd, redis_cmd, serve_cmd

    commands = (serve_cmd.serve, redis_cmd.redis, cache_cmd.cache, calc_cmd.calc, eval_cmd.eval_, eval_cmd.calibrate)
    for command in commands:
        main.add_command(command)


_register()
