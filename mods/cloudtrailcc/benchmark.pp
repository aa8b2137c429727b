# The benchmark tree: the fourteen controls (controls.pp, one per rule id)
# grouped by what they protect. Tags follow the compliance mods' convention
# (category, plugin, service, type); select controls across the groups
# with --tag, e.g. --tag cis=true.

benchmark "cloudtrail_best_practices" {
  title         = "CloudTrail Best Practices"
  description   = "The fourteen Cloud Conformity AWS CloudTrail best-practice rules: the S3 buckets trails deliver to, which regions and events are logged, log file integrity and encryption, delivery and notifications, and monitoring of the trails themselves."
  documentation = file("./docs/index.md")
  children = [
    benchmark.trail_buckets,
    benchmark.logging_coverage,
    benchmark.log_integrity,
    benchmark.delivery_notifications,
    benchmark.monitoring,
  ]
  tags = merge(local.cloudtrailcc_common_tags, {
    type = "Benchmark"
  })
}

benchmark "trail_buckets" {
  title       = "Trail Buckets"
  description = "The S3 buckets that receive CloudTrail log files: server access logging, MFA Delete and public access."
  children = [
    control.bucket_access_logging,
    control.bucket_mfa_delete,
    control.bucket_not_public,
  ]
  tags = merge(local.cloudtrailcc_common_tags, {
    service = "AWS/S3"
    type    = "Benchmark"
  })
}

benchmark "logging_coverage" {
  title       = "Logging Coverage"
  description = "Which regions and events CloudTrail records: a logging multi-region trail, global service events, management and data events, and no duplicate global events."
  children = [
    control.multi_region,
    control.global_services,
    control.management_events,
    control.data_events,
    control.duplicate_global_events,
  ]
  tags = merge(local.cloudtrailcc_common_tags, {
    type = "Benchmark"
  })
}

benchmark "log_integrity" {
  title       = "Log Integrity and Protection"
  description = "Whether log files can be proven unaltered (log file integrity validation) and are encrypted with a usable KMS key."
  children = [
    control.log_file_validation,
    control.kms_encryption,
  ]
  tags = merge(local.cloudtrailcc_common_tags, {
    type = "Benchmark"
  })
}

benchmark "delivery_notifications" {
  title       = "Delivery and Notifications"
  description = "Whether log files, digest files and notifications are delivered: delivery errors, trails not logging, and SNS topics that no longer exist."
  children = [
    control.delivery_failing,
    control.sns_topic_exists,
  ]
  tags = merge(local.cloudtrailcc_common_tags, {
    type = "Benchmark"
  })
}

benchmark "monitoring" {
  title       = "Monitoring"
  description = "Whether CloudTrail events reach CloudWatch Logs for alerting, and changes made to the trails' own configuration."
  children = [
    control.cloudwatch_integration,
    control.config_changes,
  ]
  tags = merge(local.cloudtrailcc_common_tags, {
    type = "Benchmark"
  })
}
