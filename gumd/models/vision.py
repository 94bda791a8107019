"""Vision-language models that read a screenshot: one small interface, `ScreenReader.describe(png, hint)`.

Backends: `OpenAIVision`, any OpenAI-compatible server that takes `image_url` content (llama-server with
`--mmproj`, Ollama, vLLM, LM Studio), and `LlamaCppVision`, a GGUF and its `mmproj` projector run in-process
by llama-cpp-python's multimodal chat handlers. Both reuse the text backends' request, retry-free error and
usage code; what is new here is the image message, the projector, and errors that say which part is missing.
"""

from __future__ import annotations

import base64
import ipaddress
import struct
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from gumd.config import Settings
from gumd.models.errors import ModelError, ModelNotFound, ServerRefused
from gumd.models.lm import LlamaCppModel, Messages
from gumd.models.openai_compat import OpenAICompatibleModel
from gumd.models.registry import PRESETS, Preset

PROMPT = (
    "This is a screenshot of the user's own computer, read for their private activity log. In at most 120 words, "
    "plain text, no preamble: which application is shown, what the user is doing in it, and the text on screen "
    "that matters (names, titles, numbers, what is selected or focused). Describe images and charts that carry "
    "meaning. Say only what the screenshot shows."
)
MAX_TOKENS = 256
DEFAULT_IMAGE_PX = 1024  # the longest side sent to a server or a GGUF given by path
# llama-cpp-python chat handlers by the name presets give them; "mtmd" follows the GGUF's own chat template.
VISION_HANDLERS = {"mtmd": "MTMDChatHandler", "qwen2.5-vl": "Qwen25VLChatHandler",
                   "moondream": "MoondreamChatHandler", "llava-1.5": "Llava15ChatHandler"}
_IMAGE_WORDS = ("image", "vision", "multimodal", "mmproj", "image_url")


class ImagesRefused(ModelError):
    """The model or server does not take images: reading screens with it cannot work until the setting changes."""


class MissingProjector(ModelNotFound):
    """A GGUF vision model was named without its `mmproj` projector (or with a file that is not one)."""


def image_messages(png: bytes, hint: str) -> Messages:
    """One user turn: the transcription prompt, the focused window as a hint, and the PNG as a data URL."""
    url = "data:image/png;base64," + base64.b64encode(png).decode()
    text = f"{PROMPT}\nThe focused window: {hint}" if hint else PROMPT
    return [{"role": "user", "content": [{"type": "text", "text": text},
                                         {"type": "image_url", "image_url": {"url": url}}]}]


class ScreenReader(ABC):
    """Turns one screenshot into a short description of what the user is doing."""

    name: str = "screen reader"
    image_px: int = DEFAULT_IMAGE_PX  # images are downscaled to this longest side before they are sent

    @abstractmethod
    def describe(self, png: bytes, hint: str) -> str:
        """What the screenshot shows; `hint` names the focused app and window. Raises ModelError."""

    def info(self) -> dict[str, Any]:
        """What this reader is, for status pages (never secrets)."""
        return {"backend": type(self).__name__, "name": self.name, "image_px": self.image_px}


class OpenAIVision(ScreenReader):
    """A vision model on an OpenAI-compatible server at `base_url` (up to and including /v1)."""

    def __init__(self, base_url: str, model: str, *, api_key: str = "", timeout_s: float = 300.0,
                 image_px: int = DEFAULT_IMAGE_PX):
        self.lm = OpenAICompatibleModel(base_url, model, api_key=api_key, timeout_s=timeout_s,
                                        key_variable="GUMD_VLM_API_KEY")
        self.name = self.lm.name
        self.image_px = image_px

    def describe(self, png: bytes, hint: str) -> str:
        try:
            return self.lm.complete_text(image_messages(png, hint), MAX_TOKENS).strip()
        except ServerRefused as e:
            said = str(e).lower()
            if e.status in (400, 415, 422) or (e.status >= 500 and any(w in said for w in _IMAGE_WORDS)):
                raise ImagesRefused(
                    f"{self.name} does not take images ({str(e).split(': ', 1)[-1][:160]}); serve a vision model "
                    "there (llama-server --mmproj, an Ollama or vLLM vision model) or set screen_reader = \"ocr\""
                ) from e
            raise


