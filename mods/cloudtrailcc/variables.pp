# Variables a run can set with --var or a .ppvars file, e.g.
#   powerpipe benchmark run cloudtrailcc.benchmark.cloudtrail_best_practices \
#     --var 'common_dimensions=["account_id","region","connection_name"]' \
#     --var 'tag_dimensions=["owner"]'

variable "common_dimensions" {
  type        = list(string)
  description = "Dimension columns added to every control's results, any of: account_id, connection_name (the Steampipe connection or Postgres bridge connection a row came from), region."
  default     = ["account_id", "region"]
}

locals {
  # The controls' select-list suffix: ", account_id, region" by default.
  # Internal: set var.common_dimensions instead. The map holds the select
  # expression of each dimension the variable may name; a name not in it
  # fails the mod's loading instead of being dropped. (The map is inline:
  # Powerpipe v1.5.2 reports a cycle when one local indexes another in a
  # for expression.)
  common_dimensions_sql = join("", [
    for d in var.common_dimensions : ", ${{
      account_id      = "account_id"
      connection_name = "_ctx ->> 'connection_name' as connection_name"
      region          = "region"
    }[d]}"
  ])
  # The controls' select-list suffix for var.tag_dimensions: one
  # `, tags ->> 'KEY' as "KEY"` per tag key, the key quoted for SQL (a '
  # doubled in the string, a " in the column name), as the compliance mod
  # does. Empty by default, so the controls do not select tags and no tag
  # is read.
  tag_dimensions_sql = join("", [
    for k in var.tag_dimensions : ", tags ->> '${replace(k, "'", "''")}' as \"${replace(k, "\"", "\"\"")}\""
  ])
}

variable "tag_dimensions" {
  type        = list(string)
  description = "Tag keys added as dimension columns to every control's results, each the value of that tag on the finding's trail or bucket (empty for account and region findings). Empty by default: the tags are then not read from AWS (cloudtrail:ListTags, s3:GetBucketTagging)."
  default     = []
}
