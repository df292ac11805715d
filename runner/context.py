"""What every `sop` command shares: the Engine built from the global options, the instance-id type, and the one
place where engine errors become messages and exit codes (1 refused, 2 usage, 130 interrupted)."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, NoReturn

import click

from .render import message

if TYPE_CHECKING:
    from engine import Engine

EXIT_REFUSED = 1
EXIT_INTERRUPTED = 130
INSTANCE_ID = click.IntRange(1, 2**63 - 1)


class SopGroup(click.Group):
    """A click group that turns every engine error into `Error: ...` on stderr and exit 1, and imports a command's
    module only when that command runs (or help lists it): `sop tasks` loads none of the other commands."""

    def __init__(self, *args: Any, lazy: dict[str, tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})  # command name -> (module, attribute)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            from importlib import import_module

            module, attribute = self.lazy[cmd_name]
            self.add_command(getattr(import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        import gc

        from engine import EngineError

        gc.freeze()  # what start-up made lives until exit: the collector need not look at it again
        gc.enable()

        try:
            return super().invoke(ctx)
        except EngineError as exc:
            _refuse(str(exc))
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except BrokenPipeError:  # `sop tasks | head`: the reader has gone; what was asked is done
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise SystemExit(0) from None
        except KeyboardInterrupt:
            message("Interrupted: the command in progress was rolled back; what was already reported done stays done.")
            raise SystemExit(EXIT_INTERRUPTED) from None
        except Exception as exc:  # the last line of defence: a message, not a traceback
            if os.environ.get("SOP_DEBUG"):
                raise
            _refuse(f"internal error: {type(exc).__name__}: {exc} (run with SOP_DEBUG=1 for the traceback)")


def _refuse(text: str) -> NoReturn:
    message(f"Error: {text}")
    raise SystemExit(EXIT_REFUSED)


def engine_of(ctx: click.Context) -> Engine:
    """The Engine for the global options (imported here so `--help` stays quick)."""
    from engine import Engine, find_roles

    obj = ctx.find_root().obj
    engine = Engine(obj["db"], obj["definitions"], obj["forms"], roles=find_roles(obj["roles"], obj["definitions"]))
    ctx.call_on_close(engine.close)
    return engine
