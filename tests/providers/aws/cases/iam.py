"""Contract cases for the IAM resource types.

Policy texts are written compact, in the form the provider records for a
document it reads without a prior text (import), so that import reads back
exactly what apply recorded."""

from __future__ import annotations

from tests.providers.aws.cases import Case

TRUST = ('{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[{\\"Effect\\":\\"Allow\\",'
         '\\"Principal\\":{\\"Service\\":\\"sagemaker.amazonaws.com\\"},'
         '\\"Action\\":\\"sts:AssumeRole\\"}]}')
READ_S3 = ('{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[{\\"Effect\\":\\"Allow\\",'
           '\\"Action\\":\\"s3:GetObject\\",\\"Resource\\":\\"*\\"}]}')

ROLE = f"""
resource "aws_iam_role" "this" {{
  name                 = "contract-role"
  assume_role_policy   = "{TRUST}"
  description          = "training jobs"
  max_session_duration = 7200
  tags                 = {{ team = "vision" }}
}}
"""

POLICY = f"""
resource "aws_iam_policy" "this" {{
  name        = "contract-policy"
  path        = "/ml/"
  description = "read models"
  policy      = "{READ_S3}"
  tags        = {{ team = "vision" }}
}}
"""

ROLE_POLICY = f"""
resource "aws_iam_role" "r" {{
  name               = "contract-inline-role"
  assume_role_policy = "{TRUST}"
}}

resource "aws_iam_role_policy" "this" {{
  name   = "read-s3"
  role   = aws_iam_role.r.name
  policy = "{READ_S3}"
}}
"""

ATTACHMENT = f"""
resource "aws_iam_role" "r" {{
  name               = "contract-attach-role"
  assume_role_policy = "{TRUST}"
}}

resource "aws_iam_policy" "p" {{
  name   = "contract-attach-policy"
  policy = "{READ_S3}"
}}

resource "aws_iam_role_policy_attachment" "this" {{
  role       = aws_iam_role.r.name
  policy_arn = aws_iam_policy.p.arn
}}
"""

CASES = [
    Case("aws_iam_role", ROLE, lambda a: a["name"]),
    Case("aws_iam_policy", POLICY, lambda a: a["arn"]),
    Case("aws_iam_role_policy", ROLE_POLICY, lambda a: f"{a['role']}:{a['name']}"),
    Case("aws_iam_role_policy_attachment", ATTACHMENT,
         lambda a: f"{a['role']}/{a['policy_arn']}"),
]
