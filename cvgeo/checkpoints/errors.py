"""Errors raised when a checkpoint cannot be loaded into a model."""

from collections.abc import Sequence

from cvgeo.errors import CvgeoError


class CheckpointPathError(CvgeoError, ValueError):
    """The path names no checkpoint cvgeo can read or write (missing file, wrong kind of file)."""


class WeightsFileError(CvgeoError, ValueError):
    """An ImageNet initialisation file is missing, of another format, or does not fit the model."""


class CheckpointMismatchError(CvgeoError, ValueError):
    """A checkpoint does not hold exactly the model's weights; nothing was loaded.

    Attributes:
      missing: checkpoint names the model needs but the checkpoint lacks.
      unexpected: model-like checkpoint names (optimizer bookkeeping excluded) the model has no use for.
      mis_shaped: (name, checkpoint shape, model shape) for names present in both with other shapes.
      unmapped: model weight paths that have no counterpart in the checkpoint's naming at all.
    """

    def __init__(
        self,
        source: str,
        *,
        missing: Sequence[str] = (),
        unexpected: Sequence[str] = (),
        mis_shaped: Sequence[tuple[str, tuple, tuple]] = (),
        unmapped: Sequence[str] = (),
        detail: str = "",
    ):
        self.source = source
        self.missing = list(missing)
        self.unexpected = list(unexpected)
        self.mis_shaped = list(mis_shaped)
        self.unmapped = list(unmapped)
        lines = [f"checkpoint {source!r} does not match the model; nothing was loaded."]
        if self.missing:
            lines.append(f"missing from the checkpoint ({len(self.missing)}): " + ", ".join(self.missing))
        if self.unexpected:
            lines.append(f"unexpected in the checkpoint ({len(self.unexpected)}): " + ", ".join(self.unexpected))
        if self.mis_shaped:
            lines.append(
                f"mis-shaped ({len(self.mis_shaped)}): "
                + ", ".join(f"{name} (checkpoint {list(ck)}, model {list(md)})" for name, ck, md in self.mis_shaped)
            )
        if self.unmapped:
            lines.append(
                f"model weights with no name in this checkpoint format ({len(self.unmapped)}): "
                + ", ".join(self.unmapped)
            )
        if detail:
            lines.append(detail)
        super().__init__("\n".join(lines))
