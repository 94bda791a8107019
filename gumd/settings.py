"""Every setting gumd reads, declared once: its default, the values it accepts, and a line of help.

`Settings` is built from these declarations; `gumd.config` fills it from
config.toml, GUMD_* variables and flags, checking each value against its
declaration, and `reference()` writes docs/configuration.md from them
(`gumd config reference`).
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import platformdirs

APP = "gumd"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
OCR_ENGINES = ("tesseract",)
MODEL_JSON_MODES = ("json_schema", "json_object")
SCREEN_READERS = ("ocr", "vlm", "both")


def default_data_dir() -> str:
    """The platform's data dir for gumd (~/.local/share/gumd, ~/Library/Application Support/gumd, ...)."""
    return platformdirs.user_data_dir(APP)


def default_log_dir() -> Path:
    """The platform's log dir for gumd (~/.local/state/gumd/log, ~/Library/Logs/gumd, ...)."""
    return Path(platformdirs.user_log_dir(APP))


def physical_cores() -> int:
    """Physical cores when the OS tells, else logical cores; llama.cpp gains nothing from SMT."""
    logical = os.cpu_count() or 1
    try:
        cores = set()
        with open("/proc/cpuinfo") as f:
            phys = core = None
            for line in f:
                if line.startswith("physical id"):
                    phys = line.split(":")[1].strip()
                elif line.startswith("core id"):
                    core = line.split(":")[1].strip()
                    cores.add((phys, core))
        return max(1, len(cores)) if cores else logical
    except OSError:
        return logical


@dataclass(frozen=True)
class Check:
    """The values a setting accepts beyond its type: a test, and how an error message says what is allowed."""

    test: Callable[[Any], bool]
    allowed: str


def between(low: float, high: float, unit: str = "an integer", low_means: str = "", high_means: str = "") -> Check:
    """low <= value <= high, said as "<unit> from <low> (<low_means>) to <high> (<high_means>)"."""
    low_text = f"{low} ({low_means})" if low_means else f"{low}"
    high_text = f"{high} ({high_means})" if high_means else f"{high}"
    return Check(lambda v: low <= v <= high, f"{unit} from {low_text} to {high_text}")


def at_least(low: int, note: str = "") -> Check:
    """An integer >= low."""
    return Check(lambda v: v >= low, f"an integer >= {low}" + (f" ({note})" if note else ""))


def one_of(*choices: str) -> Check:
    """Exactly one of `choices`."""
    return Check(lambda v: v in choices, "one of: " + ", ".join(choices))


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


# What a value of each type accepts when its declaration adds no check.
ANY_OF_TYPE = {"bool": "true or false", "int": "an integer", "float": "a number", "str": "a string"}


@dataclass(frozen=True)
class Computed:
    """A default worked out on this machine when Settings is built, and how the reference shows it."""

    compute: Callable[[], Any]
    shown: str


@dataclass(frozen=True)
class Declaration:
    """What a setting's field carries besides its default: where it is documented, its help and its check."""

    area: str
    help: str
    check: Check | None = None
    normalize: Callable[[str], str] | None = None  # applied to a string value before the check
    shown: str = ""  # how the reference shows a computed default


def setting(area: str, default: Any, help: str, check: Check | None = None, *,
            normalize: Callable[[str], str] | None = None, secret: bool = False) -> Any:
    """Declare one Settings field: its area in the reference, its default (a value, or Computed), a one-line help
    and the check its values must pass beyond their type; a `secret` one is left out of the Settings repr.
    """
    declared = Declaration(area, help, check, normalize, default.shown if isinstance(default, Computed) else "")
    metadata = {"declaration": declared}
    if isinstance(default, Computed):
        return dataclasses.field(default_factory=default.compute, metadata=metadata, repr=not secret)
    return dataclasses.field(default=default, metadata=metadata, repr=not secret)


# The areas of the reference, in the order it shows them.
DATA = "Data and logs"
CAPTURE = "Capture"
BATCHES = "Processing batches"
MODEL = "Language model"
VISION = "Screen reading by a vision model"
EMBEDDINGS = "Embeddings"
API = "API"
AREAS = (DATA, CAPTURE, BATCHES, MODEL, VISION, EMBEDDINGS, API)


