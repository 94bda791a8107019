"""Export a transformer directory's weights to an ONNX graph, written to stdout: `python -m gumd.models.onnx_export DIR`.

Run as a child process by `gumd.models.embed.export_onnx`, so that torch and transformers never load
into the daemon. Needs both (sentence-transformers brings them); takes a few seconds.
"""

from __future__ import annotations

import io
import os
import sys
import warnings
from pathlib import Path

OPSET = 17


def export(model_dir: Path) -> bytes:
    """The graph of `model_dir`'s transformer: token ids, attention mask (and token types) in, token vectors out."""
    os.environ["HF_HUB_OFFLINE"] = "1"  # a local directory must never turn into a hub download
    import torch
    from transformers import AutoModel, AutoTokenizer

    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    names = tokenizer.model_input_names
    sample = tokenizer(["a sample"], return_tensors="pt")

    class Graph(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, *inputs):
            return self.model(**dict(zip(names, inputs))).last_hidden_state

    out = io.BytesIO()
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on shapes it fixes, which the graph keeps dynamic
        torch.onnx.export(
            Graph(), tuple(sample[n] for n in names), out, input_names=names, output_names=["tokens"],
            opset_version=OPSET, dynamo=False,
            dynamic_axes={n: {0: "batch", 1: "length"} for n in [*names, "tokens"]},
        )
    return out.getvalue()


if __name__ == "__main__":
    sys.stdout.buffer.write(export(Path(sys.argv[1])))
