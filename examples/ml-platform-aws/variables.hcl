variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "platform" {
  type        = string
  default     = "mlp"
  description = "Short name of the platform, used in every resource name."
}

variable "environment" {
  type    = string
  default = "dev"

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "The environment must be one of dev, staging or prod."
  }
}

variable "key_rotation_days" {
  type    = number
  default = 365
}

variable "teams" {
  description = "Teams that own model artifacts."
  type = map(object({
    owner      = string
    production = optional(bool, false)
  }))
  default = {
    vision = { owner = "alice@example.com", production = true }
    nlp    = { owner = "bob@example.com" }
  }
}

variable "extra_tags" {
  type    = map(string)
  default = {}
}

variable "model_approvals" {
  description = "Which registered model versions may serve production, by version number."
  type = map(object({
    status      = string
    description = optional(string)
  }))
  default = {}
}
