# A model registry whose production gate is reviewed as code: a SageMaker
# model package group, the role that decides which versions may serve, a
# group policy that lets other accounts read approved versions only, and the
# approval status of each version. Versions are registered by the training
# pipeline, not here; an approval made in the console shows up as drift.

variable "name" {
  type        = string
  description = "Model package group name."
}

variable "description" {
  type    = string
  default = "Managed by govctl."
}

variable "approver_principals" {
  type        = list(string)
  description = "ARNs that may assume the approver role."
}

variable "reader_accounts" {
  type        = list(string)
  default     = []
  description = "Accounts that may read the group's approved versions (e.g. a serving account)."
}

variable "approvals" {
  type = map(object({
    status      = string
    description = optional(string)
  }))
  default     = {}
  description = "Approval status by model version number."

  validation {
    condition = alltrue([
      for v in values(var.approvals) : contains(["Approved", "Rejected", "PendingManualApproval"], v.status)
    ])
    error_message = "Each approval status must be Approved, Rejected or PendingManualApproval."
  }
}

variable "tags" {
  type    = map(string)
  default = {}
}

data "aws_caller_identity" "current" {}

resource "aws_sagemaker_model_package_group" "this" {
  model_package_group_name        = var.name
  model_package_group_description = var.description
  tags                            = var.tags
}

locals {
  # arn:...:model-package-group/NAME -> arn:...:model-package/NAME, the prefix of its versions
  versions_arn = replace(aws_sagemaker_model_package_group.this.arn, ":model-package-group/", ":model-package/")
  readers      = length(var.reader_accounts) > 0 ? var.reader_accounts : [data.aws_caller_identity.current.account_id]
}

data "aws_iam_policy_document" "approver_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = var.approver_principals
    }
  }
}

resource "aws_iam_role" "approver" {
  name               = "${var.name}-approver"
  description        = "Decides which versions of ${var.name} may serve production."
  assume_role_policy = data.aws_iam_policy_document.approver_trust.json
  tags               = var.tags
}

data "aws_iam_policy_document" "approve" {
  statement {
    sid       = "ReviewVersions"
    actions   = ["sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages", "sagemaker:DescribeModelPackageGroup"]
    resources = [aws_sagemaker_model_package_group.this.arn, "${local.versions_arn}/*"]
  }

  statement {
    sid       = "DecideApproval"
    actions   = ["sagemaker:UpdateModelPackage"]
    resources = ["${local.versions_arn}/*"]
  }
}

resource "aws_iam_role_policy" "approve" {
  name   = "approve-model-versions"
  role   = aws_iam_role.approver.name
  policy = data.aws_iam_policy_document.approve.json
}

data "aws_iam_policy_document" "readers" {
  statement {
    sid       = "ReadVersions"
    actions   = ["sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages", "sagemaker:DescribeModelPackageGroup"]
    resources = [aws_sagemaker_model_package_group.this.arn, "${local.versions_arn}/*"]
    principals {
      type        = "AWS"
      identifiers = [for a in local.readers : "arn:aws:iam::${a}:root"]
    }
  }
}

resource "aws_sagemaker_model_package_group_policy" "this" {
  model_package_group_name = aws_sagemaker_model_package_group.this.model_package_group_name
  resource_policy          = data.aws_iam_policy_document.readers.json
}

resource "aws_sagemaker_model_package_approval" "version" {
  for_each = var.approvals

  model_package_arn    = "${local.versions_arn}/${each.key}"
  approval_status      = each.value.status
  approval_description = each.value.description
}

output "group_name" {
  value = aws_sagemaker_model_package_group.this.model_package_group_name
}

output "group_arn" {
  value = aws_sagemaker_model_package_group.this.arn
}

output "approver_role_arn" {
  value = aws_iam_role.approver.arn
}
