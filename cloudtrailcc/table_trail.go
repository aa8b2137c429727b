package cloudtrailcc

import (
	"iter"
	"maps"
	"slices"
	"time"

	"github.com/turbot/steampipe-plugin-sdk/v5/grpc/proto"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// trailRow is one trail with the account it was read from.
type trailRow struct {
	acct *snapshot.Account
	t    *snapshot.Trail
}

// status returns a GetTrailStatus field getter (NULL when the status was not read).
func status(f func(*snapshot.TrailStatus) any) func(trailRow) any {
	return func(x trailRow) any {
		if x.t.Status == nil {
			return nil
		}
		return f(x.t.Status)
	}
}

// optTime is *t, or NULL.
func optTime(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return *t
}

// trailTable is cloudtrailcc_trail: one row per trail, in its home region.
func trailTable() tableSpec[trailRow] {
	type r = trailRow
	const st, sel = snapshot.NeedTrailStatus, snapshot.NeedEventSelectors
	str, b, js, ts := proto.ColumnType_STRING, proto.ColumnType_BOOL, proto.ColumnType_JSON, proto.ColumnType_TIMESTAMP
	return tableSpec[r]{
		name: "cloudtrailcc_trail",
		desc: "AWS CloudTrail trails, one row per trail in its home region (a multi-region trail is not repeated for the regions it covers), with status, event selectors, insight selectors and tags.",
		base: snapshot.NeedTrails,
		keys: []string{"name", "arn"},
		cols: []column[r]{
			{name: "name", typ: str, desc: "Name of the trail.", get: func(x r) any { return x.t.Name }},
			{name: "arn", typ: str, desc: "Specifies the ARN of the trail.", get: func(x r) any { return x.t.ARN }},
			{name: "home_region", typ: str, desc: "The region in which the trail was created.", get: func(x r) any { return x.t.HomeRegion }},
			{name: "is_multi_region_trail", typ: b, desc: "Specifies whether the trail exists only in one region or exists in all regions.", get: func(x r) any { return x.t.IsMultiRegionTrail }},
			{name: "is_organization_trail", typ: b, desc: "Specifies whether the trail is an organization trail.", get: func(x r) any { return x.t.IsOrganizationTrail }},
			{name: "owner_account_id", typ: str, desc: "The account that owns the trail (from its ARN); differs from account_id for an organization trail seen from a member account.", get: func(x r) any { return x.t.OwnerAccountID }},
			{name: "include_global_service_events", typ: b, desc: "Set to True to include AWS API calls from AWS global services such as IAM. Otherwise, False.", get: func(x r) any { return x.t.IncludeGlobalServiceEvents }},
			{name: "log_file_validation_enabled", typ: b, desc: "Specifies whether log file validation is enabled.", get: func(x r) any { return x.t.LogFileValidationEnabled }},
			{name: "s3_bucket_name", typ: str, desc: "Name of the Amazon S3 bucket into which CloudTrail delivers your trail files.", get: func(x r) any { return optString(x.t.S3BucketName) }},
			{name: "s3_key_prefix", typ: str, desc: "Specifies the Amazon S3 key prefix that comes after the name of the bucket you have designated for log file delivery.", get: func(x r) any { return optString(x.t.S3KeyPrefix) }},
			{name: "sns_topic_arn", typ: str, desc: "Specifies the ARN of the Amazon SNS topic that CloudTrail uses to send notifications when log files are delivered.", get: func(x r) any { return optString(x.t.SnsTopicARN) }},
			{name: "kms_key_id", typ: str, desc: "Specifies the KMS key ID that encrypts the logs delivered by CloudTrail, as a key ARN.", get: func(x r) any { return optString(x.t.KmsKeyID) }},
			{name: "log_group_arn", typ: str, desc: "Specifies an Amazon Resource Name (ARN), a unique identifier that represents the log group to which CloudTrail logs will be delivered.", get: func(x r) any { return optString(x.t.CloudWatchLogsLogGroupARN) }},
			{name: "cloudwatch_logs_role_arn", typ: str, desc: "Specifies the role for the CloudWatch Logs endpoint to assume to write to a user's log group.", get: func(x r) any { return optString(x.t.CloudWatchLogsRoleARN) }},
			{name: "has_custom_event_selectors", typ: b, desc: "Specifies if the trail has custom event selectors.", get: func(x r) any { return x.t.HasCustomEventSelectors }},
			{name: "has_insight_selectors", typ: b, desc: "Specifies whether a trail has insight types specified in an InsightSelector list.", get: func(x r) any { return x.t.HasInsightSelectors }},
			{name: "is_logging", typ: b, need: st, desc: "Whether the CloudTrail trail is currently logging Amazon Web Services API calls (GetTrailStatus); null when the status could not be read.", get: status(func(s *snapshot.TrailStatus) any { return s.IsLogging })},
			{name: "latest_delivery_time", typ: ts, need: st, desc: "Specifies the date and time that CloudTrail last delivered log files to an account's Amazon S3 bucket.", get: status(func(s *snapshot.TrailStatus) any { return optTime(s.LatestDeliveryTime) })},
			{name: "latest_delivery_error", typ: str, need: st, desc: "Displays any Amazon S3 error that CloudTrail encountered when attempting to deliver log files to the designated bucket.", get: status(func(s *snapshot.TrailStatus) any { return optString(s.LatestDeliveryError) })},
			{name: "latest_notification_time", typ: ts, need: st, desc: "Specifies the date and time of the most recent Amazon SNS notification that CloudTrail has written a new log file to an account's Amazon S3 bucket.", get: status(func(s *snapshot.TrailStatus) any { return optTime(s.LatestNotificationTime) })},
			{name: "latest_notification_error", typ: str, need: st, desc: "Displays any Amazon SNS error that CloudTrail encountered when attempting to send a notification.", get: status(func(s *snapshot.TrailStatus) any { return optString(s.LatestNotificationError) })},
			{name: "latest_cloudwatch_logs_delivery_time", typ: ts, need: st, desc: "Displays the most recent date and time when CloudTrail delivered logs to CloudWatch Logs.", get: status(func(s *snapshot.TrailStatus) any { return optTime(s.LatestCloudWatchLogsDeliveryTime) })},
			{name: "latest_cloudwatch_logs_delivery_error", typ: str, need: st, desc: "Displays any CloudWatch Logs error that CloudTrail encountered when attempting to deliver logs to CloudWatch Logs.", get: status(func(s *snapshot.TrailStatus) any { return optString(s.LatestCloudWatchLogsDeliveryError) })},
			{name: "latest_digest_delivery_time", typ: ts, need: st, desc: "Specifies the date and time that CloudTrail last delivered a digest file to an account's Amazon S3 bucket.", get: status(func(s *snapshot.TrailStatus) any { return optTime(s.LatestDigestDeliveryTime) })},
			{name: "latest_digest_delivery_error", typ: str, need: st, desc: "Displays any Amazon S3 error that CloudTrail encountered when attempting to deliver a digest file to the designated bucket.", get: status(func(s *snapshot.TrailStatus) any { return optString(s.LatestDigestDeliveryError) })},
			{name: "start_logging_time", typ: ts, need: st, desc: "Specifies the most recent date and time when CloudTrail started recording API calls for an AWS account.", get: status(func(s *snapshot.TrailStatus) any { return optTime(s.StartLoggingTime) })},
			{name: "stop_logging_time", typ: ts, need: st, desc: "Specifies the most recent date and time when CloudTrail stopped recording API calls for an AWS account.", get: status(func(s *snapshot.TrailStatus) any { return optTime(s.StopLoggingTime) })},
			{name: "status_error", typ: str, need: st, desc: "The error met calling GetTrailStatus (e.g. AccessDenied for another account's organization trail); null when it was read.", get: func(x r) any { return readErr(x.t.StatusErr) }},
			{name: "event_selectors", typ: js, need: sel, desc: "Describes the classic event selectors configured for the trail (GetEventSelectors); null when the trail uses advanced event selectors or they could not be read.", get: func(x r) any {
				if x.t.Selectors == nil || x.t.Selectors.Classic == nil {
					return nil
				}
				return x.t.Selectors.Classic
			}},
			{name: "advanced_event_selectors", typ: js, need: sel, desc: "Describes the advanced event selectors configured for the trail (GetEventSelectors); null when the trail uses classic event selectors or they could not be read.", get: func(x r) any {
				if x.t.Selectors == nil || x.t.Selectors.Advanced == nil {
					return nil
				}
				return x.t.Selectors.Advanced
			}},
			{name: "selectors_error", typ: str, need: sel, desc: "The error met calling GetEventSelectors; null when they were read.", get: func(x r) any { return readErr(x.t.SelectorsErr) }},
			{name: "insight_selectors", typ: js, need: snapshot.NeedInsightSelectors, desc: "The insight selectors of the trail as GetInsightSelectors returns them, e.g. [{\"InsightType\": \"ApiCallRateInsight\"}]; an empty list when the trail has none, null when they could not be read.", get: func(x r) any {
				if x.t.InsightErr != nil {
					return nil
				}
				return insightSelectors(x.t.InsightTypes)
			}},
			{name: "insight_selectors_error", typ: str, need: snapshot.NeedInsightSelectors, desc: "The error met calling GetInsightSelectors; null when they were read.", get: func(x r) any { return readErr(x.t.InsightErr) }},
			{name: "tags", typ: js, need: snapshot.NeedTrailTags, desc: "A map of tags for the trail (ListTags); null when they could not be read.", get: func(x r) any {
				if x.t.TagsErr != nil {
					return nil
				}
				if x.t.Tags == nil {
					return map[string]string{}
				}
				return x.t.Tags
			}},
			{name: "tags_src", typ: js, need: snapshot.NeedTrailTags, desc: "A list of tags assigned to the trail as ListTags returns them ([{\"Key\": ..., \"Value\": ...}], sorted by key); null when they could not be read.", get: func(x r) any {
				if x.t.TagsErr != nil {
					return nil
				}
				return tagsSrc(x.t.Tags)
			}},
			{name: "tags_error", typ: str, need: snapshot.NeedTrailTags, desc: "The error met calling ListTags; null when the tags were read.", get: func(x r) any { return readErr(x.t.TagsErr) }},
			{name: "region", typ: str, desc: "The AWS region of the trail: its home region.", get: func(x r) any { return x.t.HomeRegion }},
			{name: "account_id", typ: str, desc: "The AWS account ID the trail was read from: its owner, except for another account's trail that only this account's audit sees.", get: func(x r) any { return x.acct.AccountID }},
			{name: "partition", typ: str, desc: "The AWS partition (aws, aws-cn or aws-us-gov).", get: func(x r) any { return partitionOf(x.acct) }},
			{name: "title", typ: str, desc: "Title of the resource: the trail name.", get: func(x r) any { return x.t.Name }},
			{name: "akas", typ: js, desc: "Array of globally unique identifier strings (also known as) for the resource: the trail ARN.", get: func(x r) any { return []string{x.t.ARN} }},
		},
		// Each trail once, under the account that read it; an organization
		// trail of an audited account only under that account. One account
		// is decoded at a time.
		orgStream: func(q *query, org *snapshot.Organization) iter.Seq[r] {
			return func(yield func(r) bool) {
				for acct := range org.Each() {
					for _, t := range acct.Trails {
						if q.match("name", t.Name) && q.match("arn", t.ARN) && !org.HeldElsewhere(acct.AccountID, t) && !yield(r{acct: acct, t: t}) {
							return
						}
					}
				}
			}
		},
	}
}

// insightSelector is one entry of GetInsightSelectors' InsightSelectors.
type insightSelector struct {
	InsightType string `json:"InsightType"`
}

// insightSelectors is the insight types in GetInsightSelectors' shape
// (never nil: no insight types is an empty list).
func insightSelectors(types []string) []insightSelector {
	out := make([]insightSelector, 0, len(types))
	for _, t := range types {
		out = append(out, insightSelector{InsightType: t})
	}
	return out
}

// tag is one resource tag in the AWS APIs' shape.
type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// tagsSrc is tags as a list of {Key, Value}, sorted by key (never nil).
func tagsSrc(tags map[string]string) []tag {
	out := make([]tag, 0, len(tags))
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		out = append(out, tag{Key: k, Value: tags[k]})
	}
	return out
}
