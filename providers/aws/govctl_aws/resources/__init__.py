"""Every resource and data source type of the provider, by service module.

Each module lists its own types in `RESOURCES` and `DATA_SOURCES`; adding a
service is adding its module here."""

from __future__ import annotations

from govctl_aws.resource import DataSource, ResourceType
from govctl_aws.resources import iam, kms, s3, sagemaker, sts

_MODULES = (iam, kms, s3, sagemaker, sts)

RESOURCES: tuple[type[ResourceType], ...] = tuple(
    cls for mod in _MODULES for cls in getattr(mod, "RESOURCES", ()))
DATA_SOURCES: tuple[type[DataSource], ...] = tuple(
    cls for mod in _MODULES for cls in getattr(mod, "DATA_SOURCES", ()))
