"""Zips and folders as they are downloaded: read safely, keep only the members Palier reads.

A zip from the internet can lie: member paths with `../` (zip slip), sizes far above what was
declared, compression ratios of a thousand to one (zip bombs). Nothing is ever extracted to
disk; members are read into memory with a hard cap on the bytes actually produced.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from analytics import settings
from analytics.errors import BadExportError
from analytics.i18n import _
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


def zip_members(source: SourceFile, wanted: Callable[[str], bool]) -> list[SourceFile]:
    """The wanted members of a zip, each named `archive.zip/path/in/zip`."""
    max_member = int(settings.MAX_ZIP_MEMBER_MB.value()) * 1024 * 1024
    max_ratio = float(settings.MAX_ZIP_RATIO.value())
    try:
        archive = zipfile.ZipFile(io.BytesIO(source.data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise BadExportError(source.name, _("the whole file"), _("a readable zip archive"), _('a damaged zip ({exc})').format(exc=exc)) from None
    members: list[SourceFile] = []
    with archive:
        infos = archive.infolist()
        for info in infos:
            _check_member_path(source.name, info.filename)
        for info in infos:
            if info.is_dir() or not wanted(info.filename):
                continue
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
            members.append(SourceFile(f"{source.name}/{info.filename}", _read_capped(archive, info, source.name, max_member)))
    return members


def _read_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, max_member: int) -> bytes:
    # The declared size may lie; count what decompression actually produces.
    limit = min(info.file_size, max_member)
    out = bytearray()
    try:
        with archive.open(info) as handle:
            while chunk := handle.read(_CHUNK):
                out += chunk
                if len(out) > limit:
                    raise BadExportError(
                        name,
                        _('member {filename}').format(filename=repr(info.filename)),
                        _('at most the {limit:,} bytes its header declares').format(limit=limit),
                        _("more: the archive is forged or damaged"),
                    )
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise BadExportError(name, _('member {filename}').format(filename=repr(info.filename)), _("a readable member"), _('a damaged one ({exc})').format(exc=exc)) from None
    except RuntimeError as exc:  # encrypted members
        raise BadExportError(name, _('member {filename}').format(filename=repr(info.filename)), _("an unencrypted member"), str(exc)) from None
    if len(out) != info.file_size:
        # zipfile stops quietly at the end of the compressed data, even when the header promised
        # more: a member whose sizes disagree is forged or damaged, whatever its CRC says.
        raise BadExportError(
            name,
            _('member {filename}').format(filename=repr(info.filename)),
            _('the {file_size:,} bytes its header declares').format(file_size=info.file_size),
            _('{out:,} bytes: the archive is forged or damaged').format(out=len(out)),
        )
    return bytes(out)


def folder_members(folder: Path, wanted: Callable[[str], bool]) -> list[SourceFile]:
    """The wanted files below a folder (an unzipped archive's `data/`), named relative to it."""
    members = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = f"{folder.name}/{path.relative_to(folder).as_posix()}"
        if wanted(relative):
            members.append(SourceFile(relative, path.read_bytes()))
    return members
