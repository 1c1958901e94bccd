from __future__ import annotations

from tests.providers.aws.cases import Case

CASES = [
    Case("aws_s3_bucket", """
resource "aws_s3_bucket" "this" {
  bucket = "contract-bucket"
  tags   = { team = "vision" }
}
""", lambda a: a["id"]),
]
