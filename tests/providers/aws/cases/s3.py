from __future__ import annotations

from tests.providers.aws.cases import Case

KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

CASES = [
    Case("aws_s3_bucket", """
resource "aws_s3_bucket" "this" {
  bucket = "contract-bucket"
  tags   = { team = "vision" }
}
""", lambda a: a["id"]),
    Case("aws_s3_bucket_server_side_encryption_configuration", f"""
resource "aws_s3_bucket" "b" {{
  bucket = "contract-sse"
}}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {{
  bucket = aws_s3_bucket.b.id
  rule {{
    apply_server_side_encryption_by_default {{
      sse_algorithm     = "aws:kms"
      kms_master_key_id = "{KEY_ARN}"
    }}
    bucket_key_enabled = true
  }}
}}
""", lambda a: a["id"]),
    Case("aws_s3_bucket_public_access_block", """
resource "aws_s3_bucket" "b" {
  bucket = "contract-pab"
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.b.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = false
}
""", lambda a: a["id"]),
    Case("aws_s3_bucket_versioning", """
resource "aws_s3_bucket" "b" {
  bucket = "contract-versioning"
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.b.id
  versioning_configuration {
    status = "Enabled"
  }
}
""", lambda a: a["id"]),
    Case("aws_s3_bucket_policy", """
resource "aws_s3_bucket" "b" {
  bucket = "contract-policy"
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.b.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "TlsOnly"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = ["${aws_s3_bucket.b.arn}", "${aws_s3_bucket.b.arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
}
""", lambda a: a["id"]),
]