@dataclass(frozen=True)
class Settings:
    """Every setting gumd reads. Each field is declared with `setting()`: its area, default, help and check
    (docs/configuration.md lists them)."""

    data_dir: str = setting(
        DATA, Computed(default_data_dir, "the platform data dir (`~/.local/share/gumd` on Linux)"),
        "where the database, socket, lock, models and kept screenshots live; also `--data-dir`",
        Check(lambda v: bool(v.strip()), "a directory path"))
    log_dir: str = setting(
        DATA, "", "where `gumd.log` goes; empty: the platform log dir for the default data dir, else the data dir")
    log_level: str = setting(
        DATA, "INFO", "how much the log says; also `--log-level`", one_of(*LOG_LEVELS),
        normalize=lambda v: v.strip().upper())
    encrypt: bool = setting(
        DATA, False,
        "keep `gumd.db` encrypted (SQLCipher) with a random key in the OS keyring; `gumd store encrypt` converts "
        "an existing database")

    capture: bool = setting(CAPTURE, True, "watch the screen (`gumd run --no-capture` serves and processes only)")
    capture_settle_keys_s: float = setting(
        CAPTURE, 0.7, "seconds without typing after which a burst of keys is over", between(0.05, 60, "seconds"))
    capture_settle_click_s: float = setting(
        CAPTURE, 0.3, "seconds without clicks after which a burst of clicks is over", between(0.05, 60, "seconds"))
    capture_settle_scroll_s: float = setting(
        CAPTURE, 0.5, "seconds without scrolling after which a burst of scrolls is over",
        between(0.05, 60, "seconds"))
    capture_min_interval_s: float = setting(
        CAPTURE, 2.0, "least time between two captures", between(0, 3600, "seconds"))
    capture_heartbeat_s: float = setting(
        CAPTURE, 30.0, "a capture this often while you are active", between(1, 3600, "seconds"))
    capture_idle_s: float = setting(
        CAPTURE, 120.0, "no input for this long = idle: no capture, focus span ends", between(5, 86400, "seconds"))
    capture_duplicate_cells: int = setting(
        CAPTURE, 4, "a frame with at most this many changed 8×8-pixel cells is a near-duplicate and is skipped",
        Check(lambda v: 0 <= v <= 10000, "an integer from 0 to 10000 (8x8-pixel cells)"))
    capture_incremental_ocr: bool = setting(
        CAPTURE, True, "OCR only the regions that changed, when under half the area did")
    capture_cpu_budget: float = setting(
        CAPTURE, 0.025, "share of one core the capture path may use (0: no budget); over it captures are deferred",
        Check(lambda v: 0 <= v <= 1, "a share of one core from 0 (no budget) to 1, e.g. 0.025"))
    capture_cpu_window_s: float = setting(
        CAPTURE, 300.0, "the sliding window the CPU budget is counted over (longer: bigger bursts, then longer waits)",
        between(5, 3600, "seconds"))
    window_poll_s: float = setting(
        CAPTURE, 0.5, "how often the focused window is read when the display does not report changes itself",
        between(0.05, 60, "seconds"))
    exclude_defaults: bool = setting(
        CAPTURE, True, "apply the built-in exclusions (password managers, private browsing)")
    keep_screenshots: bool = setting(
        CAPTURE, False,
        "keep downscaled, secret-blanked screenshots in `frames/` in the data dir (else they live only in memory)")
    keep_screenshots_mb: int = setting(
        CAPTURE, 500, "the disk budget for kept screenshots; the oldest go first", between(1, 1_000_000, "megabytes"))
    ocr: str = setting(CAPTURE, "tesseract", "the OCR engine that reads the screen", one_of(*OCR_ENGINES))

    batch_interval_s: float = setting(
        BATCHES, 60.0, "how often pending observations are processed", between(0.1, 86400, "seconds"))
    battery_batch_interval_s: float = setting(
        BATCHES, 900.0, "how often they are processed on battery (0: wait for mains power)",
        between(0, 86400, "seconds", low_means="wait for mains power"))
    batch_max_observations: int = setting(BATCHES, 8, "most observations in one batch", between(1, 200))
    batch_max_chars: int = setting(BATCHES, 6000, "most characters of screen text in one batch", between(500, 200000))
    batch_window_s: float = setting(
        BATCHES, 3600.0, "most time from first to last observation of one batch, so a batch is one stretch of work",
        between(60, 86400, "seconds"))
    batch_max_attempts: int = setting(
        BATCHES, 3, "tries before a batch whose model work fails is parked as failed with its reason", between(1, 20))
    batch_retry_backoff_s: float = setting(
        BATCHES, 60.0, "wait before a failed batch is tried again, doubling after each failure",
        between(0, 86400, "seconds"))

    model: str = setting(
        MODEL, "qwen2.5-coder-0.5b",
        "the model that writes propositions: a preset name (`gumd models list`), a path to a `.gguf` file, or (with "
        "`model_url`) the name the server knows; also `gumd run --model`",
        Check(lambda v: bool(v.strip()), "a preset name (gumd models list) or a path to a .gguf file"))
    nap_model: str = setting(
        MODEL, "qwen2.5-coder-0.5b",
        "the model of next-action's in-context step, which must answer in seconds: a preset name or a path to a "
        "`.gguf` file; empty: the same as `model`; with `model_url` the server's model serves both; also "
        "`gumd predict --model`")
    model_threads: int = setting(
        MODEL, Computed(physical_cores, "physical cores"), "llama.cpp and torch threads", at_least(1))
    model_context: int = setting(MODEL, 4096, "context window in tokens", between(512, 131072))
    model_gpu_layers: int = setting(
        MODEL, 0,
        "layers offloaded to a GPU (-1: all) when the llama-cpp-python build has a GPU backend; ignored with a "
        "warning otherwise", at_least(-1, "-1 offloads every layer"))
    model_max_tokens: int = setting(MODEL, 768, "most tokens one answer may take", between(16, 8192))
    model_prompt_cache_mb: int = setting(
        MODEL, 256,
        "RAM cache of KV states: a prompt sharing a prefix with a recent one only evaluates the rest (0: off)",
        between(0, 65536, "megabytes", low_means="off"))
    model_prompt_lookup: int = setting(
        MODEL, 0,
        "prompt-lookup decoding: draft this many tokens per step from the prompt (answers that copy names from it; "
        "0: off); it keeps every position's logits (about 0.6 MB per prompt token for Qwen) and turns the prompt "
        "cache off", between(0, 32, "draft tokens", low_means="off"))
    model_idle_unload_s: float = setting(
        MODEL, 900.0, "unload a model after this long unused (0: never)",
        between(0, 604800, "seconds", low_means="never unload"))
    model_nice: int = setting(
        MODEL, 10, "nice value of the threads doing model and OCR work",
        between(0, 19, low_means="normal priority", high_means="lowest"))
    model_url: str = setting(
        MODEL, "",
        "an OpenAI-compatible server, up to `/v1` (llama.cpp server, Ollama, vLLM, LM Studio); when set, `model` "
        "is the name the server knows", Check(lambda v: v == "" or _is_url(v), "empty or an http(s):// URL"))
    model_api_key: str = setting(
        MODEL, "", "bearer token for `model_url`; set it as `GUMD_MODEL_API_KEY`; never printed", secret=True)
    model_timeout_s: float = setting(
        MODEL, 300.0, "how long to wait for `model_url` to answer; a server that hangs fails the batch, which is "
        "retried", between(1, 3600, "seconds"))
    model_json_mode: str = setting(
        MODEL, "json_schema", "how `model_url` is asked for JSON: `json_object` for llama-cpp-python's own server",
        one_of(*MODEL_JSON_MODES))
    hub_url: str = setting(
        MODEL, "https://huggingface.co", "where `gumd models pull` downloads hub presets from",
        Check(_is_url, "an http(s):// URL"))

    screen_reader: str = setting(
        VISION, "ocr",
        "how a screen becomes text: `ocr` (Tesseract), `vlm` (a vision model's description replaces the OCR text "
        "of the frames it reads) or `both` (the description is added to it); see docs/vlm.md",
        one_of(*SCREEN_READERS), normalize=lambda v: v.strip().lower())
    vlm_model: str = setting(
        VISION, "smolvlm2-500m",
        "a vision preset (`gumd models list`, IMAGES: yes), a path to a GGUF vision model, or (with `vlm_url`) "
        "the name the server knows", Check(lambda v: bool(v.strip()), "a preset name or a path to a .gguf file"))
    vlm_mmproj: str = setting(
        VISION, "", "the projector (`mmproj-*.gguf`) of a `vlm_model` given by path; presets bring their own")
    vlm_url: str = setting(
        VISION, "",
        "an OpenAI-compatible server that takes images, up to `/v1` (llama-server --mmproj, Ollama, vLLM, LM "
        "Studio); screenshots are sent there, so anything but loopback takes them off this machine",
        Check(lambda v: v == "" or _is_url(v), "empty or an http(s):// URL"))
    vlm_api_key: str = setting(
        VISION, "", "bearer token for `vlm_url`; set it as `GUMD_VLM_API_KEY`; never printed", secret=True)
    vlm_image_px: int = setting(
        VISION, 0, "the longest side, in pixels, of the image sent (0: the preset's input size, else 1024)",
        Check(lambda v: v == 0 or 224 <= v <= 4096, "0 (the model's input size) or 224 to 4096 pixels"))
    vlm_frames_per_hour: int = setting(
        VISION, 60, "most frames the vision model reads in any hour; over it frames keep their OCR text",
        between(1, 3600, "frames"))
    vlm_change_share: float = setting(
        VISION, 0.5,
        "the vision model reads the first frame of each activity (app and window title) and a later one only "
        "when at least this share of the screen changed since the last it read",
        between(0.05, 1, "a share of the screen"))

    embedder: str = setting(
        EMBEDDINGS, "minilm",
        "`minilm`: the packaged all-MiniLM-L6-v2, run by ONNX Runtime (offline; exported to `models/` in the data "
        "dir on first use); or a path to a GGUF embedding model (llama.cpp)",
        Check(lambda v: v == "minilm" or v.endswith(".gguf"), "minilm or a path to a .gguf embedding model"))
    embed_batch_size: int = setting(EMBEDDINGS, 64, "texts per embedding batch", between(1, 4096))

    api_tcp_port: int = setting(
        API, 0, "also serve the API on `127.0.0.1:<port>`, bearer token required (0: off)",
        Check(lambda v: v == 0 or 1024 <= v <= 65535, "0 (off) or a port from 1024 to 65535"))

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir).expanduser()

    @property
    def db_path(self) -> Path:
        return self.data_path / "gumd.db"

    @property
    def socket_path(self) -> Path:
        return self.data_path / "gumd.sock"

    @property
    def lock_path(self) -> Path:
        return self.data_path / "gumd.lock"

    @property
    def log_path(self) -> Path:
        """The rotating log: in log_dir when set; else in the platform log dir for the default data dir,
        and inside the data dir for any other (tests and second instances keep their logs apart)."""
        if self.log_dir:
            base = Path(self.log_dir).expanduser()
        elif self.data_path == Path(default_data_dir()).expanduser():
            base = default_log_dir()
        else:
            base = self.data_path
        return base / "gumd.log"

    @property
    def frames_dir(self) -> Path:
        return self.data_path / "frames"

    @property
    def models_dir(self) -> Path:
        return self.data_path / "models"


