"""IAM: roles, managed and inline policies, attachments, and policy documents.

Policy texts are compared by meaning (policy.equivalent): IAM hands back
documents reformatted and, for roles, URL-encoded, and botocore decodes
them into dicts. A read keeps the recorded text while AWS's still means the
same, so a refresh never reports a reformatting as drift.

One module per type; `common` holds what several of them share.
"""

from __future__ import annotations

from govctl_aws.resource import DataSource, ResourceType
from govctl_aws.resources.iam.attachment import RolePolicyAttachmentType
from govctl_aws.resources.iam.policy import PolicyType
from govctl_aws.resources.iam.policy_document import PolicyDocumentData
from govctl_aws.resources.iam.role import RoleType
from govctl_aws.resources.iam.role_data import RoleDataSource
from govctl_aws.resources.iam.role_policy import RolePolicyType

__all__ = ["DATA_SOURCES", "RESOURCES", "PolicyDocumentData", "PolicyType",
           "RoleDataSource", "RolePolicyAttachmentType", "RolePolicyType", "RoleType"]


RESOURCES: tuple[type[ResourceType], ...] = (RoleType, PolicyType, RolePolicyType,
                                             RolePolicyAttachmentType)
DATA_SOURCES: tuple[type[DataSource], ...] = (PolicyDocumentData, RoleDataSource)
