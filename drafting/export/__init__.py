"""Exporting an assembled issue: Word (real footnotes, Chinese fonts) and Markdown ([^n] footnotes)."""

from drafting.export.docx import export_docx
from drafting.export.markdown import export_markdown, render_markdown

__all__ = ["export_docx", "export_markdown", "render_markdown"]
