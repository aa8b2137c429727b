# The log file integrity benchmark: not one of the fourteen rules, so a
# benchmark of its own beside cloudtrail_best_practices (whose tree, the
# dashboard's charts and the CLI's check stay the fourteen rules). Its one
# control verifies the digest chains of every trail with log file
# validation over the last 24 hours (cloudtrailcc_log_integrity): each
# control run reads every digest and log file of the window from S3.

benchmark "log_file_integrity" {
  title         = "CloudTrail Log File Integrity"
  description   = "Whether the log files CloudTrail delivered in the last 24 hours are intact: each digest chain walked and verified as aws cloudtrail validate-logs does, every digest file, log file and gap judged."
  documentation = file("./docs/log_file_integrity.md")
  children = [
    control.log_files_intact,
  ]
  tags = merge(local.cloudtrailcc_common_tags, {
    type = "Benchmark"
  })
}

control "log_files_intact" {
  title         = "CloudTrail log files and digest files are intact"
  description   = "Verifies the digest chain of every trail with log file validation over the last 24 hours: each digest file's signature (CloudTrail's public keys) and link to the previous digest, and the SHA-256 of each log file a digest lists. One result per digest file, log file and gap: ok when valid; alarm when modified, deleted, signed with a key CloudTrail never published (unknown_key) or not listed by any digest (uncovered); error when the file could not be read or judged; info for hours that no digest covers and nothing names (logging or validation off, or the trail younger than the window)."
  severity      = "high"
  sql           = <<-EOQ
    select
      coalesce(s3_uri, trail_arn, 'arn:aws:::' || account_id) as resource,
      control_status as status,
      case kind
        when 'digest' then 'Digest file'
        when 'log' then 'Log file'
        else 'Hours ' || to_char(period_start at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
          || ' to ' || to_char(period_end at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
      end || ' of account ' || account_id || coalesce(' in ' || nullif(region, ''), '') || ' is ' || status
        || coalesce(': ' || detail, '') || '.' as reason,
      trail_arn${local.common_dimensions_sql}
    from
      cloudtrailcc_log_integrity
  EOQ
  documentation = file("./docs/log_file_integrity.md")
  tags = merge(local.cloudtrailcc_common_tags, {
    service = "AWS/CloudTrail"
  })
}
