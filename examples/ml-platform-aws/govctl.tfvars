environment = "staging"
extra_tags = {
  cost_center = "ml-research"
}
