"""click's own words that `sop` users read (usage lines, option errors, help headings), for the catalog: click
looks them up through gettext, and `runner.context` points those look-ups at sop's catalog."""

from __future__ import annotations

from .words import N_

CLICK_TEXTS = (
    N_("Usage:"), N_("Options"), N_("Commands"), N_("Error: {message}"), N_("Try '{command} {option}' for help."),
    N_("Invalid value for {param_hint}: {message}"), N_("Invalid value: {message}"), N_("Missing argument"),
    N_("Missing option"), N_("Missing parameter"), N_("Missing {param_type}"), N_("Missing command."),
    N_("No such command {name!r}."), N_("No such option {name!r}."), N_("Option {name!r} does not take a value."),
    N_("Option {name!r} requires an argument."), N_("Option {name!r} requires {nargs} arguments."),
    N_("Got unexpected extra argument ({args})"), N_("Got unexpected extra arguments ({args})"),
    N_("Show the version and exit."), N_("Show this message and exit."), N_("Aborted!"),
    N_("default: {default}"), N_("env var: {var}"), N_("required"), N_("{value!r} is not a valid {number_type}."),
    N_("{value} is not in the range {range}."), N_("{value!r} is not one of {choices}."),
    N_("{value!r} is not {choice}."), N_("{name} {filename!r} does not exist."), N_("Did you mean {possibility}?"),
    N_("(Possible options: {possibilities})"), N_("{value!r} is not a valid {format}."),
    N_("{value!r} does not match the format {format}."), N_("{value!r} does not match the formats {formats}."),
    N_("Missing argument '{name}'."), N_("Missing option '{name}'."),
    N_("%(prog)s, version %(version)s"), N_("[OPTIONS]"), N_("COMMAND [ARGS]..."), N_("integer range"),
    N_("integer"), N_("float range"), N_("float"), N_("text"), N_("boolean"), N_("choice"), N_("file"),
    N_("directory"), N_("path"),
)

# The operating system's words for the usual file errors (os.strerror), as they appear inside sop's messages.
OS_TEXTS = (
    N_("No such file or directory"), N_("Permission denied"), N_("Is a directory"), N_("Not a directory"),
    N_("No space left on device"), N_("File exists"), N_("Read-only file system"),
)
