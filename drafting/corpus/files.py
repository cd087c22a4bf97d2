"""The corpus folder: the system of record. Originals and one parsed JSON per issue."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from pathlib import Path

from pydantic import ValidationError as PydanticValidationError

from drafting.corpus.parse import SUFFIXES, parse_file
from drafting.corpus.readers import check_unique_items, is_issue_json
from drafting.errors import ParseError, ValidationError
from drafting.errors_zh import field_errors
from drafting.fileio import atomic_write
from drafting.models import Issue, Item
from drafting.names import name_problem, safe_stem

logger = logging.getLogger(__name__)

ACCEPTED = "accepted"
BACKUP = "backup"  # corpus/backup/: copies of parsed JSON taken before any re-parse (never read as corpus)
MAX_STEM_BYTES = 160  # room for "_<hash>", a suffix and the atomic-write temp prefix within 255 bytes


def _issue_bytes(issue: Issue) -> bytes:
    return (json.dumps(issue.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def items_digest(issue: Issue) -> str:
    """SHA-1 of an issue's items: recorded when parsed, so a later hand correction shows."""
    data = json.dumps([i.model_dump(mode="json") for i in issue.items], ensure_ascii=False, sort_keys=True)
    return hashlib.sha1(data.encode("utf-8")).hexdigest()


class HandCorrected(ValidationError):
    """The original changed but its JSON holds a person's corrections: not re-parsed (the JSON was backed up)."""


