# A bucket for ML artifacts that is encrypted with a customer-managed KMS key,
# versioned, and closed to the public: the baseline every team gets. The key
# is the caller's (`kms_key_arn`, e.g. one key per environment) or, with
# `create_kms_key = true`, one of the bucket's own, rotating yearly. (A flag,
# not "kms_key_arn is null": a key ARN made in the same run is unknown at
# plan time, and a count cannot depend on it.)

variable "name" {
  type        = string
  description = "Bucket name."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.name))
    error_message = "Bucket names are 3-63 lowercase letters, digits, dots and hyphens."
  }
}

variable "kms_key_arn" {
  type        = string
  default     = null
  description = "ARN of the customer-managed key that encrypts every object."
}

variable "create_kms_key" {
  type        = bool
  default     = false
  description = "Make a key for this bucket alone instead of using kms_key_arn."
}

variable "key_deletion_window_days" {
  type    = number
  default = 30
}

variable "tags" {
  type    = map(string)
  default = {}
}

resource "aws_kms_key" "own" {
  count = var.create_kms_key ? 1 : 0

  description             = "Encrypts the objects of ${var.name}"
  enable_key_rotation     = true
  deletion_window_in_days = var.key_deletion_window_days
  tags                    = var.tags
}

locals {
  kms_key_arn = var.create_kms_key ? aws_kms_key.own[0].arn : var.kms_key_arn
}

resource "aws_s3_bucket" "this" {
  bucket = var.name
  tags   = var.tags
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = local.kms_key_arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = "Enabled"
  }
}

output "bucket" {
  value = aws_s3_bucket.this.bucket
}

output "arn" {
  value = aws_s3_bucket.this.arn
}

output "kms_key_arn" {
  value = local.kms_key_arn
}
