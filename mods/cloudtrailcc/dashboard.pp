# A one-page view of the CloudTrail posture of the account, or of every
# account of an organization connection. Every panel reads a
# named query below, so `powerpipe query run cloudtrailcc.query.NAME` runs it
# on its own (alarm_count with, e.g., --arg severity=high). Every count of
# findings counts control_status, what the benchmark reports (an alarm an
# exception suppresses is a skip), in the benchmark view's colours: ok green,
# alarm red, error orange, info blue, skip grey. The cards link to the
# benchmark.

dashboard "cloudtrail_posture" {
  title         = "CloudTrail Posture"
  documentation = file("./docs/index.md")
  tags = merge(local.cloudtrailcc_common_tags, {
    type = "Dashboard"
  })

  container {
    title = "Coverage"
    card {
      query = query.account_count
      width = 2
      href  = "/cloudtrailcc.benchmark.cloudtrail_best_practices"
    }
    card {
      query = query.trail_count
      width = 2
      href  = "/cloudtrailcc.benchmark.cloudtrail_best_practices"
    }
    card {
      query = query.regions_covered
      width = 2
      href  = "/cloudtrailcc.benchmark.cloudtrail_best_practices"
    }
  }

  container {
    title = "Controls by Status"
    card {
      query = query.status_count
      args  = { status = "ok" }
      width = 2
      href  = "/cloudtrailcc.benchmark.cloudtrail_best_practices"
    }
    card {
      query = query.status_count
      args  = { status = "alarm" }
      width = 2
      href  = "/cloudtrailcc.benchmark.cloudtrail_best_practices"
    }
    card {
      query = query.status_count
      args  = { status = "error" }
      width = 2
      href  = "/cloudtrailcc.benchmark.cloudtrail_best_practices"
    }
    card {
      query = query.status_count
      args  = { status = "info" }
      width = 2
      href  = "/cloudtrailcc.benchmark.cloudtrail_best_practices"
    }
    card {
      query = query.status_count
      args  = { status = "skip" }
      width = 2
      href  = "/cloudtrailcc.benchmark.cloudtrail_best_practices"
    }
  }

  container {
    title = "Alarms by Severity"
    card {
      query = query.alarm_count
      args  = { severity = "critical" }
      width = 2
      href  = "/cloudtrailcc.benchmark.cloudtrail_best_practices"
    }
    card {
      query = query.alarm_count
      args  = { severity = "high" }
      width = 2
      href  = "/cloudtrailcc.benchmark.cloudtrail_best_practices"
    }
    card {
      query = query.alarm_count
      args  = { severity = "medium" }
      width = 2
      href  = "/cloudtrailcc.benchmark.cloudtrail_best_practices"
    }
    card {
      query = query.alarm_count
      args  = { severity = "low" }
      width = 2
      href  = "/cloudtrailcc.benchmark.cloudtrail_best_practices"
    }
  }

  container {
    title = "Findings by Rule"
    chart {
      title    = "Findings by Rule and Status"
      type     = "bar"
      query    = query.findings_by_rule_status
      width    = 12
      grouping = "stack"
      series "ok" {
        color = "ok"
      }
      series "alarm" {
        color = "alert"
      }
      series "error" {
        color = "#ff832b"
      }
      series "info" {
        color = "info"
      }
      series "skip" {
        color = "#7d8998"
      }
    }
  }

  container {
    title = "Findings by Account"
    chart {
      title    = "Findings by Account and Status"
      type     = "bar"
      query    = query.findings_by_account_status
      width    = 12
      grouping = "stack"
      series "ok" {
        color = "ok"
      }
      series "alarm" {
        color = "alert"
      }
      series "error" {
        color = "#ff832b"
      }
      series "info" {
        color = "info"
      }
      series "skip" {
        color = "#7d8998"
      }
    }
  }

  container {
    title = "Alarms"
    table {
      title = "Alarms"
      query = query.alarms
      width = 12
    }
  }
}

query "account_count" {
  title = "Accounts audited"
  sql   = <<-EOQ
    select
      count(distinct account_id) as value,
      'Accounts' as label,
      case when count(*) filter (where control_status = 'error') > 0 then 'alert' else 'info' end as type
    from
      cloudtrailcc_finding
  EOQ
}

query "trail_count" {
  title = "Trails"
  sql   = <<-EOQ
    select
      count(*) as value,
      'Trails' as label,
      case when count(*) = 0 then 'alert' else 'info' end as type
    from
      cloudtrailcc_trail
  EOQ
}

query "regions_covered" {
  title = "Enabled regions covered by a logging trail"
  sql   = <<-EOQ
    select
      count(*) filter (where is_logging) as value,
      'Regions logged (of ' || count(*) || ' enabled)' as label,
      case when count(*) > 0 and count(*) filter (where is_logging) = count(*) then 'ok' else 'alert' end as type
    from
      cloudtrailcc_region
  EOQ
}

query "alarm_count" {
  title = "Alarms of one severity"
  sql   = <<-EOQ
    select
      count(*) as value,
      initcap($1) || ' alarms' as label,
      case when count(*) = 0 then 'ok' else 'alert' end as type
    from
      cloudtrailcc_finding
    where
      control_status = 'alarm' and severity = $1
  EOQ

  param "severity" {
    description = "The findings' severity: critical, high, medium or low."
    default     = "critical"
  }
}

query "status_count" {
  title = "Control results of one status"
  sql   = <<-EOQ
    select
      count(*) as value,
      case $1 when 'ok' then 'OK' else initcap($1) end as label,
      case
        when count(*) = 0 then null
        when $1 = 'ok' then 'ok'
        when $1 in ('alarm', 'error') then 'alert'
        when $1 = 'info' then 'info'
      end as type
    from
      cloudtrailcc_finding
    where
      control_status = $1
  EOQ

  param "status" {
    description = "The control status counted: ok, alarm, error, info or skip (a suppressed alarm is a skip, as in the benchmark)."
    default     = "alarm"
  }
}

query "findings_by_rule_status" {
  title = "Findings by rule and status"
  sql   = <<-EOQ
    select
      rule_id as "Rule",
      control_status as "Status",
      count(*) as "Findings"
    from
      cloudtrailcc_finding
    group by
      rule_id, control_status
    order by
      rule_id, control_status
  EOQ
}

query "findings_by_account_status" {
  title = "Findings by account and status"
  sql   = <<-EOQ
    select
      account_id as "Account",
      control_status as "Status",
      count(*) as "Findings"
    from
      cloudtrailcc_finding
    group by
      account_id, control_status
    order by
      account_id, control_status
  EOQ
}

query "alarms" {
  title = "Alarms with reasons"
  sql   = <<-EOQ
    select
      severity as "Severity",
      account_id as "Account",
      rule_id as "Rule",
      title as "Title",
      resource as "Resource",
      region as "Region",
      reason as "Reason"
    from
      cloudtrailcc_finding
    where
      control_status = 'alarm'
    order by
      case severity when 'critical' then 1 when 'high' then 2 when 'medium' then 3 else 4 end,
      account_id,
      rule_id,
      resource
  EOQ
}
