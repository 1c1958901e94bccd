"""S3 buckets and their governance settings.

A bucket's encryption, public access block, versioning and policy are each a
resource of their own (as in the Terraform AWS provider): a singleton setting
of one bucket, identified by the bucket's name. They share `BucketSetting`
(in `bucket_setting`): one Get call per refresh, a bucket that no longer
exists means the setting is gone too, and a put both creates and updates.
"""

from __future__ import annotations

from govctl_aws.resource import DataSource, ResourceType
from govctl_aws.resources.s3.bucket import BucketType
from govctl_aws.resources.s3.bucket_policy import BucketPolicyType
from govctl_aws.resources.s3.bucket_setting import BucketSetting
from govctl_aws.resources.s3.encryption import EncryptionType
from govctl_aws.resources.s3.public_access_block import PublicAccessBlockType
from govctl_aws.resources.s3.versioning import VersioningType

__all__ = ["DATA_SOURCES", "RESOURCES", "BucketPolicyType", "BucketSetting", "BucketType",
           "EncryptionType", "PublicAccessBlockType", "VersioningType"]


RESOURCES: tuple[type[ResourceType], ...] = (
    BucketType, EncryptionType, PublicAccessBlockType, VersioningType, BucketPolicyType)
DATA_SOURCES: tuple[type[DataSource], ...] = ()
