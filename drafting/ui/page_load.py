"""One load event for the whole page (issue #28): each tab registers what it fills in on page load, and the page
sends a single event for all of them instead of one per tab.

Seven load events were seven round trips (and seven results re-rendered apart) before the page was usable; one event
answers them together. Each tab's loader still runs on its own: one that fails leaves its own outputs as they are
and the others fill theirs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import gradio as gr

logger = logging.getLogger(__name__)

LOADED_JS = "() => { document.documentElement.dataset.dzLoaded = '1'; return []; }"
LOADED_SELECTOR = "html[data-dz-loaded]"

Guard = Callable[[int], Callable[[Callable[..., Any]], Callable[..., Any]]]


@dataclass(frozen=True)
class Loader:
    """One tab's page-load callback, with its inputs and outputs as it would have passed them to demo.load."""

    fn: Callable[..., Any]
    inputs: list[Any]
    outputs: list[Any]
    with_request: bool = False  # called with request= (the page's address: ?draft=, ?issue=)


@dataclass
class PageLoad:
    """The loaders of every tab, wired as one demo.load once the page is built."""

    loaders: list[Loader] = field(default_factory=list)

    def add(self, fn: Callable[..., Any], inputs: Sequence[Any] | None, outputs: Sequence[Any] | Any,
            with_request: bool = False) -> None:
        """Register a loader (same arguments as demo.load: one output may be given bare); with_request: the loader
        takes the page's gr.Request as the keyword request."""
        outs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        self.loaders.append(Loader(fn, list(inputs or []), outs, with_request))

    def wire(self, demo: gr.Blocks, guard: Guard) -> None:
        """One demo.load over every registered loader, in registration order (the visible 起草 tab first)."""
        if not self.loaders:
            return
        inputs: list[Any] = []
        for loader in self.loaders:
            inputs += [c for c in loader.inputs if all(c is not seen for seen in inputs)]
        outputs = [c for loader in self.loaders for c in loader.outputs]
        if len({id(c) for c in outputs}) != len(outputs):
            raise ValueError("two tabs fill the same component on page load")
        places = [[next(i for i, c in enumerate(inputs) if c is comp) for comp in loader.inputs] for loader in self.loaders]
        # each loader guarded by itself: an error in one (a Chinese warning, as any event) skips only its outputs
        calls = [guard(len(loader.outputs))(loader.fn) for loader in self.loaders]

        def page_load(request: gr.Request, *values: Any) -> tuple[Any, ...]:
            filled: list[Any] = []
            for loader, call, where in zip(self.loaders, calls, places, strict=True):
                extra = {"request": request} if loader.with_request else {}
                result = call(*(values[i] for i in where), **extra)
                filled += list(result) if len(loader.outputs) > 1 else [result]
            return tuple(filled)

        # The page marks itself loaded in the browser (no round trip): what is typed before then may be replaced by
        # what the load fills in, so scripts and tests wait for it, as an editor waits for the loading bars to go.
        demo.load(page_load, inputs, outputs).then(None, None, None, js=LOADED_JS)
