"""Reading newsletter issues (txt, md, docx, pdf, json) into items, and the corpus folder."""

from drafting.corpus.files import CorpusFiles
from drafting.corpus.parse import parse_file, parse_text

__all__ = ["CorpusFiles", "parse_file", "parse_text"]
