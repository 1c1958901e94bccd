"""sagemaker resource types (to be written)."""

from __future__ import annotations

from govctl_aws.resource import DataSource, ResourceType

RESOURCES: tuple[type[ResourceType], ...] = ()
DATA_SOURCES: tuple[type[DataSource], ...] = ()
