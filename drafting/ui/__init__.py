"""The Gradio web app: the only package that imports gradio."""

from __future__ import annotations

from drafting.settings import Settings


def serve(settings: Settings) -> None:
    """Index the corpus, build the page and serve it (blocking)."""
    from drafting.ui.app import launch

    launch(settings)
