package rules

import (
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// cloudwatchIntegration is rule 7: trails deliver to CloudWatch Logs.
var cloudwatchIntegration = &Rule{
	ID:             "cloudwatch_integration",
	Title:          "Enable AWS CloudTrail integration with CloudWatch",
	ConformityID:   "CT-009",
	ConformityRisk: "Medium",
	Description: "Checks that each trail sends its events to a CloudWatch Logs log group (CloudWatchLogsLogGroupArn) and " +
		"that the last delivery there (GetTrailStatus LatestCloudWatchLogsDeliveryTime, never the S3 delivery time) is " +
		"within the last 24 hours without a delivery error. CloudWatch Logs enables metric filters, alarms and real-time " +
		"analysis of API activity.",
	Severity:   SeverityMedium,
	Scope:      ScopeTrail,
	IAMActions: []string{"ec2:DescribeRegions", "cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus"},
	Remediation: "Create a log group and an IAM role that CloudTrail can assume with logs:CreateLogStream and " +
		"logs:PutLogEvents on it, then configure the trail with both; when a delivery error is reported, fix the role's " +
		"trust or permissions, and start logging if the trail is stopped.",
	RemediationCLI: "aws cloudtrail update-trail --name TRAIL_NAME --cloud-watch-logs-log-group-arn LOG_GROUP_ARN --cloud-watch-logs-role-arn ROLE_ARN",
	Related:        []string{"AWS Security Hub CloudTrail.5"},
	References: []string{
		"https://docs.aws.amazon.com/awscloudtrail/latest/userguide/send-cloudtrail-events-to-cloudwatch-logs.html",
		"https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-required-policy-for-cloudwatch-logs.html",
		"https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetTrailStatus.html",
		"https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html",
	},
	Needs: snapshot.NeedTrails | snapshot.NeedTrailStatus,
	eval:  evalCloudwatchIntegration,
}

// cloudwatchMaxAge is how old the last CloudWatch Logs delivery may be.
const cloudwatchMaxAge = 24 * time.Hour

func evalCloudwatchIntegration(c *evalCtx) {
	c.forEachTrail(func(t *snapshot.Trail) {
		ev := trailEvidence(t)
		ev["cloud_watch_logs_log_group_arn"] = t.CloudWatchLogsLogGroupARN
		ev["cloud_watch_logs_role_arn"] = t.CloudWatchLogsRoleARN
		label := c.trailLabel(t)
		if t.CloudWatchLogsLogGroupARN == "" {
			c.alarm(t.ARN, t.HomeRegion, label+" is not integrated with CloudWatch Logs (no CloudWatchLogsLogGroupArn)", ev)
			return
		}
		st := c.status(t)
		if st == nil {
			return
		}
		last := st.LatestCloudWatchLogsDeliveryTime
		ev["is_logging"] = st.IsLogging
		ev["latest_cloud_watch_logs_delivery_time"] = evTimePtr(last)
		ev["latest_cloud_watch_logs_delivery_error"] = st.LatestCloudWatchLogsDeliveryError
		ev["stop_logging_time"] = evTimePtr(st.StopLoggingTime)
		ev["window_hours"] = int(cloudwatchMaxAge / time.Hour)
		lastSeen := "no delivery was ever recorded"
		if last != nil {
			lastSeen = "last delivery " + fmtTime(*last)
		}
		group := " to log group " + t.CloudWatchLogsLogGroupARN
		switch {
		case !st.IsLogging:
			c.alarm(t.ARN, t.HomeRegion, label+" is "+notLoggingSince(st)+", so nothing is delivered"+group+" ("+lastSeen+")", ev)
		case st.LatestCloudWatchLogsDeliveryError != "":
			c.alarm(t.ARN, t.HomeRegion, label+" fails to deliver"+group+": "+st.LatestCloudWatchLogsDeliveryError+" ("+lastSeen+")", ev)
		case last == nil:
			c.alarm(t.ARN, t.HomeRegion, label+" sends events"+group+" but no delivery was ever recorded", ev)
		case c.now.Sub(*last) > cloudwatchMaxAge:
			c.alarm(t.ARN, t.HomeRegion, label+" delivery"+group+" is stale: last delivery "+fmtTime(*last)+" ("+ago(c.now, *last)+", older than 24 hours)", ev)
		default:
			c.ok(t.ARN, t.HomeRegion, label+" delivers"+group+"; last delivery "+fmtTime(*last)+" ("+ago(c.now, *last)+")", ev)
		}
	})
}
