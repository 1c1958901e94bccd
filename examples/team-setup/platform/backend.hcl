# Copy this file into the configuration (platform/backend.hcl) to share its
# state: the state lives in the bucket, locked with a conditional write, and is
# encrypted with a fresh data key from KMS on every write. Plans saved with
# -out are encrypted the same way.

govctl {
  backend "s3" {
    bucket = "acme-govctl-state"
    key    = "ml-platform/govctl.tfstate"
    region = "eu-west-1"
  }

  encryption {
    key_provider "aws_kms" "state" {
      kms_key_id = "alias/govctl-state"
      key_spec   = "AES_256"
    }
    method "aes_gcm" "kms" {
      keys = key_provider.aws_kms.state
    }
    state {
      method   = method.aes_gcm.kms
      enforced = true
    }
    plan {
      method = method.aes_gcm.kms
    }
  }
}
