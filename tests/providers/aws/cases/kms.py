"""Contract cases of the KMS resource types."""

from __future__ import annotations

from tests.providers.aws.cases import Case

CASES = [
    Case("aws_kms_key", """
resource "aws_kms_key" "this" {
  description             = "contract key"
  enable_key_rotation     = true
  deletion_window_in_days = 7
  tags                    = { team = "vision" }
}
""", lambda a: a["id"],
         # the window is sent only when the key is destroyed: AWS cannot report it
         import_ignores=frozenset({"deletion_window_in_days"})),
    Case("aws_kms_alias", """
resource "aws_kms_key" "target" {
  description = "alias target"
}

resource "aws_kms_alias" "this" {
  name          = "alias/contract"
  target_key_id = aws_kms_key.target.key_id
}
""", lambda a: a["id"]),
]
