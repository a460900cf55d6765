"""python -m cvgeo.checkpoints convert --model=NAME --from=PATH --to=checkpoints/NAME.weights.h5"""

import ast
import json
import sys

from absl import app, flags

from cvgeo.checkpoints.convert import convert
from cvgeo.errors import CvgeoError
from cvgeo.models import MODELS

COMMANDS = ("convert",)


def define_flags() -> None:
    """All flags of the conversion CLI (all optional at definition; `convert` checks what it needs)."""
    flags.DEFINE_string("model", None, f"registry name of the network: {', '.join(MODELS)}")
    flags.DEFINE_string("from", None, "checkpoint to convert: TF1 prefix (…/model.ckpt), folder with a `checkpoint` file, cvgeo checkpoint")
    flags.DEFINE_string("to", None, "output weights file, ending in .weights.h5; NAME.manifest.json is written beside it")
    flags.DEFINE_multi_string(
        "model_option", [], "KEY=VALUE builder option (Python literal), e.g. query_shape=(500,500) or two_branch=True"
    )


def _parse_options(pairs: list[str]) -> dict:
    options = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise app.UsageError(f"--model_option={pair!r} must be KEY=VALUE")
        try:
            options[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            raise app.UsageError(f"--model_option={pair!r}: VALUE must be a Python literal") from None
    return options


def main(argv: list[str]) -> None:
    if len(argv) != 2 or argv[1] not in COMMANDS:
        raise app.UsageError(f"expected one command, {' or '.join(COMMANDS)}; got {argv[1:]}")
    values = flags.FLAGS
    for name in ("model", "from", "to"):
        if values[name].value is None:
            raise app.UsageError(f"convert needs --{name}")
    try:
        manifest = convert(
            values.model, values["from"].value, values.to, **_parse_options(values.model_option)
        )
    except (CvgeoError, TypeError) as error:  # TypeError: a builder option the model does not take
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
    print(json.dumps(manifest, indent=2, sort_keys=True))


if __name__ == "__main__":
    define_flags()
    app.run(main)
