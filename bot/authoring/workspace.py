"""The writable cases directory: case folders read as data, changed, written atomically.

Baked-in content (`content/cases`, read-only in the Docker image) is never written: the
first change to such a case copies it here, and the copy overrides it from then on.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from bot.importer.writing import recover_cases, write_case


@dataclass(frozen=True)
class CaseFiles:
    """A case folder as data: case.yaml's mapping, its comment header, and its templates."""

    case_id: str
    data: dict[str, Any]
    templates: dict[str, str] = field(default_factory=dict)
    header: str = ""

    @property
    def status(self) -> str:
        """draft, active, closed or released (active when the file does not say)."""
        return str(self.data.get("status") or "active")

    def with_data(self, **changes: Any) -> CaseFiles:
        """A copy with these top-level fields of case.yaml changed."""
        return replace(self, data={**self.data, **changes})

    def with_template(self, name: str, text: str) -> CaseFiles:
        """A copy with one template file added or replaced."""
        return replace(self, templates={**self.templates, name: text})

    def yaml_text(self) -> str:
        """case.yaml as written: the header comments, then the fields in their order."""
        body = yaml.safe_dump(self.data, allow_unicode=True, sort_keys=False, width=88)
        return self.header + body


class WorkspaceError(Exception):
    """A case folder cannot be read as data (its case.yaml is not a mapping)."""


class Workspace:
    """Where organizers' cases live: `cases_dir`, over the baked-in `content_dir/cases`."""

    def __init__(self, content_dir: Path, cases_dir: Path) -> None:
        self.content_dir = content_dir
        self.cases_dir = cases_dir

    def recover(self) -> None:
        """Finish or undo a replacement a crash interrupted (run before reading cases)."""
        recover_cases(self.cases_dir)

    def writable(self, case_id: str) -> Path:
        """The folder of a case in the writable directory (it may not exist yet)."""
        return self.cases_dir / case_id

    def folder(self, case_id: str) -> Path | None:
        """The folder the bot reads a case from: the writable copy, else the baked-in one."""
        for folder in (self.writable(case_id), self.content_dir / "cases" / case_id):
            if (folder / "case.yaml").is_file():
                return folder
        return None

    def read(self, case_id: str) -> CaseFiles:
        """A case folder as data; WorkspaceError if there is none or it is not readable."""
        folder = self.folder(case_id)
        if folder is None:
            raise WorkspaceError(f"no case {case_id}")
        return read_folder(folder)

    def write(self, files: CaseFiles) -> Path:
        """Write the case into the writable directory in one rename; its folder."""
        return write_case(self.cases_dir, files.case_id, files.yaml_text(), files.templates)

    def delete(self, case_id: str) -> None:
        """Remove a case from the writable directory (a draft given up), in one rename."""
        folder = self.writable(case_id)
        if not folder.is_dir():
            return
        gone = Path(tempfile.mkdtemp(prefix=f".gone-{case_id}-", dir=self.cases_dir))
        folder.rename(gone / case_id)
        shutil.rmtree(gone)

    def drafts(self) -> list[CaseFiles]:
        """Every draft in the writable directory, by id (broken ones too: they need work)."""
        found = []
        if not self.cases_dir.is_dir():
            return []
        for folder in sorted(self.cases_dir.iterdir()):
            if folder.name.startswith(".") or not (folder / "case.yaml").is_file():
                continue
            try:
                files = read_folder(folder)
            except WorkspaceError:
                continue
            if files.status == "draft":
                found.append(files)
        return found

    @contextmanager
    def trial(self, files: CaseFiles) -> Iterator[Path]:
        """The files written to a hidden folder for checking before they replace anything."""
        self.cases_dir.mkdir(parents=True, exist_ok=True)
        parent = Path(tempfile.mkdtemp(prefix=f".check-{files.case_id}-", dir=self.cases_dir))
        try:
            yield write_case(parent, files.case_id, files.yaml_text(), files.templates)
        finally:
            shutil.rmtree(parent, ignore_errors=True)


def read_folder(folder: Path) -> CaseFiles:
    """A case folder as data (no validation: a draft may be incomplete)."""
    path = folder / "case.yaml"
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as error:
        raise WorkspaceError(f"{path}: {error}") from None
    if not isinstance(data, dict):
        raise WorkspaceError(f"{path}: not a case file")
    # Only the comments before the first field: a comment inside is YAML's, and is lost.
    header = ""
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        header += line + "\n"
    templates = {
        file.name: file.read_text(encoding="utf-8")
        for file in sorted((folder / "templates").glob("*.j2"))
    }
    return CaseFiles(str(data.get("id") or folder.name), data, templates, header)
