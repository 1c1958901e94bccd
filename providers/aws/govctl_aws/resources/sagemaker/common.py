"""What the model registry types share: approval statuses and group names.

SageMaker refuses a malformed group name only when called; checking it while
planning reports it before anything is changed.
"""

from __future__ import annotations

import re

from govctl.plugins.protocol import ProviderError
from govctl_aws.resource import Obj

APPROVAL_STATUSES = ("Approved", "Rejected", "PendingManualApproval")
# SageMaker's own rule for a model package group name
_GROUP_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")


def group_name_errors(config: Obj) -> list[ProviderError]:
    name = config.get("model_package_group_name")
    if isinstance(name, str) and not _GROUP_NAME.match(name):
        return [ProviderError(
            f'model_package_group_name "{name}" is not a valid model package group name: '
            "1 to 63 letters, digits and hyphens, starting and ending with a letter or digit",
            attribute="model_package_group_name")]
    return []
