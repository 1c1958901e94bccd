# The governance baseline of a small ML platform: one KMS key per
# environment, a secure artifact bucket per team, a training role that may
# only read those buckets, and a model registry.

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
}

locals {
  prefix = "${var.platform}-${var.environment}"
  tags = merge(var.extra_tags, {
    platform    = var.platform
    environment = var.environment
    managed_by  = "govctl"
  })
  # Teams whose artifacts may train production models.
  production_teams = sort([for name, team in var.teams : name if team.production])
}

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

module "team_bucket" {
  source   = "modules/secure-ml-bucket"
  for_each = var.teams

  name        = lower("${local.prefix}-${each.key}-artifacts")
  kms_key_arn = aws_kms_key.artifacts.arn
  tags        = merge(local.tags, { team = each.key, owner = each.value.owner })
}

resource "aws_iam_role" "training" {
  name        = "${local.prefix}-training"
  description = "Assumed by SageMaker training jobs."
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "sagemaker.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  max_session_duration = 3600
  tags                 = local.tags
}

resource "aws_iam_role_policy" "training_read" {
  name = "read-team-artifacts"
  role = aws_iam_role.training.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:ListBucket"]
        Resource = flatten([for b in module.team_bucket : [b.arn, "${b.arn}/*"]])
      },
      {
        Effect   = "Allow"
        Action   = ["kms:Decrypt"]
        Resource = [aws_kms_key.artifacts.arn]
      },
    ]
  })
}

resource "aws_sagemaker_model_package_group" "registry" {
  model_package_group_name        = "${local.prefix}-models"
  model_package_group_description = "Models approved for ${var.environment}"
  tags                            = local.tags
}

output "team_buckets" {
  description = "Artifact bucket of every team."
  value       = { for name, b in module.team_bucket : name => b.bucket }
}

output "production_teams" {
  value = local.production_teams
}
