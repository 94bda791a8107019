"""Screenshots kept on disk when the user asks for it (off by default): downscaled WebP, secrets blanked,
within a byte budget, deleted with the observations they belong to."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

from PIL import Image

from gumd.privacy import blank_boxes


_NAME = re.compile(r"^(\d+)-(\d+)\.webp$")


class FrameArchive:
    """`<data dir>/frames/<observation id>-<n>.webp`, 0600 files in a 0700 dir; the oldest go first over budget."""

    def __init__(self, folder: Path, budget_bytes: int, max_width: int = 1280, quality: int = 60):
        self.folder = Path(folder)
        self.budget_bytes = budget_bytes
        self.max_width = max_width
        self.quality = quality
        self._lock = threading.Lock()  # the pipeline keeps while the API forgets
        self.folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)
        self._sizes = {p.name: p.stat().st_size for p in self.folder.iterdir() if _NAME.match(p.name)}

    @property
    def used_bytes(self) -> int:
        return sum(self._sizes.values())

    def keep(self, observation_id: int, images: list[Image.Image],
             secret_boxes: list[list[tuple[int, int, int, int]]]) -> list[Path]:
        """Write the observation's screenshots, each with the boxes of its secret lines painted black."""
        with self._lock:
            return self._keep(observation_id, images, secret_boxes)

    def _keep(self, observation_id: int, images: list[Image.Image],
              secret_boxes: list[list[tuple[int, int, int, int]]]) -> list[Path]:
        paths = []
        for n, (image, boxes) in enumerate(zip(images, secret_boxes)):
            image = blank_boxes(image, boxes)
            if image.width > self.max_width:
                image = image.resize((self.max_width, round(image.height * self.max_width / image.width)))
            path = self.folder / f"{observation_id}-{n}.webp"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as f:
                image.save(f, "WEBP", quality=self.quality)
            self._sizes[path.name] = path.stat().st_size
            paths.append(path)
        self._enforce_budget()
        return paths

    def _enforce_budget(self) -> None:
        names = sorted(self._sizes, key=lambda name: tuple(int(x) for x in _NAME.match(name).groups()))
        while names and self.used_bytes > self.budget_bytes:
            self._delete(names.pop(0))

    def _delete(self, name: str) -> None:
        try:
            (self.folder / name).unlink()
        except FileNotFoundError:
            pass
        self._sizes.pop(name, None)

    def forget(self, observation_ids) -> int:
        """Delete the screenshots of these observations; returns how many files went."""
        ids = {int(i) for i in observation_ids}
        with self._lock:
            gone = [name for name in list(self._sizes) if int(_NAME.match(name).group(1)) in ids]
            for name in gone:
                self._delete(name)
        return len(gone)

    def paths(self, observation_id: int) -> list[Path]:
        with self._lock:
            return sorted(self.folder / n for n in self._sizes if int(_NAME.match(n).group(1)) == observation_id)
