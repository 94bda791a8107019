"""The llama.cpp backend against the real packaged GGUF."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from typing import Literal

import llama_cpp
import pytest
from tests.support.environment import REPO, settings_for, wait_for
from pydantic import BaseModel, Field, field_validator

from gumd.daemon import OnFirstUse, SharedModel
from gumd.models import LlamaCppModel, ModelNotFound, SchemaViolation, load_language_model, load_next_action_model

MAIL = ("From: Marta Silva. Subject: Lisbon wedding flights. Hi Alex, could you book TAP flight TP 218 from Boston "
        "for both of us on September 12? Budget 900 EUR per person.")


class Fact(BaseModel):
    text: str = Field(max_length=200)
    confidence: Literal[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]


class Facts(BaseModel):
    facts: list[Fact] = Field(min_length=1, max_length=2)


class Impossible(BaseModel):
    """JSON the grammar allows but pydantic refuses: no model guesses this word."""

    word: str = Field(max_length=20)

    @field_validator("word")
    @classmethod
    def must_be_the_secret(cls, v: str) -> str:
        if v != "xq-7-never":
            raise ValueError("not the secret word")
        return v


def ask(text: str) -> list[dict[str, str]]:
    system = "You extract facts about the user as JSON."
    return [{"role": "system", "content": system}, {"role": "user", "content": text}]


@pytest.fixture(scope="module")
def model(model_path):
    lm = LlamaCppModel(model_path, threads=2, context=2048, nice=5)
    yield lm
    lm.unload()


def test_packaged_model_answers_with_json_that_validates(model):
    facts = model.complete_json(ask(MAIL), Facts, max_tokens=200)
    assert isinstance(facts, Facts) and 1 <= len(facts.facts) <= 2
    assert all(f.text.strip() and 1 <= f.confidence <= 10 for f in facts.facts)
    assert model.complete_text(ask("Say hello in one word."), max_tokens=8).strip()


def test_answer_cut_off_by_max_tokens_is_retried_once_then_raises(model):
    before = (model.usage.schema_retries, model.usage.schema_failures, model.usage.calls)
    with pytest.raises(SchemaViolation, match="cut off at 3 tokens"):
        model.complete_json(ask(MAIL), Facts, max_tokens=3)
    after = (model.usage.schema_retries, model.usage.schema_failures, model.usage.calls)
    assert after == (before[0] + 1, before[1] + 1, before[2] + 2)


def test_valid_json_that_fails_validation_raises_schema_violation(model):
    with pytest.raises(SchemaViolation, match="word"):
        model.complete_json(ask("Give any word."), Impossible, max_tokens=30)


def test_the_same_request_gets_the_same_answer_and_only_a_retry_samples(model):
    other = ask("From: Tom Becker. Subject: covers. Final files are due Friday 26 June.")
    first = model.complete_json(ask(MAIL), Facts, max_tokens=200)
    model.complete_json(other, Facts, max_tokens=200)  # the KV cache now holds another prompt
    assert model.complete_json(ask(MAIL), Facts, max_tokens=200) == first  # greedy: the same screens, the same facts
    said = {model._generate(ask(MAIL), None, 40, retry=True).text for _ in range(4)}
    assert len(said) > 1  # a retry samples, a new seed each time: it does not replay an unusable answer


def test_a_shared_prompt_prefix_is_served_from_the_kv_cache(model_path):
    engine = "You read screens and write facts about the user. " * 12
    predictor = "You predict the next action the user will take. " * 12

    def third_call_cached(cache_mb: int) -> int:
        lm = LlamaCppModel(model_path, threads=2, context=2048, prompt_cache_mb=cache_mb)
        try:
            for system, user in [(engine, "one"), (predictor, "two"), (engine, "three")]:
                lm.complete_text([{"role": "system", "content": system}, {"role": "user", "content": user}], 2)
            return lm.usage.cached_prompt_tokens
        finally:
            lm.unload()

    with_cache, without = third_call_cached(64), third_call_cached(0)
    # The engine's system prompt (>100 tokens) comes back from the RAM cache after the predictor's call;
    # without the cache only the few template tokens both prompts start with are reused.
    assert with_cache - without > 100
    assert without < 20


def test_prompt_lookup_decoding_answers_a_prompt_longer_than_a_batch(model_path):
    long = ask(MAIL + " " + "The venue is Quinta da Regaleira in Sintra, Portugal. " * 60)  # > 512 tokens: n_batch
    answers = []
    for lookup in (0, 6):
        lm = LlamaCppModel(model_path, threads=2, context=2048, prompt_lookup=lookup)
        try:
            answers.append(lm.complete_json(long, Facts, max_tokens=120))
            assert lm.usage.prompt_tokens > 512
        finally:
            lm.unload()
    assert answers[0].facts and answers[1].facts


def test_parts_naming_one_model_share_it_and_next_action_loads_its_own_on_first_use(tmp_path, model_path):
    settings = settings_for(tmp_path, model=str(model_path), nap_model="")
    first = load_language_model(settings)
    assert load_language_model(settings) is first
    assert load_next_action_model(settings) is first  # an empty nap_model is the language model itself
    assert load_next_action_model(dataclasses.replace(settings, nap_model=str(model_path))) is first
    other = load_language_model(settings_for(tmp_path, model=str(model_path), model_threads=1))
    assert other is not first and other.threads == 1

    missing = dataclasses.replace(settings, nap_model=str(tmp_path / "absent.gguf"))
    with pytest.raises(ModelNotFound):
        load_next_action_model(missing)
    lazy = OnFirstUse(SharedModel(missing, load_next_action_model), "absent")  # what the daemon builds: no load yet
    with pytest.raises(ModelNotFound):
        lazy.complete_text(ask("Say yes."), max_tokens=2)
    loaded = OnFirstUse(SharedModel(settings, load_next_action_model), "packaged")
    assert loaded.complete_text(ask("Say yes."), max_tokens=2) and loaded.usage.calls == 1


def test_idle_model_unloads_and_the_next_call_loads_it_again(model_path):
    lm = LlamaCppModel(model_path, threads=2, context=1024, idle_unload_s=0.3, gpu_layers=-1)
    assert lm.complete_text(ask("Say yes."), max_tokens=2)
    wait_for(lambda: not lm.describe()["loaded"], 30, what="idle unload")
    assert lm.complete_text(ask("Say no."), max_tokens=2)
    info = lm.describe()
    assert info["gpu_offload_supported"] == llama_cpp.llama_supports_gpu_offload()
    assert info["gpu_layers"] == (-1 if info["gpu_offload_supported"] else 0)
    lm.unload()
    assert not lm.describe()["loaded"]


def test_model_work_runs_at_the_configured_nice_value(model):
    own = os.getpriority(os.PRIO_PROCESS, 0)  # on Linux: this thread's nice value
    model.complete_text(ask("Say yes."), max_tokens=2)
    assert os.getpriority(os.PRIO_PROCESS, model.describe()["worker_thread_id"]) >= max(own, 5)
    assert os.getpriority(os.PRIO_PROCESS, 0) == own  # the caller's thread is untouched


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        status = f.read()
    return int(status.split("VmRSS:")[1].split()[0]) / 1024


def test_a_prompt_served_from_the_kv_cache_does_not_grow_memory_by_the_logits_array(model_path):
    # llama-cpp-python keeps a logits array of 512 rows x the vocabulary (311 MB for Qwen) that nothing reads
    # without logits_all; restoring a cached state used to write every row of it, making all of it resident
    # (the load test saw the daemon grow by 305 MB at its first cache hit).
    engine = "You read screens and write facts about the user from what they do all day. " * 40  # > 512 tokens
    predictor = "You predict the next action the user will take. " * 12
    lm = LlamaCppModel(model_path, threads=2, context=2048, prompt_cache_mb=256)
    try:
        for system, user in [(engine, "one"), (predictor, "two")]:
            lm.complete_text([{"role": "system", "content": system}, {"role": "user", "content": user}], 2)
        before = _rss_mb()
        lm.complete_text([{"role": "system", "content": engine}, {"role": "user", "content": "three"}], 2)
        assert lm.usage.cached_prompt_tokens > 500  # it was a cache hit
        assert _rss_mb() - before < 100
    finally:
        lm.unload()


_FREED_BELOW_A_LIVE_BLOCK = """
import ctypes, json
from gumd.models.llamacpp import release_freed_memory

