"""Small helpers the asset tests share."""

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile


def upload_bytes(data: bytes, name: str = "upload.bin", content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]
