"""How a cvgeo command starts: flags checked without TensorFlow, then TensorFlow started quietly.

train.py, evaluate.py and localize.py check every flag they can (names against
`cvgeo.registry_names`, values, folders) before anything imports TensorFlow, so a mistake is one
line on stderr within a second and exit status 2, without a traceback. Only then do they call
`start_tensorflow`, which keeps TensorFlow's C++ start-up log (oneDNN, CUDA and CPU-feature notices)
off the terminal unless `--verbosity` asks for it.

This module imports neither TensorFlow nor anything that does.
"""

from collections.abc import Callable, Iterable
import os
import re
import sys
import tempfile

from absl import flags

# Exit status of a command given bad flags or input (a CvgeoError); absl's own default is 1.
USAGE_ERROR_EXIT = 2
# absl C++ log lines ("I0000 00:00:1796397874.637319    3294 port.cc:153] ..."), the older TF form
# ("2025-09-17 14:44:05.157831: I external/.../cudart_stub.cc:32] ...") and absl's notice that logging
# is not initialised yet. TensorFlow >= 2.17 prints them while importing whatever TF_CPP_MIN_LOG_LEVEL
# says (tensorflow/tensorflow#100442), so `start_tensorflow` drops them itself. FATAL (F) lines stay.
_START_UP_LOG_LINE = re.compile(
    r"(?:[IWE]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ \S+:\d+\] "
    r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWE] \S+:\d+\] "
    r"|WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR)"
)


def flags_parser(program: str) -> Callable[[list[str]], list[str]]:
    """An absl `flags_parser` for `app.run`: a bad flag is `program: message` on stderr and exit status 2.

    absl's default prints "FATAL Flags parsing error" and a hint, and exits with 1.
    """

    def parse(argv: list[str]) -> list[str]:
        try:
            return flags.FLAGS(argv)
        except flags.Error as error:
            print(f"{program}: {error}", file=sys.stderr)
            sys.exit(USAGE_ERROR_EXIT)

    return parse


def require_one_of(flag: str, names: Iterable[str], kind: str, *, config_suffix: bool = False) -> None:
    """Registers a check that `--flag`, when set, is one of `names`; the error lists them all.

    config_suffix: the value may select a TFDS config after a slash (`synthetic_crossview/tiny`); only
      the part before it is checked.
    """
    names = sorted(names)
    flags.register_validator(
        flag,
        lambda value: value is None or (value.partition("/")[0] if config_suffix else value) in names,
        message=f"unknown name; available {kind}: {', '.join(names)}",
    )


def require_at_least(flag: str, minimum: int, why: str = "") -> None:
    """Registers a check that the integer `--flag`, when set, is at least `minimum`."""
    flags.register_validator(
        flag,
        lambda value: value is None or value >= minimum,
        message=f"--{flag} must be at least {minimum}{f' ({why})' if why else ''}",
    )


def requested_verbosity(values: flags.FlagValues) -> int | None:
    """absl's --verbosity if it was given on the command line, else None."""
    return values.verbosity if values["verbosity"].present else None


def start_tensorflow(verbosity: int | None = None) -> None:
    """Imports TensorFlow, without its C++ start-up log unless `verbosity` is given.

    verbosity None: TF_CPP_MIN_LOG_LEVEL=3 (only FATAL) and the start-up lines TensorFlow writes to
      stderr while it is imported are dropped; anything else written meanwhile is passed on.
    verbosity set (absl's --verbosity): TensorFlow's C++ log level follows it, 0 or more showing INFO,
      -1 WARNING, -2 ERROR, -3 FATAL only; nothing is dropped.
    A TF_CPP_MIN_LOG_LEVEL already in the environment is kept. Nothing happens once TensorFlow is
    imported: its log level is fixed by then.
    """
    if "tensorflow" in sys.modules:
        return
    if verbosity is not None:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", str(min(3, max(0, -verbosity))))
        import tensorflow  # noqa: F401

        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.stderr.flush()
    saved_stderr = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow  # noqa: F401, F811
        finally:
            sys.stderr.flush()
            os.dup2(saved_stderr, 2)
            os.close(saved_stderr)
            captured.seek(0)
            lines = captured.read().decode(errors="replace").splitlines(keepends=True)
            sys.stderr.write("".join(line for line in lines if not _START_UP_LOG_LINE.match(line)))
            sys.stderr.flush()
