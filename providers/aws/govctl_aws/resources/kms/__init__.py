"""KMS keys, their aliases, and the key lookup data source.

A key is the root of a data-protection chain: governance cares that its
policy, rotation and enabled state stay as declared, so refresh reads all
three (and the tags). Keys are never deleted at once by AWS: destroying one
schedules its deletion, and a key waiting for deletion is treated as gone.

One module per type; `common` holds the key-id and number helpers they share.
"""

from __future__ import annotations

from govctl_aws.resource import DataSource, ResourceType
from govctl_aws.resources.kms.alias import AliasType
from govctl_aws.resources.kms.key import KeyType
from govctl_aws.resources.kms.key_data import KeyLookupSource

__all__ = ["DATA_SOURCES", "RESOURCES", "AliasType", "KeyLookupSource", "KeyType"]


RESOURCES: tuple[type[ResourceType], ...] = (KeyType, AliasType)
DATA_SOURCES: tuple[type[DataSource], ...] = (KeyLookupSource,)
