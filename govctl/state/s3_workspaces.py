"""Where each workspace's state lives in the bucket, laid out as Terraform's S3
backend does (`<prefix>/<workspace>/<key>`), so a bucket written by
Terraform lists the same workspaces here and the other way round."""

from __future__ import annotations

from typing import Any

from govctl.state.s3_errors import boto_errors, storage_error
from govctl.state.s3_settings import S3Settings

DEFAULT = "default"


def workspace_key(settings: S3Settings, name: str) -> str:
    """The state object's key for workspace `name`; the default workspace's is
    the configured key itself."""
    if name == DEFAULT:
        return settings.key
    if settings.workspace_key_prefix:
        return f"{settings.workspace_key_prefix}/{name}/{settings.key}"
    return f"{name}/{settings.key}"


def workspace_of(settings: S3Settings, object_key: str) -> str | None:
    """The workspace whose state `object_key` is, or None for any other object
    (a lock, another configuration's key under the same prefix)."""
    prefix = f"{settings.workspace_key_prefix}/" if settings.workspace_key_prefix else ""
    if not object_key.startswith(prefix):
        return None
    name, slash, rest = object_key[len(prefix):].partition("/")
    if not slash or not name or rest != settings.key:
        return None
    return name


def list_workspaces(client: Any, settings: S3Settings, *, page_size: int = 1000) -> list[str]:
    """The workspaces that have a state object: "default" first (it always
    exists, as in Terraform), then the others sorted by name. Every page of the
    listing is read (`page_size` keys a request, S3's own maximum by default)."""
    prefix = f"{settings.workspace_key_prefix}/" if settings.workspace_key_prefix else ""
    found: set[str] = set()
    try:
        for page in client.get_paginator("list_objects_v2").paginate(
                Bucket=settings.bucket, Prefix=prefix,
                PaginationConfig={"PageSize": page_size}):
            for obj in page.get("Contents", []):
                name = workspace_of(settings, obj["Key"])
                if name is not None and name != DEFAULT:
                    found.add(name)
    except boto_errors() as exc:
        raise storage_error(exc, f"s3://{settings.bucket}/{prefix}", "listing") from None
    return [DEFAULT, *sorted(found)]
