"""What a link gave, as the fetcher returns it and the cache keeps it (neither needs to know the other)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from drafting.sources.reader import Document


class Attachment(BaseModel):
    """A file linked from the page (PDF, Word, WPS …) that may be the policy itself."""

    url: str
    name: str
    type: str = Field(description="file extension: pdf, docx, doc, wps …")


class FetchedSource(BaseModel):
    """What a link gave: text as published, its metadata and attachments."""

    url: str = Field(description="the link as given: the item's source footnote")
    final_url: str = Field(description="where redirects ended")
    title: str | None = None
    date: str | None = Field(None, description="publication date, YYYY-MM-DD, when the page gives one")
    issuer: str | None = Field(None, description="issuing body, when the page names it")
    text: str
    charset: str | None = Field(None, description="character set the page was decoded with; None for documents")
    content_type: str = ""
    attachments: list[Attachment] = Field(default_factory=list)
    sha1: str = Field("", description="SHA-1 of the fetched bytes")
    ocr: list[str] = Field(default_factory=list, description="per-page OCR report when the link was a scan")
    notes: list[str] = Field(default_factory=list, description="problems the editor should check (an impossible date …)")
    cached: bool = Field(False, description="served from the source cache, not fetched now")
    public_only: bool = Field(False, description="fetched with private addresses blocked: every hop's address was checked")
    document: Document | None = Field(None, description="what was read out of it: title, issuers, dates, 文号, figures")

    def raw_text(self, *, with_source: bool = True, with_date: bool = False) -> str:
        """The source as a pasted text: title, the text without page furniture, and a 来源 line (the item's footnote).

        The page date is not written above the text any more (it stayed in the paste box as "2024-06-20，"): it is
        on the source card (`document.published`) and goes to the draft from there.
        """
        text = (self.document.text if self.document is not None and self.document.text else self.text).strip()
        head = [self.title] if self.title and self.title not in text[:300] else []
        if with_date and self.date:  # no card on this path (a batch row): the reader finds it as a labelled date
            head.append(f"发布日期：{self.date}")
        return "\n".join([*head, text, *([f"来源：{self.url}"] if with_source else [])])

    def cli_json(self) -> dict[str, object]:
        """The `drafting fetch --json` shape: the fetch, and `document` as the source card shows it."""
        data = self.model_dump(mode="json", exclude={"document"})
        data["document"] = self.document.card() if self.document is not None else None
        return data
