# An approved model version carries its evaluation evidence, so that the
# approval can be audited against the numbers it was based on.

policy "approval_has_evaluation_evidence" {
  description       = "An Approved model version names an evaluation metric and its value."
  enforcement_level = "overridable"
  resource_types    = ["aws_sagemaker_model_package_approval"]
  # The approval_description names a metric with a value: "AUC 0.93",
  # "f1=0.81", "RMSE: 12.5". A description left to AWS (not set) is unknown
  # at plan time: decided after apply, and by `govctl check`.
  condition = action == "delete" ? true : (
    self.approval_status != "Approved" ? true :
    can(regex("(?i)\\b(auc|accuracy|f1|precision|recall|rmse|mae)\\b\\s*[=:]?\\s*[0-9]*\\.?[0-9]+", self.approval_description))
  )
  error_message = "An Approved model version needs evaluation evidence in approval_description, a metric and its value (for example \"AUC 0.93\" or \"f1=0.81\")."
}
