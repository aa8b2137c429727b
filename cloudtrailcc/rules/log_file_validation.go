package rules

import "github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"

// logFileValidation is rule 8: log file integrity validation.
var logFileValidation = &Rule{
	ID:             "log_file_validation",
	Title:          "Enable AWS CloudTrail log file integrity validation",
	ConformityID:   "CT-007",
	ConformityRisk: "Medium",
	Description: "Checks that each trail has log file integrity validation enabled (LogFileValidationEnabled). CloudTrail " +
		"then delivers hourly digest files, signed with SHA-256 and RSA, that prove whether log files were changed, " +
		"deleted or forged after delivery.",
	Severity:       SeverityMedium,
	Scope:          ScopeTrail,
	IAMActions:     []string{"ec2:DescribeRegions", "cloudtrail:DescribeTrails"},
	Remediation:    "Enable log file validation on the trail; validate delivered logs with aws cloudtrail validate-logs.",
	RemediationCLI: "aws cloudtrail update-trail --name TRAIL_NAME --enable-log-file-validation",
	Related:        []string{"AWS Security Hub CloudTrail.4", "CIS AWS Foundations 3.2 (v3-v5) / 4.2 (v6-v7)"},
	References: []string{
		"https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html",
		"https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-enabling.html",
		"https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html",
	},
	Needs: snapshot.NeedTrails,
	eval:  evalLogFileValidation,
}

func evalLogFileValidation(c *evalCtx) {
	c.forEachTrail(func(t *snapshot.Trail) {
		ev := trailEvidence(t)
		ev["log_file_validation_enabled"] = t.LogFileValidationEnabled
		if t.LogFileValidationEnabled {
			c.ok(t.ARN, t.HomeRegion, c.trailLabel(t)+" has log file validation enabled (LogFileValidationEnabled true)", ev)
			return
		}
		c.alarm(t.ARN, t.HomeRegion, c.trailLabel(t)+" has log file validation disabled (LogFileValidationEnabled false)", ev)
	})
}
