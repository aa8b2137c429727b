mod "cloudtrailcc" {
  title         = "AWS CloudTrail Best Practices"
  description   = "Audit AWS CloudTrail against the fourteen Cloud Conformity CloudTrail best-practice rules (trail buckets, logging coverage, log integrity, delivery and monitoring) with the cloudtrailcc Steampipe plugin, on Steampipe or on plain PostgreSQL."
  color         = "#FF9900"
  documentation = file("./docs/index.md")
  categories    = ["aws", "cloudtrail", "compliance", "security"]

  # No `require` block, on purpose (tested with Powerpipe v1.5.2 on plain
  # PostgreSQL): a `plugin "local/cloudtrailcc"` requirement can only be
  # checked against Steampipe, so on plain PostgreSQL every run warns that the
  # backend "does not provide a plugin which satisfies" it; and a `powerpipe`
  # min_version fails mod validation on Powerpipe built from source, which
  # reports version 0.0.0. The controls need only the cloudtrailcc_* tables.
}
