"""The GUM loop with real parts: the packaged model, the packaged MiniLM embedder, a real store."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from gumd.models import load_embedder
from gumd.models.lm import LlamaCppModel
from gumd.propositions.evaluate import ScenarioError, evaluate, load_scenario, score
from gumd.propositions.retrieve import Retriever
from gumd.store import NewProposition, Proposition, Store
from tests.conftest import GUMD, settings_for

SCENARIOS = Path(__file__).parent / "scenarios"


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


def test_scores_count_recall_precision_and_calibration():
    props = [Proposition("a", "", 9, 5, id=1), Proposition("b", "", 9, 5, id=2), Proposition("c", "", 2, 5, id=3)]
    recall, precision, ece, bins = score(props, ["f1", "f2"], [[True, False], [False, False], [False, False]])
    assert (recall, round(precision, 3)) == (0.5, 0.333)
    assert bins["9-10"] == {"n": 2, "accuracy": 0.5, "confidence": 0.9} and bins["1-3"]["accuracy"] == 0.0
    assert round(ece, 3) == round(2 / 3 * 0.4 + 1 / 3 * 0.2, 3)
    # a proposition that also makes a false statement is not correct
    _, precision, _, _ = score(props, ["f1", "f2"], [[True, False], [False, False], [False, False]], [True, False, False])
    assert precision == 0.0


def test_the_harness_runs_the_real_pipeline_on_a_scenario(model_path, embedder):
    lm = LlamaCppModel(model_path, threads=2, context=4096)
    scenario = load_scenario(SCENARIOS / "tune" / "language.jsonl")
    result = evaluate(scenario, lambda: lm, embedder)
    assert result.observations == len(scenario.observations) and result.facts == len(scenario.facts)
    assert result.failed_batches == 0 and result.propositions >= 1 and result.model_seconds > 0
    assert result.prompt_tokens > 0 and result.completion_tokens > 0
    assert 0 <= result.recall <= 1 and 0 <= result.precision <= 1 and 0 <= result.ece <= 1
    assert sum(b["n"] for b in result.bins.values()) == result.propositions
    for p in result.propositions_scored:  # every verdict can be read: text, confidence, evidence, what it matched
        assert p.text and 1 <= p.confidence <= 10 and p.evidence and p.features
        assert p.correct == (p.fact is not None and p.false is None)


def test_a_bad_scenario_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"type": "fact", "text": "x"}) + "\n{not json}\n")
    with pytest.raises(ScenarioError, match="bad.jsonl:2"):
        load_scenario(bad)
    env = {**os.environ, "GUMD_CONFIG": str(tmp_path / "none.toml")}
    r = subprocess.run([*GUMD, "--data-dir", str(tmp_path / "d"), "eval", "propositions", str(bad)], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "bad.jsonl:2" in r.stderr
