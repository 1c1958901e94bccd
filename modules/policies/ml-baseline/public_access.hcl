# No bucket is public: every bucket has a public access block with all four
# settings on, and no bucket policy lets anyone in unconditionally.

policy "s3_public_access_block_complete" {
  description       = "Public access blocks turn all four settings on."
  enforcement_level = "mandatory"
  resource_types    = ["aws_s3_bucket_public_access_block"]
  condition = action == "delete" ? true : alltrue([
    self.block_public_acls, self.block_public_policy,
    self.ignore_public_acls, self.restrict_public_buckets,
  ])
  error_message = "The public access block of bucket ${self.bucket} must set block_public_acls, block_public_policy, ignore_public_acls and restrict_public_buckets to true."
}

policy "s3_bucket_public_access_blocked" {
  description       = "Every bucket has a public access block."
  enforcement_level = "mandatory"
  resource_types    = ["aws_s3_bucket"]
  # Across resources, matched by bucket name (a new pair is decided after
  # apply and by `govctl check`); the rule above checks its settings.
  condition = action == "delete" ? true : anytrue([
    for p in merge({ aws_s3_bucket_public_access_block = [] }, resources).aws_s3_bucket_public_access_block :
    p.bucket == self.bucket
  ])
  error_message = "Bucket ${self.bucket} has no public access block: declare an aws_s3_bucket_public_access_block for it with all four settings true."
}

policy "s3_bucket_policy_not_public" {
  description       = "No bucket policy allows everyone (Principal \"*\") without a condition."
  enforcement_level = "mandatory"
  resource_types    = ["aws_s3_bucket_policy"]
  # Statement may be one object or a list; Principal "*", {"AWS": "*"} or
  # {"AWS": [..., "*"]}. A statement with a Condition (source VPC, org id,
  # TLS only...) is not counted as public.
  condition = action == "delete" ? true : !anytrue([
    for s in flatten([jsondecode(self.policy).Statement]) :
    try(s.Effect, "") != "Allow" || can(s.Condition) ? false : (
      try(s.Principal == "*", false) || contains(flatten([try(s.Principal.AWS, [])]), "*")
    )
  ])
  error_message = "The policy of bucket ${self.bucket} allows Principal \"*\" without a Condition: the bucket would be public."
}
