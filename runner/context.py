"""What every `sop` command shares: the Engine built from the global options, the instance-id type, and the one
place where engine errors become messages and exit codes (1 refused, 2 usage, 130 interrupted)."""

from __future__ import annotations

import itertools
import os
import sys
from typing import TYPE_CHECKING, Any, NoReturn

import click

from .render import message
from .words import N_

if TYPE_CHECKING:
    from engine import Engine

EXIT_REFUSED = 1
EXIT_INTERRUPTED = 130


class InstanceNumber(click.IntRange):
    """An instance id (1 and up); the shell completes it from the store's instances."""

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
        from click.shell_completion import CompletionItem

        engine = _quiet_engine(ctx)
        if engine is None:
            return []
        try:
            return [CompletionItem(str(i.instance), help=f"{i.process} ({i.status})") for i in engine.instances.find()
                    if str(i.instance).startswith(incomplete)]
        except Exception:  # completion never prints an error into the shell
            return []
        finally:
            engine.close()


INSTANCE_ID = InstanceNumber(1, 2**63 - 1)


def complete_process(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Process ids of the definitions folder, for the shell."""
    from click.shell_completion import CompletionItem

    engine = _quiet_engine(ctx)
    if engine is None:
        return []
    try:
        found = engine.processes.runnable()[0]
        return [CompletionItem(p.id, help=p.name) for p in found if p.id.startswith(incomplete)]
    except Exception:
        return []
    finally:
        engine.close()


def complete_task(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """The ready tasks of the instance already typed (or, with --process, that process's steps), for the shell."""
    from click.shell_completion import CompletionItem

    engine = _quiet_engine(ctx)
    if engine is None:
        return []
    try:
        process = ctx.params.get("process_id")
        if process:
            definition = engine.processes.catalog().get(process)
            return [CompletionItem(s.bpmn_id, help=s.name) for s in definition.steps
                    if s.bpmn_id.startswith(incomplete)]
        instance = ctx.params.get("instance")
        if instance is None or not str(instance).isdigit():
            return []
        return [CompletionItem(t.task, help=t.name) for t in engine.instance(int(instance)).tasks()
                if t.task.startswith(incomplete)]
    except Exception:
        return []
    finally:
        engine.close()


def _quiet_engine(ctx: click.Context) -> Engine | None:
    """An Engine for the global options as typed so far, or None when they name nothing usable."""
    return _engine_for(ctx.find_root().params)


def _engine_for(options: dict[str, Any]) -> Engine | None:
    try:
        from engine import Engine, find_roles

        definitions = options.get("definitions_dir") or "./definitions"
        return Engine(options.get("db") or "./sop.db", definitions_dir=definitions,
                      forms_dir=options.get("forms_dir") or "./forms", roles=find_roles(options.get("roles_file"),
                                                                                         definitions))
    except Exception:
        return None


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
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            speak_language(command, dict(_HELP_OPTIONS) if _HELP_OPTIONS else None)
        return command

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        if parent is None:
            _HELP_OPTIONS.clear()  # one command line at a time (tests run many in one process)
            _VALUES.clear()
            if any(arg in ("--help", "-h") for arg in args):
                _option = {"--definitions": "definitions_dir", "--forms": "forms_dir", "--db": "db"}
                typed = {_option[a]: b for a, b in itertools.pairwise(args) if a in _option}
                _HELP_OPTIONS.update({"definitions_dir": os.environ.get("SOP_DEFINITIONS"),
                                      "forms_dir": os.environ.get("SOP_FORMS"), "db": os.environ.get("SOP_DB"),
                                      **typed})
            speak_language(self, dict(_HELP_OPTIONS) if _HELP_OPTIONS else None)
        return super().make_context(info_name, args, parent, **extra)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["sop.args"] = list(args)  # the command line as given: does it ask for --json?
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        import gc

        from engine import EngineError

        gc.freeze()  # what start-up made lives until exit: the collector need not look at it again
        gc.enable()
        as_json = _asks_json(ctx.meta.get("sop.args", []))

        try:
            return super().invoke(ctx)
        except EngineError as exc:
            _refuse(exc, _code(exc), as_json, getattr(exc, "problems", None))
        except click.ClickException as exc:
            from engine import translate

            vars(exc)["message"] = translate(exc.message)  # click words its own frame (`Invalid value for`)
            if not as_json:
                raise
            _refuse(exc.format_message(), "usage", as_json, exit_code=exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort):
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
            _refuse(f"internal error: {type(exc).__name__}: {exc} (run with SOP_DEBUG=1 for the traceback)",
                    "internal", as_json)


# An engine error's kind as scripts read it in `--json` mode: {"error": text, "code": kind, "exit": status}.
ERROR_CODES = {"NotFoundError": "not-found", "ValidationError": "invalid-data", "TaskStateError": "task-state",
               "DataFileError": "data-file", "StoreError": "store", "DefinitionError": "definition",
               "ExpressionError": "expression", "RoleError": "role", "LoginError": "login"}


def _code(exc: Exception) -> str:
    for kind in type(exc).__mro__:
        if kind.__name__ in ERROR_CODES:
            return ERROR_CODES[kind.__name__]
    return "refused"


def _asks_json(args: list[str]) -> bool:
    """Whether the command line asks for --json (options end at `--`)."""
    for arg in args:
        if arg == "--":
            return False
        if arg == "--json":
            return True
    return False


def _refuse(error: str | Exception, code: str = "refused", as_json: bool = False, problems: list[str] | None = None,
            exit_code: int = EXIT_REFUSED) -> NoReturn:
    from engine import translate

    text = translate(error)  # an engine error from its template's catalog entry, with its values
    if as_json:
        import json

        body: dict[str, Any] = {"error": text.split("\n")[0] if problems else text, "code": code,
                                "exit": exit_code}
        fields = getattr(error, "fields", None)
        if isinstance(error, Exception) and fields is not None:  # an engine refusal: its class and the values it names
            body["refusal"] = type(error).__name__
            body["fields"] = {name: _json_value(value) for name, value in fields.items()}
        if problems:
            body["problems"] = [translate(problem) for problem in problems]
        click.echo(json.dumps(body, ensure_ascii=False), err=True)
    else:  # translated once, from the error's own template: its text is not read again as a line to match
        message(N_("Error: {message}", message=error))
    raise SystemExit(exit_code)


def _json_value(value: Any) -> Any:
    """A refusal's value as JSON: numbers, booleans and null as they are, anything else as its (English) text."""
    return value if value is None or isinstance(value, bool | int | float) else str(value)


def engine_of(ctx: click.Context) -> Engine:
    """The Engine for the global options (imported here so `--help` stays quick)."""
    from engine import Engine, find_roles

    obj = ctx.find_root().obj
    engine = Engine(obj["db"], definitions_dir=obj["definitions"], forms_dir=obj["forms"],
                    roles=find_roles(obj["roles"], obj["definitions"]))
    ctx.call_on_close(engine.close)
    return engine


def known_or_refuse(given: str, known: list[str], option: str, what: str) -> None:
    """A filter naming nothing known is a usage error listing what is known (not a silent empty listing)."""
    from engine import lane_key

    fold = lane_key if what == "lane" else str
    if fold(given) in {fold(name) for name in known}:
        return
    import difflib

    close = difflib.get_close_matches(given, known, n=1, cutoff=0.5)
    hint = f"; did you mean '{close[0]}'?" if close else "."
    listing = ", ".join(f"'{name}'" for name in known) or "none yet"
    raise click.BadParameter(f"{given!r} is no {what} of this folder or store{hint} Known: {listing}",
                             param_hint=option)


_CLICK_MODULES = ("core", "exceptions", "formatting", "parser", "types", "decorators", "termui", "utils")


def speak_language(command: click.Command, options: dict[str, Any] | None = None) -> None:
    """A command's help, its options' help and its subcommands' in the reader's language, with its examples
    filled in (options given: help was asked); the texts as written are kept, so each command line starts from
    them. The first call in Indonesian also points click's own words (`Usage:`, option errors) at sop's catalog."""
    import inspect

    from engine import fixed_text, language

    english = language() == "en"
    if not english and _CLICK_MODULES[0] not in _patched:
        from importlib import import_module

        for name in _CLICK_MODULES:  # the patched look-ups follow the language of each call, English included
            module = import_module(f"click.{name}")
            if hasattr(module, "_"):
                module._ = fixed_text  # type: ignore[attr-defined]
            if hasattr(module, "ngettext"):
                module.ngettext = _plural  # type: ignore[attr-defined]
        _patched.add(_CLICK_MODULES[0])
    written = getattr(command, "_sop_written", None)
    if written is None:
        written = (command.help, command.short_help,
                   {id(p): p.help for p in command.params if isinstance(p, click.Option)})
        command._sop_written = written  # type: ignore[attr-defined]
        if english and options is None:
            return  # nothing to change yet: the texts as written are English and no help was asked
    words = (lambda text: text) if english else (lambda text: fixed_text(inspect.cleandoc(text)))
    help_text, short_help, params = written
    command.help = _with_examples(words(help_text), options) if help_text else help_text
    command.short_help = words(short_help) if short_help else short_help
    for param in command.params:
        if isinstance(param, click.Option) and params.get(id(param)):
            param.help = words(params[id(param)])
    command.options_metavar = words("[OPTIONS]")  # click's usage line: `Penggunaan: sop tasks [OPSI]`
    kept_help = getattr(command, "_help_option", None)  # click keeps --help's option once made, in its first language
    if isinstance(kept_help, click.Option):
        kept_help.help = words("Show this message and exit.")
    for param in command.params:  # a type's name inside click's errors ("'x' is not a valid integer range")
        kind: Any = param.type
        kind._sop_name = getattr(kind, "_sop_name", None) or kind.name
        kind.name = words(kind._sop_name)
    if isinstance(command, click.Group):
        command.subcommand_metavar = words("COMMAND [ARGS]...")
        for sub in command.commands.values():
            speak_language(sub, options)


def _with_examples(text: str, options: dict[str, Any] | None) -> str:
    if options is None or not any(field in text for field in _EXAMPLE_FIELDS):
        return text
    for field, value in _example_values(options).items():
        text = text.replace(field, value)
    return text


_patched: set[str] = set()


def _plural(singular: str, plural: str, count: int) -> str:
    from engine import fixed_text

    return fixed_text(singular if count == 1 else plural)


_HELP_OPTIONS: dict[str, Any] = {}  # the global options of a command line that asks for help
_EXAMPLE_FIELDS = ("{process}", "{task}", "{next_task}", "{definitions}")


_VALUES: dict[str, str] = {}


def _example_values(options: dict[str, Any]) -> dict[str, str]:
    if not _VALUES:
        _VALUES.update({"{process}": "PROCESS", "{task}": "TASK", "{next_task}": "TASK",
                        "{definitions}": str(options.get("definitions_dir") or "./definitions").rstrip("/")})
        engine = _engine_for(options)
        if engine is not None:
            try:
                definitions = engine.processes.catalog().definitions
                if definitions:
                    first = definitions[0]
                    steps = [s.bpmn_id for s in first.steps]
                    _VALUES["{process}"] = first.process_id
                    if steps:
                        _VALUES["{task}"] = steps[0]
                        _VALUES["{next_task}"] = steps[1] if len(steps) > 1 else steps[0]
            except Exception:  # noqa: S110 (help never fails for a broken folder: the placeholders stay)
                pass
            finally:
                engine.close()
    return _VALUES


def attach_pairs(items: tuple[str, ...]) -> list[tuple[str, str]]:
    """Each `--attach FIELD=PATH` as (FIELD, PATH); a usage error for one without both."""
    pairs = []
    for item in items:
        key, sep, path = item.partition("=")
        if not sep or not key.strip() or not path:
            raise click.BadParameter(f"{item!r} is not FIELD=PATH (for example berkas=surat.pdf)",
                                     param_hint="--attach")
        pairs.append((key.strip(), path))
    return pairs
