"""Toasts render HTML in Gradio: error messages that quote user text must reach them escaped."""

from __future__ import annotations

import warnings

from drafting.errors import ParseError
from drafting.ui.app import guarded


def test_user_error_is_escaped_before_it_reaches_the_toast() -> None:
    @guarded(1)
    def upload() -> str:
        raise ParseError("无法识别的文件", path='<img src=x onerror="alert(1)">.md')

    # Outside a request Gradio emits the toast text as a Python warning: the same string the page would render.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        upload()
    shown = " ".join(str(w.message) for w in caught)
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;.md" in shown
    assert "<img" not in shown
