locals {
  # Tags every benchmark and control merges its own into; a control about
  # the trails' S3 buckets sets service = "AWS/S3".
  cloudtrailcc_common_tags = {
    category = "Compliance"
    plugin   = "cloudtrailcc"
    service  = "AWS/CloudTrail"
  }
}
