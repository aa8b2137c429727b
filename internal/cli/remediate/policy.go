package remediate

import "encoding/json"

// Policy documents the plan writes. Each is the least a service needs,
// limited to the audited account by a condition.

// doc is an IAM-style policy document.
type doc struct {
	Version   string `json:"Version"`
	Statement []stmt `json:"Statement"`
}

// stmt is one policy statement.
type stmt struct {
	Sid       string         `json:"Sid,omitempty"`
	Effect    string         `json:"Effect"`
	Principal map[string]any `json:"Principal,omitempty"`
	Action    any            `json:"Action"`
	Resource  any            `json:"Resource,omitempty"`
	Condition map[string]any `json:"Condition,omitempty"`
}

// render is the document as compact JSON (keys in a fixed order).
func (d doc) render() string {
	b, err := json.Marshal(d)
	if err != nil {
		panic("remediate: policy document does not marshal: " + err.Error())
	}
	return string(b)
}

func policy(s ...stmt) doc { return doc{Version: "2012-10-17", Statement: s} }

func service(name string) map[string]any { return map[string]any{"Service": name} }

// accessLogPolicy lets S3 server access logging of the account write to bucket.
func (a *accountFacts) accessLogPolicy(bucket string) string {
	return policy(stmt{Sid: "S3ServerAccessLogsPolicy", Effect: "Allow", Principal: service("logging.s3.amazonaws.com"),
		Action: "s3:PutObject", Resource: "arn:" + a.partition + ":s3:::" + bucket + "/*",
		Condition: map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": a.id}}}).render()
}

// trailBucketPolicy lets CloudTrail check the ACL of bucket and write the
// log files of trails (and no other trail) into it.
func (a *accountFacts) trailBucketPolicy(bucket string, trails []string) string {
	source := map[string]any{"aws:SourceArn": trails}
	return policy(
		stmt{Sid: "AWSCloudTrailAclCheck", Effect: "Allow", Principal: service("cloudtrail.amazonaws.com"),
			Action: "s3:GetBucketAcl", Resource: "arn:" + a.partition + ":s3:::" + bucket,
			Condition: map[string]any{"StringEquals": source}},
		stmt{Sid: "AWSCloudTrailWrite", Effect: "Allow", Principal: service("cloudtrail.amazonaws.com"),
			Action: "s3:PutObject", Resource: "arn:" + a.partition + ":s3:::" + bucket + "/*AWSLogs/" + a.id + "/*",
			Condition: map[string]any{"StringEquals": map[string]any{"aws:SourceArn": trails, "s3:x-amz-acl": "bucket-owner-full-control"}}},
	).render()
}

// kmsKeyPolicy keeps the key administered by the account's IAM policies and
// lets CloudTrail encrypt the log files of the account's trails with it.
func (a *accountFacts) kmsKeyPolicy() string {
	cloudtrail := service("cloudtrail.amazonaws.com")
	return policy(
		stmt{Sid: "EnableIAMPolicies", Effect: "Allow", Principal: map[string]any{"AWS": "arn:" + a.partition + ":iam::" + a.id + ":root"},
			Action: "kms:*", Resource: "*"},
		stmt{Sid: "AllowCloudTrailToEncryptLogs", Effect: "Allow", Principal: cloudtrail, Action: "kms:GenerateDataKey*", Resource: "*",
			Condition: map[string]any{
				"StringEquals": map[string]any{"aws:SourceAccount": a.id},
				"StringLike":   map[string]any{"kms:EncryptionContext:aws:cloudtrail:arn": "arn:" + a.partition + ":cloudtrail:*:" + a.id + ":trail/*"},
			}},
		stmt{Sid: "AllowCloudTrailToDescribeKey", Effect: "Allow", Principal: cloudtrail, Action: "kms:DescribeKey", Resource: "*"},
	).render()
}

// cloudWatchTrustPolicy lets CloudTrail of the account assume the role.
func (a *accountFacts) cloudWatchTrustPolicy() string {
	return policy(stmt{Effect: "Allow", Principal: service("cloudtrail.amazonaws.com"), Action: "sts:AssumeRole",
		Condition: map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": a.id}}}).render()
}

// cloudWatchRolePolicy lets the role write to the plan's trail log groups.
func (a *accountFacts) cloudWatchRolePolicy() string {
	return policy(stmt{Sid: "CloudTrailToCloudWatchLogs", Effect: "Allow", Action: []string{"logs:CreateLogStream", "logs:PutLogEvents"},
		Resource: "arn:" + a.partition + ":logs:*:" + a.id + ":log-group:" + logGroupPrefix + "*:log-stream:*"}).render()
}

// topicPolicy keeps the account's default rights on the topic and lets the
// trails that name it publish to it.
func (a *accountFacts) topicPolicy(topic string, trails []string) string {
	owner := stmt{Sid: "AccountOwner", Effect: "Allow", Principal: map[string]any{"AWS": "*"},
		Action: []string{"SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission", "SNS:RemovePermission",
			"SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish"},
		Resource: topic, Condition: map[string]any{"StringEquals": map[string]any{"AWS:SourceOwner": a.id}}}
	publish := stmt{Sid: "AWSCloudTrailSNSPolicy", Effect: "Allow", Principal: service("cloudtrail.amazonaws.com"),
		Action: "SNS:Publish", Resource: topic}
	if len(trails) > 0 {
		publish.Condition = map[string]any{"StringEquals": map[string]any{"aws:SourceArn": trails}}
	}
	return policy(owner, publish).render()
}
