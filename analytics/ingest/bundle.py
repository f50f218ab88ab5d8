"""Zips and folders as they are downloaded: read safely, keep only the members Palier reads.

A zip from the internet can lie: member paths with `../` (zip slip), sizes far above what was
declared, compression ratios of a thousand to one (zip bombs). Nothing is ever extracted to
disk where the user can see it; each wanted member is streamed, a megabyte at a time, into a
private temporary file (deleted when the member is no longer used) with a hard cap on the bytes
actually produced, per member and for the whole upload, so memory does not grow with the
archive: only the parser of one member at a time reads it.
"""

from __future__ import annotations

import io
import os
import tempfile
import weakref
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from analytics import settings
from analytics.errors import BadExportError
from analytics.i18n import _, format_number
from analytics.ingest.model import SourceFile

_CHUNK = 1 << 20


def is_zip(data: bytes) -> bool:
    return data[:4] in (b"PK\x03\x04", b"PK\x05\x06")


def _check_member_path(archive: str, member: str) -> None:
    path = PurePosixPath(member.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        raise BadExportError(
            archive,
            _('member {member}').format(member=repr(member)),
            _("paths that stay inside the archive"),
            _("a path that escapes it (../, a drive or an absolute path): refusing the whole archive"),
        )


MSG_TOTAL_EXPECTED = "at most {limit:,} MB uncompressed in all (the max_upload_mb setting)"


def zip_members(source: SourceFile, wanted: Callable[[str], bool]) -> list[SourceFile]:
    """The wanted members of a zip, each named `archive.zip/path/in/zip`, each backed by a
    temporary file (see the module's docstring)."""
    max_member = int(settings.MAX_ZIP_MEMBER_MB.value()) * 1024 * 1024
    max_ratio = float(settings.MAX_ZIP_RATIO.value())
    max_total = int(settings.MAX_UPLOAD_MB.value()) * 1024 * 1024
    try:
        # A path-backed zip (the command line) is read from its file, never loaded whole.
        archive = zipfile.ZipFile(source.path if source.path is not None and not source.loaded else io.BytesIO(source.data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise BadExportError(
            source.name,
            _("the whole file"),
            _("a readable zip archive"),
            _('a damaged zip ({exc})').format(exc=exc),
        ) from None
    members: list[SourceFile] = []
    with archive:
        infos = archive.infolist()
        for info in infos:
            _check_member_path(source.name, info.filename)
        chosen = [info for info in infos if not info.is_dir() and wanted(info.filename)]
        declared = sum(info.file_size for info in chosen)
        if declared > max_total:
            # Refused before a byte is decompressed: the headers already say it is too much.
            raise BadExportError(
                source.name, "the whole archive", MSG_TOTAL_EXPECTED.format(limit=max_total // (1024 * 1024)),
                f"members declaring {declared / 1e6:,.0f} MB together: import them in several uploads",
            )
        produced = 0
        for info in chosen:
            if info.file_size > max_member:
                raise BadExportError(
                    source.name,
                    _('member {filename}').format(filename=repr(info.filename)),
                    _('members of at most {value} MB uncompressed').format(value=max_member // (1024 * 1024)),
                    _('{value:,.0f} MB').format(value=info.file_size / 1e6),
                )
            if info.file_size > _CHUNK and info.file_size / max(info.compress_size, 1) > max_ratio:
                raise BadExportError(
                    source.name,
                    _('member {filename}').format(filename=repr(info.filename)),
                    _('a compression ratio under {max_ratio:.0f} to 1').format(max_ratio=max_ratio),
                    _('{value:,.0f} to 1 (a zip bomb?)').format(value=info.file_size / max(info.compress_size, 1)),
                )
            path = _stream_capped(archive, info, source.name, max_member)
            member = SourceFile(f"{source.name}/{info.filename}", path=path)
            # The temporary file lives as long as the member (and what was read from it).
            weakref.finalize(member, _unlink, str(path))
            members.append(member)
            produced += member.size
            if produced > max_total:
                raise BadExportError(
                    source.name, "the whole archive", MSG_TOTAL_EXPECTED.format(limit=max_total // (1024 * 1024)),
                    f"more once decompressed ({produced / 1e6:,.0f} MB after {len(members)} members)",
                )
    return members


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _stream_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, max_member: int) -> Path:
    """The member decompressed into a temporary file, a chunk at a time. The declared size may
    lie; what decompression actually produces is counted."""
    limit = min(info.file_size, max_member)
    handle, temp_name = tempfile.mkstemp(prefix="palier-member-", suffix=PurePosixPath(info.filename).suffix[:16])
    written = 0
    try:
        with os.fdopen(handle, "wb") as out:
            try:
                with archive.open(info) as member:
                    while chunk := member.read(_CHUNK):
                        written += len(chunk)
                        if written > limit:
                            raise BadExportError(
                                name,
                                _('member {filename}').format(filename=repr(info.filename)),
                                _('at most the {limit} bytes its header declares').format(limit=format_number(limit)),
                                _("more: the archive is forged or damaged"),
                            )
                        out.write(chunk)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise BadExportError(
                    name,
                    _('member {filename}').format(filename=repr(info.filename)),
                    _("a readable member"),
                    _("a damaged one ({exc})").format(exc=exc),
                ) from None
            except RuntimeError as exc:  # encrypted members
                raise BadExportError(
                    name,
                    _('member {filename}').format(filename=repr(info.filename)),
                    _("an unencrypted member"),
                    str(exc),
                ) from None
        if written != info.file_size:
            # zipfile stops quietly at the end of the compressed data, even when the header promised
            # more: a member whose sizes disagree is forged or damaged, whatever its CRC says.
            raise BadExportError(
                name,
                _('member {filename}').format(filename=repr(info.filename)),
                _('the {file_size} bytes its header declares').format(file_size=format_number(info.file_size)),
                _('{out} bytes: the archive is forged or damaged').format(out=format_number(written)),
            )
    except BaseException:
        _unlink(temp_name)
        raise
    return Path(temp_name)


def folder_members(folder: Path, wanted: Callable[[str], bool]) -> list[SourceFile]:
    """The wanted files below a folder (an unzipped archive's `data/`), named relative to it."""
    members = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = f"{folder.name}/{path.relative_to(folder).as_posix()}"
        if wanted(relative):
            members.append(SourceFile(relative, path=path))  # read when parsed, not all at once
    return members
