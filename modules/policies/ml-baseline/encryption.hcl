# Buckets holding ML artifacts (training data, features, model weights) are
# encrypted with a customer-managed KMS key, so that who may read them is
# decided by a key policy the platform owns, and can be revoked.

policy "s3_encryption_customer_managed_key" {
  description       = "S3 default encryption uses a customer-managed KMS key."
  enforcement_level = "mandatory"
  resource_types    = ["aws_s3_bucket_server_side_encryption_configuration"]
  # Every rule: aws:kms (or aws:kms:dsse) with a key that is named, and not an
  # AWS-managed alias such as alias/aws/s3 (by alias or by alias ARN). A key
  # made in the same run is unknown at plan time: decided after apply.
  condition = action == "delete" ? true : alltrue([
    for d in [for r in self.rule : r.apply_server_side_encryption_by_default] :
    d == null ? false : (
      !contains(["aws:kms", "aws:kms:dsse"], d.sse_algorithm) ? false : (
        d.kms_master_key_id == null ? false : !can(regex("(^|:)alias/aws/", d.kms_master_key_id))
      )
    )
  ])
  error_message = "The default encryption of bucket ${self.bucket} must be aws:kms with a customer-managed key (not AES256, no key, or an AWS-managed alias like alias/aws/s3)."
}

policy "s3_bucket_encrypted" {
  description       = "Every bucket has a default encryption configuration with a customer-managed KMS key."
  enforcement_level = "mandatory"
  resource_types    = ["aws_s3_bucket"]
  # Across resources: some encryption configuration names this bucket (by
  # name; its `bucket` is often the bucket's id, unknown until the bucket
  # exists, so a new pair is decided after apply and by `govctl check`) and
  # passes the rule above.
  condition = action == "delete" ? true : anytrue([
    for e in merge({ aws_s3_bucket_server_side_encryption_configuration = [] }, resources).aws_s3_bucket_server_side_encryption_configuration :
    e.bucket != self.bucket ? false : alltrue([
      for d in [for r in e.rule : r.apply_server_side_encryption_by_default] :
      d == null ? false : (
        !contains(["aws:kms", "aws:kms:dsse"], d.sse_algorithm) ? false : (
          d.kms_master_key_id == null ? false : !can(regex("(^|:)alias/aws/", d.kms_master_key_id))
        )
      )
    ])
  ])
  error_message = "Bucket ${self.bucket} has no default encryption with a customer-managed KMS key: declare an aws_s3_bucket_server_side_encryption_configuration for it (sse_algorithm = \"aws:kms\", kms_master_key_id = a key of your own)."
}
