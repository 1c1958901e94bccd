# The governance baseline of a small ML platform on AWS: a customer-managed
# key that rotates, an encrypted, versioned, private artifact bucket per team,
# least-privilege roles for data scientists and ML engineers, and a model
# registry whose production approvals are reviewed as code.

govctl {
  required_providers {
    aws = {
      source  = "govctl/aws"
      version = ">= 0.1"
    }
  }

  backend "local" {
    path = "govctl.tfstate"
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      managed_by = "govctl"
    }
  }
}

data "aws_caller_identity" "current" {}

locals {
  prefix  = "${var.platform}-${var.environment}"
  account = data.aws_caller_identity.current.account_id
  tags = merge(var.extra_tags, {
    platform    = var.platform
    environment = var.environment
  })
  # Teams whose artifacts may train production models.
  production_teams = sort([for name, team in var.teams : name if team.production])
  bucket_arns      = [for b in module.team_bucket : b.arn]
}

# --- encryption ------------------------------------------------------------

resource "aws_kms_key" "artifacts" {
  description             = "Encrypts ML artifacts for ${local.prefix}"
  enable_key_rotation     = true
  rotation_period_in_days = var.key_rotation_days
  deletion_window_in_days = 30
  tags                    = local.tags

  lifecycle {
    prevent_destroy = true

    precondition {
      condition     = var.key_rotation_days <= 365
      error_message = "Customer-managed keys must rotate at least yearly."
    }
  }
}

resource "aws_kms_alias" "artifacts" {
  name          = "alias/${local.prefix}-artifacts"
  target_key_id = aws_kms_key.artifacts.key_id
}

# --- artifact storage --------------------------------------------------------

module "team_bucket" {
  source   = "../../modules/secure-ml-bucket"
  for_each = var.teams

  name        = lower("${local.prefix}-${each.key}-artifacts")
  kms_key_arn = aws_kms_key.artifacts.arn
  tags        = merge(local.tags, { team = each.key, owner = each.value.owner })
}

# --- people and pipelines ------------------------------------------------------

data "aws_iam_policy_document" "trust_account" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${local.account}:root"]
    }
  }
}

data "aws_iam_policy_document" "trust_sagemaker" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }
  }
}

# Data scientists read artifacts and look at the registry; they cannot write
# to buckets, change keys or register models.
data "aws_iam_policy_document" "data_scientist" {
  statement {
    sid       = "ReadArtifacts"
    actions   = ["s3:GetObject", "s3:ListBucket"]
    resources = flatten([for arn in local.bucket_arns : [arn, "${arn}/*"]])
  }

  statement {
    sid       = "DecryptArtifacts"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.artifacts.arn]
  }

  statement {
    sid       = "BrowseRegistry"
    actions   = ["sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages"]
    resources = ["${replace(module.registry.group_arn, ":model-package-group/", ":model-package/")}/*"]
  }
}

resource "aws_iam_role" "data_scientist" {
  name                 = "${local.prefix}-data-scientist"
  description          = "Humans exploring data and models."
  assume_role_policy   = data.aws_iam_policy_document.trust_account.json
  max_session_duration = 3600
  tags                 = local.tags
}

resource "aws_iam_policy" "data_scientist" {
  name        = "${local.prefix}-data-scientist"
  description = "Read-only access to ML artifacts and the model registry."
  policy      = data.aws_iam_policy_document.data_scientist.json
}

resource "aws_iam_role_policy_attachment" "data_scientist" {
  role       = aws_iam_role.data_scientist.name
  policy_arn = aws_iam_policy.data_scientist.arn
}

# ML engineers (and their pipelines) write artifacts and register model
# versions; they cannot approve them: that is the approver role's alone.
data "aws_iam_policy_document" "ml_engineer" {
  statement {
    sid       = "WriteArtifacts"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:ListBucket"]
    resources = flatten([for arn in local.bucket_arns : [arn, "${arn}/*"]])
  }

  statement {
    sid       = "UseKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.artifacts.arn]
  }

  statement {
    sid       = "RegisterModels"
    actions   = ["sagemaker:CreateModelPackage"]
    resources = [module.registry.group_arn]
  }
}

resource "aws_iam_role" "ml_engineer" {
  name                 = "${local.prefix}-ml-engineer"
  description          = "Training pipelines and the engineers who run them."
  assume_role_policy   = data.aws_iam_policy_document.trust_sagemaker.json
  max_session_duration = 3600
  tags                 = local.tags
}

resource "aws_iam_role_policy" "ml_engineer" {
  name   = "train-and-register"
  role   = aws_iam_role.ml_engineer.name
  policy = data.aws_iam_policy_document.ml_engineer.json
}

# --- policies --------------------------------------------------------------------

# The ML baseline policy pack: checked on every plan (a mandatory failure
# blocks it) and by `govctl check` / `govctl drift` against the live estate.
module "ml_baseline_policies" {
  source = "../../modules/policies/ml-baseline"
}

# Waived drift: listed as waived by `govctl drift` until it expires.
waiver "nlp_tags_during_migration" {
  address    = "module.team_bucket[\"nlp\"].aws_s3_bucket.this"
  attributes = ["tags", "tags_all"]
  owner      = "platform-team@example.com"
  reason     = "PLAT-88: the cost-allocation tool rewrites tags until it is migrated"
  expires    = "2027-03-31"
}

# --- model registry ------------------------------------------------------------

module "registry" {
  source = "../../modules/model-registry"

  name                = "${local.prefix}-models"
  description         = "Models approved for ${var.environment}"
  approver_principals = ["arn:aws:iam::${local.account}:root"]
  approvals           = var.model_approvals
  tags                = local.tags
}

output "team_buckets" {
  description = "Artifact bucket of every team."
  value       = { for name, b in module.team_bucket : name => b.bucket }
}

output "production_teams" {
  value = local.production_teams
}

output "kms_key_arn" {
  value = aws_kms_key.artifacts.arn
}

output "model_package_group" {
  value = module.registry.group_name
}