def rss_mb():
    with open("/proc/self/status") as f:
        return int(f.read().split("VmRSS:")[1].split()[0]) / 1024

libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
chunks = [libc.malloc(100_000) for _ in range(2000)]  # under the mmap threshold: from the heap
for c in chunks:
    ctypes.memset(c, 1, 100_000)
pin = libc.malloc(100_000)  # from the top of the heap: it stays in use, so free() alone cannot shrink it
before = rss_mb()
for c in chunks:
    libc.free(c)
freed = rss_mb()
release_freed_memory()
print(json.dumps({"before": before, "freed": freed, "trimmed": rss_mb()}))
"""


def test_memory_the_c_allocator_freed_goes_back_to_the_os():
    # What a prompt-cache save or restore leaves behind: large transient buffers freed below a live one,
    # which glibc keeps in its heap (RSS stays) until malloc_trim hands them back. In a fresh process, so
    # that what the test process allocated before does not decide how much of the heap can shrink.
    done = subprocess.run([sys.executable, "-c", _FREED_BELOW_A_LIVE_BLOCK], capture_output=True, text=True,
                          timeout=60, cwd=REPO)
    assert done.returncode == 0, done.stderr
    rss = json.loads(done.stdout)
    assert rss["before"] - rss["freed"] < 20  # 200 MB freed, and free() alone gave (almost) none of it back
    assert rss["freed"] - rss["trimmed"] > 150  # the trim did
