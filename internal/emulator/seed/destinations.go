package seed

// The places a trail delivers to besides its bucket: KMS keys, SNS topics
// and CloudWatch Logs log groups.

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// KeyState is the state a seeded KMS key is left in.
type KeyState string

// The key states a scenario can ask for.
const (
	KeyEnabled         KeyState = "Enabled"
	KeyDisabled        KeyState = "Disabled"
	KeyPendingDeletion KeyState = "PendingDeletion"
)

// Key creates a KMS key in region whose policy lets CloudTrail encrypt with
// it, leaves it in state and returns its ARN.
func (b *Builder) Key(region, role string, state KeyState) string {
	c := b.client(region)
	if c == nil {
		return ""
	}
	policy := b.policy(
		statement{Sid: "AccountAdmin", Principal: map[string]any{"AWS": "arn:" + b.acct.Partition + ":iam::" + b.acct.AccountID + ":root"},
			Action: "kms:*", Resource: "*"},
		statement{Sid: "CloudTrailEncrypt", Principal: map[string]any{"Service": "cloudtrail.amazonaws.com"},
			Action: []string{"kms:GenerateDataKey*", "kms:DescribeKey"}, Resource: "*"},
	)
	out, err := c.KMS.CreateKey(b.ctx, &kms.CreateKeyInput{
		Description: aws.String(b.Name(role)),
		Policy:      aws.String(policy),
	})
	if err != nil {
		b.fail("kms:CreateKey "+role, err)
		return ""
	}
	arn := aws.ToString(out.KeyMetadata.Arn)
	b.acct.Keys = append(b.acct.Keys, arn)
	b.SetKeyState(arn, state)
	return arn
}

// SetKeyState disables a key or schedules its deletion (KeyEnabled leaves it
// as it is). CloudTrail refuses a key that is not enabled, so a scenario
// changes the state after creating the trail.
func (b *Builder) SetKeyState(keyARN string, state KeyState) {
	c := b.client(regionOf(keyARN))
	if c == nil {
		return
	}
	// By key id: AWS also takes the ARN, some AWS-compatible servers (moto) do not.
	keyID := keyARN[strings.LastIndex(keyARN, "/")+1:]
	var err error
	switch state {
	case KeyDisabled:
		_, err = c.KMS.DisableKey(b.ctx, &kms.DisableKeyInput{KeyId: aws.String(keyID)})
	case KeyPendingDeletion:
		_, err = c.KMS.ScheduleKeyDeletion(b.ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(keyID), PendingWindowInDays: aws.Int32(7)})
	}
	if err != nil {
		b.fail("kms: set key state "+string(state), err)
	}
}

// Topic creates an SNS topic in region whose policy lets CloudTrail publish,
// and returns its ARN.
func (b *Builder) Topic(region, role string) string {
	c := b.client(region)
	if c == nil {
		return ""
	}
	name := b.Name(role)
	policy := b.policy(statement{Sid: "CloudTrailPublish", Principal: map[string]any{"Service": "cloudtrail.amazonaws.com"},
		Action: "SNS:Publish", Resource: "arn:" + b.acct.Partition + ":sns:" + region + ":" + b.acct.AccountID + ":" + name})
	out, err := c.SNS.CreateTopic(b.ctx, &sns.CreateTopicInput{Name: aws.String(name), Attributes: map[string]string{"Policy": policy}})
	if err != nil {
		b.fail("sns:CreateTopic "+role, err)
		return ""
	}
	arn := aws.ToString(out.TopicArn)
	b.acct.Topics = append(b.acct.Topics, arn)
	return arn
}

// DeleteTopic deletes a topic (after a trail named it: the missing-topic case).
func (b *Builder) DeleteTopic(arn string) {
	c := b.client(regionOf(arn))
	if c == nil {
		return
	}
	if _, err := c.SNS.DeleteTopic(b.ctx, &sns.DeleteTopicInput{TopicArn: aws.String(arn)}); err != nil {
		b.fail("sns:DeleteTopic", err)
		return
	}
	b.acct.Topics = remove(b.acct.Topics, arn)
	b.acct.DeletedTopics = append(b.acct.DeletedTopics, arn)
}

// LogGroup creates a CloudWatch Logs log group in region and returns the ARN
// CloudTrail expects (ending in ":*").
func (b *Builder) LogGroup(region, role string) string {
	c := b.client(region)
	if c == nil {
		return ""
	}
	name := b.Name(role)
	if _, err := c.Logs.CreateLogGroup(b.ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(name)}); err != nil {
		b.fail("logs:CreateLogGroup "+role, err)
		return ""
	}
	arn := fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s:*", b.acct.Partition, region, b.acct.AccountID, name)
	b.acct.LogGroups = append(b.acct.LogGroups, arn)
	return arn
}
