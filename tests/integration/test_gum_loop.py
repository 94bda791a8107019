"""The GUM loop with real parts: the packaged model, the packaged MiniLM embedder, a real store."""

import json
import os
import subprocess

import pytest

from gumd.models import load_embedder
from gumd.models.lm import LlamaCppModel
from gumd.models.recorded import RecordedModel
from gumd.propositions.evaluate import ScenarioError, evaluate, load_scenario
from gumd.propositions.retrieve import Retriever
from gumd.store import NewProposition, Store
from tests.support.environment import GUMD, REPO, settings_for

SCENARIOS = REPO / "tests" / "scenarios"


@pytest.fixture(scope="module")
def embedder(tmp_path_factory):
    return load_embedder(settings_for(tmp_path_factory.mktemp("embed")))


def test_embeddings_find_a_belief_that_shares_no_word_with_the_query(tmp_path, embedder):
    store = Store(tmp_path / "g.db")
    wedding = store.propositions.add(NewProposition("The user is organising Marta's wedding in Sintra", "", 8, 6), [])
    store.propositions.add(NewProposition("The user writes Rust code at work", "", 8, 9), [])
    hybrid = Retriever(store, embedder)
    assert hybrid.index_pending() == 2
    assert Retriever(store).search("marriage ceremony plans") == []  # BM25 alone: no shared word
    assert [h.proposition.id for h in hybrid.search("marriage ceremony plans")] == [wedding]


def test_the_harness_runs_the_real_pipeline_on_a_scenario(model_path, embedder, tmp_path):
    answers = tmp_path / "answers.jsonl"
    lm = RecordedModel(LlamaCppModel(model_path, threads=2, context=4096), answers)
    scenario = load_scenario(SCENARIOS / "tune" / "language.jsonl")
    result = evaluate(scenario, lambda: lm, embedder)
    assert result.observations == len(scenario.observations) and result.facts == len(scenario.facts)
    assert result.failed_batches == 0 and result.propositions >= 1 and result.model_seconds > 0
    assert result.prompt_tokens > 0 and result.completion_tokens > 0
    assert 0 <= result.recall <= 1 and 0 <= result.precision <= 1 and 0 <= result.ece <= 1
    assert sum(b["n"] for b in result.bins.values()) == result.propositions
    assert sum(total for _, total in result.kinds.values()) == result.facts
    assert sum(found for found, _ in result.kinds.values()) == result.facts - len(result.missed)
    for p in result.propositions_scored:  # every verdict can be read: text, confidence, evidence, what it matched
        assert p.text and 1 <= p.confidence <= 10 and p.evidence and p.features
        assert p.correct == (p.fact is not None and p.false is None)
    assert lm.recorded >= 1 and lm.replayed == 0

    replay = RecordedModel(LlamaCppModel(model_path, threads=2, context=4096), answers)
    again = evaluate(scenario, lambda: replay, embedder)  # the recorded answers: the same run, no model loaded
    assert [p.text for p in again.propositions_scored] == [p.text for p in result.propositions_scored]
    assert (replay.recorded, replay.replayed) == (0, lm.recorded) and not replay.model.describe()["loaded"]
    assert again.model_seconds == result.model_seconds


def test_a_bad_scenario_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"type": "fact", "text": "x"}) + "\n{not json}\n")
    with pytest.raises(ScenarioError, match="bad.jsonl:2"):
        load_scenario(bad)
    env = {**os.environ, "GUMD_CONFIG": str(tmp_path / "none.toml")}
    r = subprocess.run([*GUMD, "--data-dir", str(tmp_path / "d"), "eval", "propositions", str(bad)], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "bad.jsonl:2" in r.stderr


def test_answers_that_cannot_be_read_are_a_clear_error(tmp_path):
    env = {**os.environ, "GUMD_CONFIG": str(tmp_path / "none.toml")}
    r = subprocess.run([*GUMD, "--data-dir", str(tmp_path / "d"), "eval", "propositions",
                        str(SCENARIOS / "tune" / "language.jsonl"), "--answers", str(tmp_path)], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and str(tmp_path) in r.stderr and "Traceback" not in r.stderr
