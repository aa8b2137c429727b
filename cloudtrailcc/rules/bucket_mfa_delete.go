package rules

import "github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"

// bucketMFADelete is rule 2: MFA Delete on trail buckets.
var bucketMFADelete = &Rule{
	ID:             "bucket_mfa_delete",
	Title:          "Enable MFA Delete for AWS CloudTrail bucket",
	ConformityID:   "CT-004",
	ConformityRisk: "High",
	Description: "Checks that every S3 bucket a CloudTrail trail delivers to has MFA Delete enabled " +
		"(GetBucketVersioning returns MFADelete Enabled). With MFA Delete, permanently deleting an object version or " +
		"changing the bucket's versioning state needs the root user's MFA code, so stolen credentials cannot erase " +
		"the audit trail. The finding tells MFADelete Disabled from never configured and gives the versioning state.",
	Severity:   SeverityHigh,
	Scope:      ScopeBucket,
	IAMActions: []string{"ec2:DescribeRegions", "cloudtrail:DescribeTrails", "s3:ListAllMyBuckets", "s3:GetBucketLocation", "s3:GetBucketVersioning"},
	Remediation: "Only the bucket owner's root user with an MFA device can enable MFA Delete, and only with the AWS CLI " +
		"or API, not the console: sign in with the root user's access key, then enable versioning and MFA Delete " +
		"together, passing the MFA device serial number and a current code.",
	RemediationCLI: `aws s3api put-bucket-versioning --bucket TRAIL_BUCKET --versioning-configuration Status=Enabled,MFADelete=Enabled --mfa "arn:aws:iam::ACCOUNT_ID:mfa/root-account-mfa-device MFA_CODE"`,
	Related:        []string{"CIS AWS Foundations 2.1.2 (S3 MFA Delete, generic)"},
	References: []string{
		"https://docs.aws.amazon.com/AmazonS3/latest/userguide/MultiFactorAuthenticationDelete.html",
		"https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketVersioning.html",
		"https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketVersioning.html",
		"https://docs.aws.amazon.com/awscloudtrail/latest/userguide/best-practices-security.html",
	},
	Needs: snapshot.NeedTrails | snapshot.NeedBucketVersioning,
	eval:  evalBucketMFADelete,
}

func evalBucketMFADelete(c *evalCtx) {
	fact := bucketFact{need: snapshot.NeedBucketVersioning, action: "s3:GetBucketVersioning"}
	c.forEachBucket(fact, func(b *snapshot.Bucket, res string, ev map[string]any) {
		if !c.usableBucketFact(b, res, ev, fact.action, b.Versioning != nil, b.VersioningErr) {
			return
		}
		v := b.Versioning
		ev["versioning_status"] = v.Status
		ev["mfa_delete"] = v.MFADelete
		ev["mfa_delete_configured"] = v.MFADelete != ""
		versioning := "versioning " + v.Status
		if v.Status == "" {
			versioning = "versioning never enabled"
		}
		switch v.MFADelete {
		case "Enabled":
			c.ok(res, b.Region, "bucket "+b.Name+" has MFA Delete Enabled ("+versioning+")", ev)
		case "":
			c.alarm(res, b.Region, "bucket "+b.Name+" has MFA Delete never configured (no MFADelete in GetBucketVersioning; "+versioning+")", ev)
		default:
			c.alarm(res, b.Region, "bucket "+b.Name+" has MFA Delete "+v.MFADelete+" ("+versioning+")", ev)
		}
	})
}
