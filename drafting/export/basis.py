"""What each item of a Word export was exported from: its stored version and text, kept inside the DOCX.

The record is a custom XML part (``customXml/itemN.xml``, root ``<dz:export>``, one ``<dz:item key=…>`` per draft).
Word keeps custom XML parts by design and LibreOffice carries them through a re-save (renumbered, so the reader
finds ours by its namespace, not its name). The import compares the editor's current text with it to tell a browser
edit made after the export from the partner's change in Word.
"""

from __future__ import annotations

import logging
import uuid
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from lxml import etree

logger = logging.getLogger(__name__)

NS = "urn:zhide:drafting:word-export:1"
_DS = "http://schemas.openxmlformats.org/officeDocument/2006/customXml"
_PROPS_TYPE = "application/vnd.openxmlformats-officedocument.customXmlProperties+xml"
TEXTS = ("title", "body", "commentary")


@dataclass
class ExportBasis:
    """One item as exported: the stored version and the editor's text at that moment."""

    version: int
    title: str = ""
    body: str = ""
    commentary: str = ""
    sources: list[str] = field(default_factory=list)


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def basis_xml(basis: Mapping[str, ExportBasis]) -> bytes:
    """The custom XML part's content (lxml escapes every text and attribute)."""
    root = etree.Element(_q("export"), nsmap={"dz": NS})
    for key, b in basis.items():
        item = etree.SubElement(root, _q("item"), key=key, version=str(b.version))
        for name in TEXTS:
            etree.SubElement(item, _q(name)).text = getattr(b, name)
        for url in b.sources:
            etree.SubElement(item, _q("source")).text = url
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def add_basis(doc: DocxDocument, basis: Mapping[str, ExportBasis]) -> None:
    """Attach the record to the document as a custom XML part with its properties part, as Word writes them."""
    package = doc.part.package
    item = Part(package.next_partname("/customXml/item%d.xml"), "application/xml", basis_xml(basis), package)
    props_name = PackURI(item.partname.replace("/item", "/itemProps"))
    props = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<ds:datastoreItem ds:itemID="{{{uuid.uuid4()}}}"'
             f' xmlns:ds="{_DS}"><ds:schemaRefs><ds:schemaRef ds:uri="{NS}"/></ds:schemaRefs></ds:datastoreItem>')
    item.relate_to(Part(props_name, _PROPS_TYPE, props.encode(), package), RT.CUSTOM_XML_PROPS)
    doc.part.relate_to(item, RT.CUSTOM_XML)


def read_basis(path: Path) -> dict[str, ExportBasis] | None:
    """The record of a reviewed file by item key; None when the file has none (an export from before it existed)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    blobs: list[bytes] = []
    try:
        with zipfile.ZipFile(path) as z:
            for name in (n for n in z.namelist() if n.startswith("customXml/") and n.endswith(".xml")):
                try:
                    blobs.append(z.read(name))
                except (RuntimeError, NotImplementedError, ValueError, zipfile.BadZipFile, EOFError) as exc:
                    # Encrypted or unsupported-compression entry (re-saved by another tool): skip it; when it
                    # was our record, the import goes on with the base unknown.
                    logger.warning("unreadable part %s in %s: %s", name, path, exc)
    except (OSError, zipfile.BadZipFile):
        return None
    for blob in blobs:
        if NS.encode() not in blob:
            continue
        try:
            root = etree.fromstring(blob, parser)
        except etree.XMLSyntaxError:
            logger.warning("unreadable export record in %s", path)
            continue
        if root.tag != _q("export"):
            continue
        out: dict[str, ExportBasis] = {}
        for item in root.findall(_q("item")):
            texts = {name: item.findtext(_q(name)) or "" for name in TEXTS}
            out[item.get("key") or ""] = ExportBasis(
                version=_version(item.get("version")), **texts,
                sources=[s.text or "" for s in item.findall(_q("source"))])
        return out
    return None


def _version(value: str | None) -> int:
    """The recorded version; 0 (unknown) for anything but plain ASCII digits ("²".isdigit() is True, int() fails)."""
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdecimal() else 0
