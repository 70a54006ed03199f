"""The ``photogenic`` command: groups from the DESIGN's CLI surface, one-line errors."""

from __future__ import annotations

import sys

import click

from photogenic import __version__
from photogenic.errors import PhotogenicError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="photogenic")
def cli() -> None:
    """photogenic: find the photogenic needles, quality-tune on them, prove it with win rates."""


def _register() -> None:
    from photogenic.cli import ae, curate, data, demo, train, world
    from photogenic.cli.annotate import annotate
    from photogenic.cli.eval import eval_
    from photogenic.cli.merge import merge
    from photogenic.cli.sample import sample

    cli.add_command(world.world)
    cli.add_command(curate.curate)
    cli.add_command(data.data)
    cli.add_command(demo.demo)
    cli.add_command(train.train)
    cli.add_command(merge)
    cli.add_command(sample)
    cli.add_command(eval_)
    cli.add_command(ae.ae)
    cli.add_command(annotate)


_register()


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; user errors print one line to stderr and exit non-zero."""
    try:
        cli.main(args=argv, prog_name="photogenic", standalone_mode=False)
    except PhotogenicError as exc:
        click.echo(f"error: {exc}", err=True)
        return 2
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except KeyboardInterrupt:
        click.echo("interrupted; rerun the same command to resume", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except OSError as exc:
        click.echo(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), err=True)
        return 1
    finally:
        end_process_group()
    return 0


def end_process_group() -> None:
    """Destroy the process group a multi-process launch (``accelerate launch``, ``torchrun``) set up,
    once this process's work is done: a process that exits with it alive may abort. Nothing
    happens where torch was never imported or no group exists."""
    distributed = sys.modules.get("torch.distributed")
    if distributed is not None and distributed.is_available() and distributed.is_initialized():
        distributed.destroy_process_group()


if __name__ == "__main__":
    sys.exit(main())
