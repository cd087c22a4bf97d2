"""Shared fixtures: a temporary corpus holding the seed issue, settings pointing at tmp folders, services."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "issues" / "000_91daaad5127cd8d6.txt"
DATA = Path(__file__).resolve().parent / "data"
OUTPUT = Path(__file__).resolve().parent / "output"  # screenshots and exported files, for a person to look at


@pytest.fixture(scope="session")
def seed_path() -> Path:
    """The seed issue as extracted from the PDF."""
    return SEED


def make_settings(tmp: Path, **overrides: object):
    """Settings on a fresh corpus (the seed only) and fresh data folder under tmp."""
    from drafting.settings import Settings

    corpus = tmp / "corpus"
    (corpus / "issues").mkdir(parents=True, exist_ok=True)
    shutil.copy(SEED, corpus / "issues" / SEED.name)
    return Settings(_env_file=None, corpus_dir=corpus, data_dir=tmp / "data", **overrides)  # type: ignore[arg-type]


def seeded_settings(tmp: Path, **overrides: object):
    """make_settings with a data folder that already indexes the seed (tests/seed_data.py): for tests that need
    services over the seed but are not about building the index. Ingest then finds all 17 items unchanged."""
    from seed_data import copy_seed_data

    settings = make_settings(tmp, **overrides)
    copy_seed_data(settings.data_dir)
    return settings


@pytest.fixture
def tmp_settings(tmp_path: Path):
    """Fresh settings per test: seed corpus, empty index, no LLM."""
    return make_settings(tmp_path)


@pytest.fixture(scope="session")
def seeded_services(tmp_path_factory: pytest.TempPathFactory):
    """Services over the ingested seed corpus, shared by read-only tests (embedding once per session)."""
    from drafting.services import build_services

    services = build_services(seeded_settings(tmp_path_factory.mktemp("seeded")))
    services.ingest()
    return services


@pytest.fixture(scope="session")
def output_dir() -> Path:
    OUTPUT.mkdir(exist_ok=True)
    return OUTPUT


@pytest.fixture
def fake_openai():
    """A local OpenAI-protocol server (tests/fake_openai.py), started per test; `.url` goes in settings.llm.base_url."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from fake_openai import FakeOpenAI

    with FakeOpenAI() as server:
        yield server


IN_CI = os.environ.get("CI", "").lower() == "true"


def missing_tool(reason: str) -> None:
    """Skip when a system tool is absent on a developer's machine; fail in CI, which installs it (.ci/run)."""
    if IN_CI:
        pytest.fail(f"CI must provide this: {reason}")
    pytest.skip(reason)


@pytest.fixture
def watch_sites():
    """The watch stage's six loopback sites (tests/watchsites.py), at step 0; `.step(n)` changes them between runs."""
    from watchsites import WatchSites

    with WatchSites(slow_seconds=1.5) as sites:
        yield sites
