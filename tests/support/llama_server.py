"""Run llama-cpp-python's OpenAI-compatible server loading its model as gumd does (on CPUs with AMX, without
llama.cpp's extra buffer types, which crash there): `python -m tests.support.llama_server --model ...`."""

import contextlib
import runpy

from gumd.models.llamacpp import cpu_has_amx, without_extra_buffers

if __name__ == "__main__":
    with without_extra_buffers() if cpu_has_amx() else contextlib.nullcontext():
        runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
