# Version 1 of the model may serve production: the evidence is in the description.
model_approvals = {
  "1" = {
    status      = "Approved"
    description = "AUC 0.91 on the 2026-11 holdout; reviewed by the model risk team"
  }
}
