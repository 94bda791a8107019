"""All model work: language models, OCR, and the presets that name them."""

from __future__ import annotations

from gumd.config import Settings
from gumd.models.lm import LanguageModel, LlamaCppModel, ModelError, SchemaViolation
from gumd.models.ocr import Ocr, OcrLine, load_ocr
from gumd.models.registry import PRESETS, ModelNotFound, resolve


def load_language_model(settings: Settings) -> LanguageModel:
    """The language model the settings name (not loaded into memory until first used)."""
    path = resolve(settings.model, settings.models_dir)
    return LlamaCppModel(
        path,
        threads=settings.model_threads,
        context=settings.model_context,
        gpu_layers=settings.model_gpu_layers,
    )


__all__ = [
    "LanguageModel", "LlamaCppModel", "ModelError", "ModelNotFound", "Ocr", "OcrLine", "PRESETS",
    "SchemaViolation", "load_language_model", "load_ocr", "resolve",
]
