mod "cloudtrailcc" {
  title         = "AWS CloudTrail Best Practices"
  description   = "Audit AWS CloudTrail against the fourteen Cloud Conformity CloudTrail best-practice rules (trail buckets, logging coverage, log integrity, delivery and monitoring) with the cloudtrailcc Steampipe plugin, on Steampipe or on plain PostgreSQL."
  color         = "#FF9900"
  documentation = file("./docs/index.md")
  categories    = ["aws", "cloudtrail", "compliance", "security"]

  require {
    powerpipe {
      min_version = "1.0.0"
    }
  }
}