class LlamaCppVision(ScreenReader):
    """A GGUF vision model and its projector, run in-process; nothing is loaded until the first image."""

    def __init__(self, model: Path, mmproj: Path | None, handler: str = "mtmd", *, threads: int, context: int,
                 gpu_layers: int = 0, idle_unload_s: float = 0, nice: int = 0, image_px: int = DEFAULT_IMAGE_PX):
        model = Path(model)
        if not model.is_file():
            raise ModelNotFound(f"vision model {model} does not exist")
        if gguf_architecture(model) == "clip":
            raise MissingProjector(f"{model} is a projector, not a model: set it as vlm_mmproj and vlm_model to "
                                   "the model it belongs to")
        if mmproj is None or not Path(mmproj).is_file():
            where = f" ({mmproj} does not exist)" if mmproj else ""
            raise MissingProjector(f"vision model {model.name} needs its projector{where}: set vlm_mmproj to its "
                                   "mmproj-*.gguf file, or use a preset (gumd models pull smolvlm2-500m)")
        if (kind := gguf_architecture(Path(mmproj))) != "clip":
            raise MissingProjector(f"{mmproj} is not a projector (a GGUF of architecture {kind!r}): set vlm_mmproj "
                                   "to the mmproj-*.gguf file published with the model")
        if handler not in VISION_HANDLERS:
            raise ValueError(f"unknown vision chat handler {handler!r}; one of {', '.join(VISION_HANDLERS)}")
        self.mmproj = Path(mmproj)
        self.handler = handler
        self.name = model.name
        self.image_px = image_px
        # Images are not tokens a prompt cache could match: no cache.
        self.lm = LlamaCppModel(model, threads=threads, context=context, gpu_layers=gpu_layers, prompt_cache_mb=0,
                                idle_unload_s=idle_unload_s, nice=nice, chat_handler=self._chat_handler)

    def _chat_handler(self) -> Any:
        from llama_cpp import llama_chat_format

        return getattr(llama_chat_format, VISION_HANDLERS[self.handler])(clip_model_path=str(self.mmproj),
                                                                          verbose=False)

    def describe(self, png: bytes, hint: str) -> str:
        try:
            return self.lm.complete_text(image_messages(png, hint), MAX_TOKENS).strip()
        except ModelError as e:
            if "mtmd" in str(e) or "Vision is not supported" in str(e):
                raise ImagesRefused(f"{self.name} with {self.mmproj.name} cannot read images ({e}); check that "
                                    "the projector belongs to this model") from e
            raise

    def info(self) -> dict[str, Any]:
        return {**super().info(), "mmproj": str(self.mmproj), "handler": self.handler,
                "loaded": self.lm.describe()["loaded"]}


_SCALAR_SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
_STRING, _ARRAY = 8, 9


def gguf_architecture(path: Path) -> str:
    """`general.architecture` from a GGUF file's header ("clip" for a projector), read without loading it."""
    with open(path, "rb") as f:
        if f.read(4) != b"GGUF":
            raise ModelNotFound(f"{path} is not a GGUF file")
        version, _tensors, count = struct.unpack("<IQQ", f.read(20))
        if version < 2:
            raise ModelNotFound(f"{path} is a GGUF v{version} file; convert it again with a current llama.cpp")

        def string() -> str:
            (length,) = struct.unpack("<Q", f.read(8))
            return f.read(length).decode("utf-8", "replace")

        def skip(kind: int) -> None:
            if kind == _STRING:
                string()
            elif kind == _ARRAY:
                item, n = struct.unpack("<IQ", f.read(12))
                if item in _SCALAR_SIZES:
                    f.seek(_SCALAR_SIZES[item] * n, 1)
                else:
                    for _ in range(n):
                        skip(item)
            else:
                f.seek(_SCALAR_SIZES[kind], 1)

        for _ in range(count):
            key = string()
            (kind,) = struct.unpack("<I", f.read(4))
            if key == "general.architecture" and kind == _STRING:
                return string()
            skip(kind)
    return ""


def resolve_vision(model: str, mmproj: str, models_dir: Path) -> tuple[Path, Path | None, Preset | None]:
    """The GGUF, projector and preset a `vlm_model` / `vlm_mmproj` pair names (a preset, or paths)."""
    preset = PRESETS.get(model)
    if preset is not None:
        if not preset.reads_images:
            raise ImagesRefused(f"preset {model!r} does not read images; pick one that does (gumd models list)")
        missing = [f for f in preset.files if not (models_dir / f).exists()]
        if missing:
            raise ModelNotFound(f"vision preset {model!r} is not downloaded: run gumd models pull {model}")
        return models_dir / preset.file, models_dir / preset.mmproj, preset
    return Path(model).expanduser(), Path(mmproj).expanduser() if mmproj else None, None


def load_screen_reader(settings: Settings) -> ScreenReader:
    """The screen reader the settings name: a server when `vlm_url` is set, else a local GGUF and projector.
    Raises ModelError (one line, with what to do) before anything big is loaded."""
    s = settings
    if s.vlm_url:
        return OpenAIVision(s.vlm_url, s.vlm_model, api_key=s.vlm_api_key, timeout_s=s.model_timeout_s,
                            image_px=s.vlm_image_px or DEFAULT_IMAGE_PX)
    model, mmproj, preset = resolve_vision(s.vlm_model, s.vlm_mmproj, s.models_dir)
    image_px = s.vlm_image_px or (preset.image_px if preset else DEFAULT_IMAGE_PX)
    return LlamaCppVision(model, mmproj, preset.handler if preset else "mtmd", threads=s.model_threads,
                          context=s.model_context, gpu_layers=s.model_gpu_layers, idle_unload_s=s.model_idle_unload_s,
                          nice=s.model_nice, image_px=image_px)


def is_loopback(url: str) -> bool:
    """Whether `url` names this machine (localhost, 127.0.0.0/8, ::1): what is sent there stays here."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def remote_screenshots_warning(settings: Settings) -> str | None:
    """A line for the start-up log and `gumd doctor` when screenshots go to a vision model off this machine."""
    if settings.screen_reader != "ocr" and settings.vlm_url and not is_loopback(settings.vlm_url):
        return (f"vlm_url = {settings.vlm_url} is not on this machine: with screen_reader = "
                f"{settings.screen_reader}, screenshots leave it")
    return None
