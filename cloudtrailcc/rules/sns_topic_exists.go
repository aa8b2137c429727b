package rules

import "github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"

// snsTopicExists is rule 14: the trail's SNS topic exists.
var snsTopicExists = &Rule{
	ID:             "sns_topic_exists",
	Title:          "AWS CloudTrail Referencing Missing SNS Topic",
	ConformityID:   "",
	ConformityRisk: "Medium",
	Description: "Checks that the SNS topic a trail notifies (SnsTopicARN) still exists: sns:GetTopicAttributes in the " +
		"topic's own region and account answers NotFound when it was deleted, and CloudTrail then fails every " +
		"notification (see delivery_failing's LatestNotificationError). Trails without a topic are skipped, and so are " +
		"other accounts' topics this account may not read. Cloud Conformity documents this check on a knowledge-base " +
		"page (risk Medium) but gives it no rule id, so the Conformity id is empty.",
	Severity:   SeverityMedium,
	Scope:      ScopeTrail,
	IAMActions: []string{"ec2:DescribeRegions", "cloudtrail:DescribeTrails", "sns:GetTopicAttributes"},
	Remediation: "Create the topic again with a policy that allows cloudtrail.amazonaws.com to publish, and point the " +
		"trail at it - or remove the topic from the trail if notifications are not wanted.",
	RemediationCLI: "aws cloudtrail update-trail --name TRAIL_NAME --sns-topic-name TOPIC_ARN",
	Related:        []string{},
	References: []string{
		"https://docs.aws.amazon.com/awscloudtrail/latest/userguide/configure-sns-notifications-for-cloudtrail.html",
		"https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-permissions-for-sns-notifications.html",
		"https://docs.aws.amazon.com/sns/latest/api/API_GetTopicAttributes.html",
	},
	Needs: snapshot.NeedTrails | snapshot.NeedTopics,
	eval:  evalSNSTopicExists,
}

func evalSNSTopicExists(c *evalCtx) {
	c.forEachTrail(func(t *snapshot.Trail) {
		ev := trailEvidence(t)
		ev["sns_topic_arn"] = t.SnsTopicARN
		label := c.trailLabel(t)
		if t.SnsTopicARN == "" {
			c.skip(t.ARN, t.HomeRegion, label+" has no SNS topic (SnsTopicARN empty)", ev)
			return
		}
		topic := c.acct.Topics[t.SnsTopicARN]
		var terr *snapshot.ReadError
		if topic != nil {
			terr = topic.Err
		}
		owner := arnAccount(t.SnsTopicARN)
		if topic != nil && topic.AccountID != "" {
			owner = topic.AccountID
		}
		ev["topic_account_id"] = owner
		foreign := owner != "" && owner != c.acct.AccountID
		err := c.factErr(snapshot.NeedTopics, "sns:GetTopicAttributes", topic != nil && (topic.Exists || terr != nil), terr)
		switch {
		case topic == nil && foreign && c.acct.Loaded.Has(snapshot.NeedTopics):
			c.skip(t.ARN, t.HomeRegion, label+" notifies SNS topic "+t.SnsTopicARN+" of account "+owner+", which was not read from this account", ev)
		case err == nil:
			ev["exists"] = true
			c.ok(t.ARN, t.HomeRegion, label+" notifies SNS topic "+t.SnsTopicARN+", which exists", ev)
		case isNotFound(err):
			ev["exists"] = false
			ev["error"] = errEvidence(err)
			if t.Status != nil && t.Status.LatestNotificationError != "" {
				ev["latest_notification_error"] = t.Status.LatestNotificationError
			}
			c.alarm(t.ARN, t.HomeRegion, label+" references SNS topic "+t.SnsTopicARN+", which does not exist ("+
				err.Action+": "+err.Code+"); notifications fail, see delivery_failing", ev)
		case foreign && isDenied(err):
			ev["error"] = errEvidence(err)
			c.skip(t.ARN, t.HomeRegion, label+" notifies SNS topic "+t.SnsTopicARN+" of account "+owner+
				", which this account may not read ("+err.Action+": "+err.Code+")", ev)
		default:
			c.readError(t.ARN, t.HomeRegion, "SNS topic "+t.SnsTopicARN+" of "+label, err, ev)
		}
	})
}
