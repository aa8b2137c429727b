package rules

import "github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"

// bucketAccessLogging is rule 1: server access logging on trail buckets.
var bucketAccessLogging = &Rule{
	ID:             "bucket_access_logging",
	Title:          "Enable access logging for AWS CloudTrail buckets",
	ConformityID:   "CT-002",
	ConformityRisk: "High",
	Description: "Checks that every S3 bucket a CloudTrail trail delivers to has S3 server access logging enabled " +
		"(GetBucketLogging returns LoggingEnabled with a TargetBucket). Access logs record who read or changed the " +
		"audit log files themselves, which helps detect tampering and unauthorised access to the trail's evidence.",
	Severity:   SeverityHigh,
	Scope:      ScopeBucket,
	IAMActions: []string{"ec2:DescribeRegions", "cloudtrail:DescribeTrails", "s3:ListAllMyBuckets", "s3:GetBucketLocation", "s3:GetBucketLogging"},
	Remediation: "Create (or choose) a separate S3 bucket to receive the access logs, allow the S3 logging service " +
		"(logging.s3.amazonaws.com) to write to it with a bucket policy, then enable server access logging on the " +
		"CloudTrail bucket with that bucket as target and a prefix.",
	RemediationCLI: `aws s3api put-bucket-logging --bucket TRAIL_BUCKET --bucket-logging-status '{"LoggingEnabled":{"TargetBucket":"LOG_BUCKET","TargetPrefix":"TRAIL_BUCKET/"}}'`,
	Related:        []string{"AWS Security Hub CloudTrail.7", "CIS AWS Foundations 3.4 (v3-v5) / 4.4 (v6-v7)"},
	References: []string{
		"https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html",
		"https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html",
		"https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLogging.html",
		"https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html",
	},
	Needs: snapshot.NeedTrails | snapshot.NeedBucketLogging,
	eval:  evalBucketAccessLogging,
}

func evalBucketAccessLogging(c *evalCtx) {
	fact := bucketFact{need: snapshot.NeedBucketLogging, action: "s3:GetBucketLogging"}
	c.forEachBucket(fact, func(b *snapshot.Bucket, res string, ev map[string]any) {
		if !c.usableBucketFact(b, res, ev, fact.action, b.Logging != nil, b.LoggingErr) {
			return
		}
		ev["target_bucket"] = b.Logging.TargetBucket
		ev["target_prefix"] = b.Logging.TargetPrefix
		if b.Logging.TargetBucket == "" {
			c.alarm(res, b.Region, "bucket "+b.Name+" has server access logging disabled (GetBucketLogging returns no LoggingEnabled)", ev)
			return
		}
		c.ok(res, b.Region, "bucket "+b.Name+" logs server access to bucket "+b.Logging.TargetBucket+
			" with prefix "+quoteOrEmpty(b.Logging.TargetPrefix), ev)
	})
}