DECLARED: dict[str, dataclasses.Field] = {f.name: f for f in dataclasses.fields(Settings)}


def declaration(key: str) -> Declaration:
    """The declaration of setting `key` (KeyError for a name that is not a setting)."""
    return DECLARED[key].metadata["declaration"]


def allowed(key: str) -> str:
    """What setting `key` accepts, in words."""
    check = declaration(key).check
    return check.allowed if check else ANY_OF_TYPE[DECLARED[key].type]


def toml_literal(value: bool | int | float | str) -> str:
    """`value` as config.toml writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(value)  # a JSON string is a valid TOML basic string


REFERENCE_INTRO = """\
# Configuration reference

<!-- Generated from the declarations in gumd/settings.py by `gumd config reference > docs/configuration.md`;
     edit those, not this file. -->

Settings come from built-in defaults, then `config.toml` (in the platform config dir,
`~/.config/gumd/config.toml` on Linux, or the file named by `--config` or `GUMD_CONFIG`), then
`GUMD_<KEY>` environment variables (`GUMD_BATCH_INTERVAL_S=30`), then flags (`--set KEY=VALUE`,
`--data-dir`, `--log-level`, `gumd run --model`). A bad value stops start-up with one line naming
the key and what it accepts; an unknown key is refused the same way.
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def reference() -> str:
    """docs/configuration.md: every setting, grouped by area, with its default, what it accepts and what it does."""
    parts = [REFERENCE_INTRO]
    for area in AREAS:
        parts.append(f"\n## {area}\n\n| key | default | accepts | meaning |\n|---|---|---|---|\n")
        for key, f in DECLARED.items():
            declared = declaration(key)
            if declared.area == area:
                default = declared.shown or f"`{toml_literal(f.default)}`"
                parts.append(f"| `{key}` | {_cell(default)} | {_cell(allowed(key))} | {_cell(declared.help)} |\n")
    return "".join(parts)
