"""Reading newsletter issues (txt, md, docx, pdf, json) into items, and the corpus folder."""

from drafting.corpus.parse import parse_file, parse_text
from drafting.corpus.files import CorpusFiles

__all__ = ["parse_file", "parse_text", "CorpusFiles"]
