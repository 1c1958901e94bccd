# IAM: no administrator wildcards, and separation of duties between those who
# approve model versions and those who publish them.

policy "iam_no_wildcard_admin" {
  description       = "No IAM policy allows every action on every resource."
  enforcement_level = "mandatory"
  resource_types    = ["aws_iam_policy", "aws_iam_role_policy"]
  # Statement may be one object or a list; Action and Resource a string or a
  # list. "*" and "*:*" are the wildcards.
  condition = action == "delete" ? true : !anytrue([
    for s in flatten([jsondecode(self.policy).Statement]) :
    try(s.Effect, "") != "Allow" ? false : (
      anytrue([for a in flatten([try(s.Action, [])]) : contains(["*", "*:*"], a)])
      && contains(flatten([try(s.Resource, [])]), "*")
    )
  ])
  error_message = "The IAM policy ${self.name} allows Action \"*\" on Resource \"*\": grant the actions and resources the role needs instead."
}

policy "approver_cannot_publish" {
  description       = "Roles that approve model versions cannot register (publish) them."
  enforcement_level = "overridable"
  resource_types    = ["aws_iam_role_policy", "aws_iam_policy"]
  # An approver role is one whose name contains "approver" (any case). A
  # grant is an Allow whose Action matches sagemaker:CreateModelPackage (so
  # "sagemaker:CreateModelPackage", "sagemaker:Create*", "sagemaker:*", "*"),
  # or an Allow with NotAction that does not exclude it. An inline policy
  # names its role; a managed policy counts for each approver role it is
  # attached to (aws_iam_role_policy_attachment, matched by policy ARN: a
  # new policy is decided after apply and by `govctl check`).
  condition = action == "delete" ? true : (
    !anytrue([
      for s in flatten([jsondecode(self.policy).Statement]) :
      try(s.Effect, "") != "Allow" ? false : (
        can(s.Action)
        ? anytrue([for a in flatten([s.Action]) : can(regex("(?i)^${replace(replace(a, "*", ".*"), "?", ".")}$", "sagemaker:CreateModelPackage"))])
        : !anytrue([for a in flatten([try(s.NotAction, [])]) : can(regex("(?i)^${replace(replace(a, "*", ".*"), "?", ".")}$", "sagemaker:CreateModelPackage"))])
      )
    ]) ? true : !(
      can(self.role)
      ? can(regex("(?i)approver", self.role))
      : anytrue([
        for a in merge({ aws_iam_role_policy_attachment = [] }, resources).aws_iam_role_policy_attachment :
        a.policy_arn == self.arn ? can(regex("(?i)approver", a.role)) : false
      ])
    )
  )
  error_message = "The IAM policy ${self.name} lets an approver role publish models (sagemaker:CreateModelPackage): those who approve a model version must not be able to register one."
}
