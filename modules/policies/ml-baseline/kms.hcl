# Keys that encrypt ML artifacts rotate at least yearly, so that a leaked
# key version protects a bounded window of data.

policy "kms_key_rotation" {
  description       = "Customer-managed symmetric keys rotate at least every 365 days."
  enforcement_level = "mandatory"
  resource_types    = ["aws_kms_key"]
  # KMS rotates symmetric encryption keys only; asymmetric and HMAC keys
  # (model signing, for instance) cannot rotate automatically and are left
  # alone. A period left to AWS (365 days) is unknown at plan time: decided
  # after apply, and by `govctl check`.
  condition = action == "delete" ? true : (
    self.customer_master_key_spec != "SYMMETRIC_DEFAULT" ? true : (
      self.enable_key_rotation != true ? false : (
        self.rotation_period_in_days == null ? true : self.rotation_period_in_days <= 365
      )
    )
  )
  error_message = "KMS keys must rotate at least yearly: set enable_key_rotation = true and rotation_period_in_days <= 365 (rotation is ${self.enable_key_rotation ? "on" : "off"})."
}