def _sha1(path: Path) -> str:
    h = hashlib.sha1()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class CorpusFiles:
    """Reads and writes corpus/ atomically.

    Layout: ``corpus/issues/<stem>.<ext>`` originals, ``corpus/issues/<stem>.json`` parsed issues,
    ``corpus/accepted/<item-id>.json`` single items accepted in the editor.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        # files skipped by the last read, name → reason: `check` reports them and the index keeps their items
        self.broken: dict[str, str] = {}
        # originals changed under a hand-corrected JSON at the last read, name → Chinese message (JSON kept)
        self.reparse_refused: dict[str, str] = {}

    @property
    def issues_dir(self) -> Path:
        """Folder of originals and their parsed JSON."""
        return self.root / "issues"

    @property
    def accepted_dir(self) -> Path:
        """Folder of single accepted items."""
        return self.root / ACCEPTED

    # --- reading -------------------------------------------------------------------------------

    def issues(self) -> list[Issue]:
        """Every parsed issue, accepted items grouped as issue 'accepted'."""
        issues: list[Issue] = []
        broken: dict[str, str] = {}
        self.reparse_refused = {}
        folder = self.issues_dir
        if folder.is_dir():
            for stem, original, parsed in self._entries():
                try:
                    issues.append(self._load(stem, original, parsed))
                except (ParseError, ValidationError) as exc:
                    # one bad file must not hide the rest of the corpus
                    logger.warning("skipped %s", exc)
                    broken[stem] = str(exc)
                except (ValueError, RecursionError, OSError) as exc:
                    # a hand-edited or damaged file the parsers did not foresee: name it, keep going
                    logger.warning("skipped %s: %s", (parsed or original).name, exc)  # type: ignore[union-attr]
                    broken[stem] = f"{(parsed or original).name}：无法读取（{type(exc).__name__}）"  # type: ignore[union-attr]
        self.broken = broken
        accepted = self.accepted_items()
        if accepted:
            issues.append(Issue(id=ACCEPTED, title="编辑采纳的条目", items=accepted))
        return issues

    def items(self) -> list[Item]:
        """All items, de-duplicated by id (a later file wins)."""
        by_id: dict[str, Item] = {}
        for issue in self.issues():
            for item in issue.items:
                by_id.pop(item.id, None)
                by_id[item.id] = item
        return list(by_id.values())

    def accepted_items(self) -> list[Item]:
        """Items accepted in the editor, oldest file first."""
        folder = self.accepted_dir
        if not folder.is_dir():
            return []
        items: list[Item] = []
        for path in sorted(folder.glob("*.json"), key=lambda p: (p.stat().st_mtime, p.name)):
            try:
                items.append(Item.model_validate_json(path.read_text(encoding="utf-8-sig")))
            except (OSError, ValueError) as exc:
                logger.warning("skipped accepted item %s: %s", path.name, exc)
        return items

    def _entries(self) -> list[tuple[str, Path | None, Path | None]]:
        """(stem, original, parsed JSON) for every issue in corpus/issues/, by stem."""
        originals: dict[str, Path] = {}
        parsed: dict[str, Path] = {}
        for path in sorted(self.issues_dir.iterdir()):
            if not path.is_file() or path.name.startswith("."):
                continue
            suffix = path.suffix.lower()
            if suffix == ".json" and is_issue_json(path):
                parsed[path.stem] = path
            elif suffix in SUFFIXES:
                # a user's plain JSON item list is an original, like a .txt
                originals.setdefault(path.stem, path)
        stems = sorted(set(originals) | set(parsed))
        return [(s, originals.get(s), parsed.get(s)) for s in stems]

    def _load(self, stem: str, original: Path | None, parsed: Path | None) -> Issue:
        if original is None:
            assert parsed is not None
            return self._read_issue(parsed)
        if original.suffix.lower() == ".json":
            # a user's plain JSON item list is its own record: parsed in memory, never written over
            issue = parse_file(original)
            issue.source_file = original.name
            return issue
        digest = _sha1(original)
        if parsed is not None:
            recorded = self._read_issue(parsed)
            if recorded.source_sha1 == digest:
                # the JSON is the system of record: a person may have corrected it
                return recorded
            try:
                self._before_reparse(original, parsed, recorded)
            except HandCorrected as exc:
                # the corrections stay the record; `check` and start-up name the file and what to do
                self.reparse_refused[stem] = str(exc)
                return recorded
        issue = self._parse_as(original, original, digest)
        self.save_issue(issue)
        return issue

    def _parse_as(self, src: Path, target: Path, digest: str | None) -> Issue:
        """Parse ``src`` as the issue stored under ``target``'s name, recording the original's hash."""
        issue = parse_file(src)
        issue = issue.model_copy(
            update={
                "id": safe_stem(target.stem),
                "source_file": target.name,
                "source_sha1": digest,
                "items": [i.model_copy(update={"issue": safe_stem(target.stem)}) for i in issue.items],
            }
        )
        return issue.model_copy(update={"parsed_sha1": items_digest(issue)})

    def backup(self, path: Path) -> Path:
        """Copy a parsed JSON to corpus/backup/<name>.<UTC time>.json before it is replaced."""
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        target = self.root / BACKUP / f"{path.stem}.{stamp}.json"
        n = 1
        while target.exists():
            n += 1
            target = self.root / BACKUP / f"{path.stem}.{stamp}-{n}.json"
        atomic_write(target, path.read_bytes())
        return target

    def _before_reparse(self, original: Path, parsed: Path, recorded: Issue) -> None:
        """Back up the JSON about to be replaced; HandCorrected when it holds a person's corrections."""
        saved = self.backup(parsed)
        if recorded.source_sha1 is None:
            logger.warning("%s 未记录原件 %s 的哈希：按原件重新解析（原 JSON 已备份到 %s）", parsed.name, original.name, saved)
            return
        if recorded.parsed_sha1 is not None and recorded.parsed_sha1 == items_digest(recorded):
            logger.warning("原件 %s 已修改：重新解析并替换 %s（该 JSON 未经人工修改，已备份到 %s）", original.name, parsed.name, saved)
            return
        raise HandCorrected(
            f"原件 {original.name} 在 {parsed.name} 写入后被修改，而 {parsed.name} 含有（或可能含有）人工更正："
            f"未重新解析，仍以 {parsed.name} 为准，更正未丢失（已备份到 {BACKUP}/{saved.name}）。"
            f"若要按新原件重新解析，请把更正移到原件中后删除 {parsed.name}；若原件的修改无关紧要，可把原件改回原样"
        )

    def _read_issue(self, path: Path) -> Issue:
        try:
            issue = Issue.model_validate_json(path.read_text(encoding="utf-8-sig"))
        except (OSError, ValueError, RecursionError) as exc:
            raise ParseError(
                f"期刊 JSON 无法读取或字段不合法：{_short(exc)}；请修正该 JSON，或删除它以从原件重新解析", path=str(path)
            ) from exc
        check_unique_items(issue, path.name)
        return issue

    # --- writing -------------------------------------------------------------------------------

    def ingest(self, path: Path) -> Issue:
        """Parse a file, copy it into corpus/issues/ if it is not there, write its JSON; idempotent."""
        src = Path(path)
        if not src.is_file():
            parse_file(src)  # raises the clear ParseError (missing file, folder…)
        self.issues_dir.mkdir(parents=True, exist_ok=True)
        inside = src.resolve().parent == self.issues_dir.resolve()
        if src.suffix.lower() == ".json" and is_issue_json(src):
            issue = parse_file(src)  # already a parsed issue: store it as it is
            check_unique_items(issue, src.name)
            if not inside and not self._already_there(issue, src.name):
                self.save_issue(issue)
            return issue
        digest = _sha1(src)
        target = src if inside else self._place(src, digest)
        json_path = self.issues_dir / f"{target.stem}.json"
        keep_original = target != json_path  # a plain JSON item list is replaced by its parsed Issue
        if keep_original and target.exists() and json_path.exists():
            # an unreadable JSON raises: it may hold a person's corrections, so it is never overwritten
            recorded = self._read_issue(json_path)
            if recorded.source_sha1 == digest:
                return recorded  # already ingested (and maybe corrected by hand)
            self._before_reparse(target, json_path, recorded)  # HandCorrected: refused, nothing replaced
        issue = self._parse_as(src, target, digest if keep_original else None)
        if keep_original and not target.exists():
            atomic_write(target, src.read_bytes())
        self.save_issue(issue)
        logger.info("ingested %s: %d items", target.name, len(issue.items))
        return issue

    def _already_there(self, issue: Issue, name: str) -> bool:
        """True when this very issue is stored; an issue of the same id but other content is refused, never replaced."""
        existing = self.issues_dir / f"{issue.id}.json"
        if not existing.exists():
            return False
        if existing.read_bytes() == _issue_bytes(issue) or self._same_issue(existing, issue):
            return True
        raise ValidationError(
            f"{name}：语料库中已有 id 为「{issue.id}」的另一期（{existing.name}），未导入，原有内容未改动；"
            "请把该 JSON 的 \"id\" 改为新的名称后重新导入，或直接编辑已有的那一期"
        )

    def _same_issue(self, path: Path, issue: Issue) -> bool:
        try:
            return self._read_issue(path) == issue
        except ParseError:
            return False  # an unreadable JSON there may hold corrections: never replace it

    def _place(self, src: Path, digest: str) -> Path:
        """Where an outside file goes: an identical copy already there, its own name, or a new name."""
        suffix = src.suffix.lower()
        stem = safe_stem(src.stem, limit=MAX_STEM_BYTES)  # a 253-byte or odd name is shortened, never trusted
        originals = [
            p for p in self.issues_dir.iterdir()
            if p.is_file() and p.suffix.lower() in SUFFIXES and p.suffix.lower() != ".json"
        ]
        if suffix != ".json":
            for existing in originals:
                if existing.stat().st_size == src.stat().st_size and _sha1(existing) == digest:
                    return existing  # same content already in the corpus: no duplicate
        target = self.issues_dir / f"{stem}{src.suffix}"
        stem_taken = any(p.stem == stem for p in originals)
        if suffix == ".json":
            # the parsed Issue JSON takes the place of a plain JSON item list, unless the name is taken
            return self.issues_dir / f"{stem}_{digest[:8]}.json" if stem_taken else target
        if target.exists() or (self.issues_dir / f"{stem}.json").exists():
            target = self.issues_dir / f"{stem}_{digest[:8]}{src.suffix}"
        return target

    def accepted_item(self, item_id: str) -> Item | None:
        """The accepted item stored under this id, or None (no file, or one that no longer reads)."""
        try:
            return Item.model_validate_json(_inside(self.accepted_dir, item_id).read_text(encoding="utf-8-sig"))
        except (OSError, ValueError, ValidationError):
            return None

    def add_item(self, item: Item) -> Path:
        """Store one accepted item as corpus/accepted/<id>.json (atomic write)."""
        path = _inside(self.accepted_dir, item.id)
        data = (json.dumps(item.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        atomic_write(path, data)
        return path

    def remove_item(self, item_id: str) -> bool:
        """Delete corpus/accepted/<item_id>.json; False when there was none."""
        path = _inside(self.accepted_dir, item_id)
        if not path.is_file():
            return False
        path.unlink()
        return True

    def publish_issue(self, issue: Issue) -> tuple[Path, Issue]:
        """Write a newly published issue under a name no other issue holds: never replaces an existing file.

        Two issues may share a heading (same title and month, hence the same id): the later one is stored as
        ``<id>-2.json`` (``-3`` …) with its items tagged accordingly. Publishing the very same issue again is a no-op.
        """
        for n in range(1, 1000):
            candidate = issue if n == 1 else issue.model_copy(update={
                "id": f"{issue.id}-{n}", "items": [i.model_copy(update={"issue": f"{issue.id}-{n}"}) for i in issue.items]})
            path = _inside(self.issues_dir, candidate.id)
            if not path.exists() and not any(p.stem == candidate.id for p in self._files()):
                atomic_write(path, _issue_bytes(candidate))
                return path, candidate
            if path.is_file() and path.read_bytes() == _issue_bytes(candidate):
                return path, candidate  # this very issue was published already
        raise ValidationError(f"期刊「{issue.id}」已有过多同名版本，未写入：请修改本期标题或期号后再发布")

    def _files(self) -> list[Path]:
        return [p for p in self.issues_dir.iterdir() if p.is_file()] if self.issues_dir.is_dir() else []

    def save_issue(self, issue: Issue) -> Path:
        """Write corpus/issues/<issue.id>.json (atomic write)."""
        path = _inside(self.issues_dir, issue.id)
        data = _issue_bytes(issue)
        if path.exists() and path.read_bytes() == data:
            return path  # unchanged: keep the file (and its mtime) as it is
        atomic_write(path, data)
        return path


def _inside(folder: Path, name: str) -> Path:
    """``folder/<name>.json``; ValidationError for a name that would leave the folder or hide the file."""
    problem = name_problem(name)
    if problem:
        raise ValidationError(f"id「{str(name)[:60]}」不能用作文件名：{problem}；未写入任何文件")
    return folder / f"{name}.json"


def _short(exc: BaseException) -> str:
    """A validation error's first lines: enough to find the field, not a page of pydantic output."""
    if isinstance(exc, RecursionError):
        return "嵌套层数过深"
    if isinstance(exc, PydanticValidationError):
        return field_errors(exc.errors(), limit=3)  # never pydantic's English ("2 validation errors for Issue")
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return "；".join(lines[:3])[:400]


def seed_corpus(corpus_dir: Path, seed: Path) -> bool:
    """A first run outside a checkout: start the corpus with the issue shipped in the package (never over a corpus)."""
    if corpus_dir.exists() or not seed.is_dir():
        return False
    issues = corpus_dir / "issues"
    issues.mkdir(parents=True)
    for path in sorted(seed.iterdir()):
        if path.suffix in (".txt", ".json"):
            shutil.copy2(path, issues / path.name)
    logger.info("corpus started at %s with the shipped seed issue", corpus_dir)
    return True
