# A team's governance configuration (kept small: the point here is where its
# state lives). Until backend.hcl is added it uses local state.

provider "aws" {
  region = "eu-west-1"
}

resource "aws_iam_role" "ml_engineer" {
  name = "ml-engineer-${govctl.workspace}"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { AWS = "arn:aws:iam::123456789012:root" }
    }]
  })
}

resource "aws_kms_key" "artifacts" {
  description         = "ml artifacts (${govctl.workspace})"
  enable_key_rotation = true
}
