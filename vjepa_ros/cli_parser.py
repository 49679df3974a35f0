"""The argument parser of every command and benchmark: whole option names only.

argparse takes a unique prefix of a long option as that option by default (``allow_abbrev``), so
``vjepa-ros reach --goal x.png`` silently set ``--goal-seed``. :class:`ArgumentParser` turns
that off; sub-commands inherit it, since ``add_subparsers`` makes each sub-parser with the
parent's class (argparse: ``parser_class`` defaults to ``type(self)``), and an abbreviated
option is refused as an unrecognized argument (exit status 2).

Every usage error is one line without the usage (:meth:`ArgumentParser.error`). An unknown
option is refused by the (sub-)command that was given the option, and the line suggests the
whole options that start with what was typed (``--goal``: ``--goal-seed``), or else the option
the command has under a sister name (``--world-model`` where it takes ``--checkpoint``:
:data:`SISTER_OPTIONS`), or else the closest names (a typo: ``--samles``: ``--samples``). A
sub-command that does not exist is one line too: ``vjepa-ros: unknown command 'raech'; did you
mean 'reach'? (run vjepa-ros --help for the list)``. A missing positional that an option of
several values (``nargs='+'``) took says so: ``... required: bag (--gripper-topic took /a /b BAG:
give the bag before --gripper-topic, or end its list with --)`` (:meth:`ArgumentParser.took_hint`).
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys

# Where a sub-parser leaves itself on the namespace when it did not recognize arguments.
_REFUSED_BY = "_vjepa_ros_unrecognized_by"
UNRECOGNIZED = "unrecognized arguments: "  # argparse's message (parse_args), then the arguments
INVALID_CHOICE = re.compile(r"argument (\S+): invalid choice: (['\"])(.*?)\2")  # argparse's
REQUIRED = "the following arguments are required: "  # argparse's message, then the names
EMPTY_VALUE = "an empty value"  # the start of the refusal of '' (empty_refusal)
# What a value starting with '-' must look like to be read as a (negative) number, not an
# option: Python 3.10-3.12's argparse knew only -1 and -.5, so ``--min-motion -1e-3`` or
# ``--lr -inf`` answered "expected one argument" instead of the option's range.
NEGATIVE_NUMBER = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^-(inf|infinity|nan)$",
                             re.IGNORECASE)


class Takes:
    """The ``type`` of a string option that says what it takes instead of '' (and blanks).

    ``Takes("a topic name")``: the refusal of ``--image-topic ''`` says "give a topic name";
    ``what`` None: found from the option's dest (:func:`empty_value_words`), as for a string
    option without a ``type``. ``empty=True``: '' means something (``--joint-prefix ''``: found
    from the names) and is kept; blanks (``'  '``) are refused still, a typo. The value is
    returned as given: :meth:`ArgumentParser._get_value` alone refuses, through
    :func:`empty_value_refusal`, for every command (exit status 2, one line).
    """

    __name__ = "str"  # argparse names a type by it

    def __init__(self, what: str | None = None, empty: bool = False):
        self.what, self.empty = what, empty

    def __call__(self, value: str) -> str:
        return value


MAY_BE_EMPTY = Takes(empty=True)  # the type of a string option whose '' means something


def empty_value_refusal(action: argparse.Action, value) -> str:
    """Return why ``value`` (a command-line string) is refused for ``action``; "" if it is not.

    The one rule for empty values of every command and benchmark: '' and blanks are refused for
    a string option or positional (``type`` None, ``str`` or :class:`Takes`, no ``choices``),
    since '' once meant the default silently (``reach --config ''``, ``collect --out ''`` wrote
    into the current folder); an option with ``Takes(empty=True)`` keeps ''. The refusal says
    what to give: the option's :class:`Takes` words, else :func:`empty_value_words`.
    """
    if not isinstance(value, str) or value.strip():
        return ""
    takes = action.type if isinstance(action.type, Takes) else \
        Takes() if action.type in (None, str) and action.choices is None else None
    if takes is None or (takes.empty and value == ""):
        return ""  # typed options: their type refuses ''; choices: argparse
    if takes.empty:
        return f"a blank value ({value!r}): give '' or a value"
    return empty_refusal(value, takes.what or empty_value_words(action),
                         positional=not action.option_strings)


def empty_refusal(value: str, what: str, positional: bool = False) -> str:
    """Return the refusal of an empty ``value``: ``an empty value (''): give WHAT, or ...``.

    Also for arguments no argparse parser reads (a node executable's ``--ros-args -p ''``).
    """
    default = "" if positional else ", or leave the option out for its default"
    return f"{EMPTY_VALUE} ({value!r}): give {what}{default}"


# What a string option without a ``type`` takes, by a word of its dest (the first that matches;
# a word or its plural between underscores: ``opt_data__topics__base_frame`` is a frame).
EMPTY_VALUE_WORDS = (("frame", "a frame id"), ("topic", "a topic name"),
                     ("checkpoint", "a world model file"), ("episode", "an episode file (.npz)"),
                     ("config", "a settings file (YAML)"), ("file", "a file"),
                     ("goal", "an image file"), ("device", "a device name: cpu, cuda, cuda:1"),
                     ("dtype", "a dtype name: float32, bfloat16, float16"),
                     ("preset", "a preset name"), ("namespace", "a ROS namespace (e.g. arm1)"),
                     ("arg", "KEY=VALUE"), ("set", "KEY=VALUE"))
PATH_WORDS = ("out", "bag", "data", "val", "init", "encoder", "cache", "dir")  # "a path"


def empty_value_words(action: argparse.Action) -> str:
    """Return what ``action`` takes instead of '', by its dest.

    :data:`EMPTY_VALUE_WORDS`, "a path" for a :data:`PATH_WORDS` dest, else its metavar
    (``NODE.PARAM:=VALUE``) or "a value".
    """
    words = action.dest.lower().split("_")
    table = EMPTY_VALUE_WORDS + tuple((word, "a path") for word in PATH_WORDS)
    metavar = action.metavar if isinstance(action.metavar, str) else "a value"
    return next((what for word, what in table if word in words or f"{word}s" in words), metavar)


# Options that name the same thing in different commands: each suggests the others.
SISTER_OPTIONS = (("--checkpoint", "--world-model", "--model", "--weights"),
                  ("--out", "--output", "--out-dir"),
                  ("--config", "--settings"))


class DefaultsHelpFormatter(argparse.HelpFormatter):
    """Help that ends an option's text with ``(default: X)`` where the text does not say it.

    Only for a real default: None (the value comes from elsewhere, which the text says), False
    (a switch), an empty list or string are not shown.
    """

    def _get_help_string(self, action):
        text = action.help or ""
        default = action.default
        shown = default not in (None, argparse.SUPPRESS, "", []) and default is not False
        if text and shown and action.option_strings and "default" not in text.lower():
            text += " (default: %(default)s)"
        return text


class ArgumentParser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` with ``allow_abbrev=False`` and :class:`DefaultsHelpFormatter`.

    By default, sub-parsers too.
    """

    def __init__(self, *args, allow_abbrev: bool = False, **kwargs):
        kwargs.setdefault("formatter_class", DefaultsHelpFormatter)
        super().__init__(*args, allow_abbrev=allow_abbrev, **kwargs)
        if hasattr(self, "_negative_number_matcher"):  # argparse's own (private) rule
            self._negative_number_matcher = NEGATIVE_NUMBER

    def _get_value(self, action, arg_string):
        """Refuse an empty value of a string option or positional (:func:`empty_value_refusal`).

        A usage error (exit status 2) in one line: ``argument --out: an empty value (''): give
        a path, or leave the option out for its default``.
        """
        refusal = empty_value_refusal(action, arg_string)
        if refusal:
            raise argparse.ArgumentError(action, refusal)
        return super()._get_value(action, arg_string)

    def _get_values(self, action, arg_strings):
        """Note the values of a ``nargs="+"`` option that took several (:meth:`took_hint`)."""
        if action.option_strings and action.nargs == argparse.ONE_OR_MORE \
                and len(arg_strings) > 1:
            self._took_several.append((action.option_strings[-1], list(arg_strings)))
        return super()._get_values(action, arg_strings)

    def parse_known_args(self, args=None, namespace=None):
        self._took_several = []  # (option, values) of this parse, for took_hint
        namespace, extras = super().parse_known_args(args, namespace)
        if extras and not hasattr(namespace, _REFUSED_BY):  # the innermost parser answers
            setattr(namespace, _REFUSED_BY, self)  # (parse_args exits: never seen by a command)
        self._refused_by = getattr(namespace, _REFUSED_BY, None) if extras else None
        return namespace, extras

    def print_help(self, file=None):
        """Print the help (on stdout); a reader gone early ends as a command does: 141, silent.

        argparse drops a failed write of its help (the exit's flush then failed or not, by the
        help's length): ``--help | head -1`` ended 0 where a command ended 1; both end as a
        program ended by SIGPIPE (``closed_output``).
        """
        from vjepa_ros.closed_output import end_quietly, flush_output, reader_gone

        try:
            (file or sys.stdout).write(self.format_help())
            flush_output()
        except BrokenPipeError as exc:
            if not reader_gone(exc):
                raise
            self.exit(end_quietly())

    def error(self, message: str):
        """Exit (2) with one line ``PROG: error: MESSAGE (run PROG --help for its options)``.

        argparse prints the (sub-)command's usage first, 10-40 lines that push the one useful
        line off the screen; every usage error is one line here: a bad choice, a value of the
        wrong type, a wrong number of values, a missing argument. Unrecognized arguments are
        refused by the (sub-)command they were given to, naming the whole options each unknown
        one may mean (:meth:`suggestions`).
        """
        parser, self._refused_by = getattr(self, "_refused_by", None), None
        self._refuse_unknown_command(message)
        if message.startswith(UNRECOGNIZED) and parser is not None:
            extras = message[len(UNRECOGNIZED):].split()
            hints = [hint for hint in map(parser.suggestions, extras) if hint]
            message += "".join(f"; {hint}" for hint in hints)
        else:
            parser = self
            message += self.took_hint(message)
        if "--help)" not in message:
            message += f" (run {parser.prog} --help for its options)"
        parser.exit(2, f"{parser.prog}: error: {message}\n")

    def took_hint(self, message: str) -> str:
        """Return why a required positional may be missing: a ``nargs='+'`` option took it.

        ``eval --gripper-topic /a /b BAG`` reads BAG as a third topic, so argparse answers
        ``the following arguments are required: bag``; the hint (" (--gripper-topic took /a /b
        BAG: give the bag before --gripper-topic, or end its list with --)") names each option
        of this parse that took several values. "" for any other ``message``, or when no such
        option took more than one value.
        """
        if not message.startswith(REQUIRED):
            return ""
        missing = [name for name in message[len(REQUIRED):].split(", ")
                   if not name.startswith("-")]
        took = getattr(self, "_took_several", [])
        if not missing or not took:
            return ""
        what = "the " + ", ".join(missing)
        hints = [f"{option} took {' '.join(values)}: give {what} before {option}, or end its "
                 "list with --" for option, values in took]
        return f" ({'; '.join(hints)})"

    def check_at_least(self, args: argparse.Namespace, minimums: dict[str, float]) -> None:
        """Exit (2) in one line when an option's value lies below its minimum.

        ``minimums``: option (``--repeats``) -> the smallest value it takes; an option left at
        None (not given, no default) is not checked, one of several values (``nargs``) is checked
        each. The line: ``PROG: error: --repeats 0: must be >= 1 (run PROG --help for its
        options)``. Checks nothing but the parsed values, so a script can refuse a bad count
        before it imports torch.
        """
        for option, low in minimums.items():
            values = getattr(args, option.removeprefix("--").replace("-", "_"))
            for value in values if isinstance(values, list) else [values]:
                if value is not None and value < low:
                    self.error(f"{option} {value}: must be >= {low}")

    def _refuse_unknown_command(self, message: str) -> None:
        """Exit (2) with one line for a sub-command that does not exist (argparse: the usage)."""
        match = INVALID_CHOICE.match(message)
        commands = next((a for a in self._actions if isinstance(a, argparse._SubParsersAction)
                         and match and match.group(1) in (a.dest, a.metavar)), None)
        if commands is None:
            return
        typed = match.group(3)
        meant = difflib.get_close_matches(typed, list(commands.choices), n=1, cutoff=0.6)
        hint = f"; did you mean '{meant[0]}'?" if meant else ""
        self.exit(2, f"{self.prog}: unknown command '{typed}'{hint} (run {self.prog} --help for "
                     "the list)\n")

    def suggestions(self, argument: str) -> str:
        """Say which options ``argument`` (``--name`` or ``--name=value``) may mean; "" if none.

        The options that start with what was typed (an abbreviation), else this command's
        option of the same :data:`SISTER_OPTIONS` group, else the closest names (``difflib``,
        a typo).
        """
        if not argument.startswith("--"):
            return ""
        typed = argument.split("=", 1)[0]
        options = [o for o in self._option_string_actions if o.startswith("--")]
        meant = sorted(o for o in options if o.startswith(typed) and o != typed)
        meant = meant or [o for group in SISTER_OPTIONS if typed in group
                          for o in group if o in options]
        meant = meant or difflib.get_close_matches(typed, options, n=3, cutoff=0.75)
        if not meant:
            return f"{typed} is no option of {self.prog}"  # error() adds: run ... --help
        return f"{typed} is no option of {self.prog}: did you mean {', '.join(meant)}?"
