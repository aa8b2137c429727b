package rules

import (
	"strings"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// deliveryFailing is rule 11: log file, notification and digest delivery works.
var deliveryFailing = &Rule{
	ID:             "delivery_failing",
	Title:          "AWS CloudTrail Log Files Delivery Failing",
	ConformityID:   "CT-011",
	ConformityRisk: "Medium",
	Description: "Checks GetTrailStatus for delivery failures: LatestDeliveryError (log files to S3: AccessDenied, " +
		"NoSuchBucket, KMS errors...), LatestNotificationError (SNS notifications) and LatestDigestDeliveryError (digest " +
		"files, without which log file validation silently breaks), and that the trail is logging at all. It does not " +
		"alarm merely because nothing was delivered recently: quiet regions deliver nothing for hours.",
	Severity:   SeverityMedium,
	Scope:      ScopeTrail,
	IAMActions: []string{"ec2:DescribeRegions", "cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus"},
	Remediation: "Fix what the quoted error names: the bucket must exist and its policy must allow " +
		"cloudtrail.amazonaws.com s3:GetBucketAcl and s3:PutObject (with the right aws:SourceArn); the KMS key policy " +
		"must allow CloudTrail to use the key; the SNS topic must exist and allow CloudTrail to publish. Start logging " +
		"on a stopped trail.",
	RemediationCLI: "aws cloudtrail get-trail-status --name TRAIL_ARN && aws cloudtrail start-logging --name TRAIL_ARN",
	Related:        []string{},
	References: []string{
		"https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetTrailStatus.html",
		"https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html",
		"https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-permissions-for-sns-notifications.html",
		"https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html",
	},
	Needs: snapshot.NeedTrails | snapshot.NeedTrailStatus,
	eval:  evalDeliveryFailing,
}

func evalDeliveryFailing(c *evalCtx) {
	c.forEachTrail(func(t *snapshot.Trail) {
		st := c.status(t)
		if st == nil {
			return
		}
		ev := trailEvidence(t)
		ev["is_logging"] = st.IsLogging
		ev["latest_delivery_time"] = evTimePtr(st.LatestDeliveryTime)
		ev["latest_delivery_error"] = st.LatestDeliveryError
		ev["latest_notification_error"] = st.LatestNotificationError
		ev["latest_digest_delivery_error"] = st.LatestDigestDeliveryError
		ev["start_logging_time"] = evTimePtr(st.StartLoggingTime)
		ev["stop_logging_time"] = evTimePtr(st.StopLoggingTime)
		label := c.trailLabel(t)
		var failing []string
		for _, f := range []struct{ field, value string }{
			{"LatestDeliveryError", st.LatestDeliveryError},
			{"LatestNotificationError", st.LatestNotificationError},
			{"LatestDigestDeliveryError", st.LatestDigestDeliveryError},
		} {
			if f.value != "" {
				failing = append(failing, f.field+` "`+f.value+`"`)
			}
		}
		lastOK := "no successful delivery recorded"
		if st.LatestDeliveryTime != nil {
			lastOK = "last successful delivery " + fmtTime(*st.LatestDeliveryTime)
		}
		switch {
		case len(failing) > 0:
			reason := label + " delivery is failing: " + strings.Join(failing, ", ") + " (" + lastOK + ")"
			if !st.IsLogging {
				reason += "; the trail is also " + notLoggingSince(st)
			}
			c.alarm(t.ARN, t.HomeRegion, reason, ev)
		case !st.IsLogging:
			c.alarm(t.ARN, t.HomeRegion, label+" is "+notLoggingSince(st)+": no log files are delivered", ev)
		default:
			c.ok(t.ARN, t.HomeRegion, label+" is logging with no delivery error ("+lastOK+")", ev)
		}
	})
}
