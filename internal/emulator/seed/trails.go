package seed

// Trails and their logging state.

import (
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
)

// TrailSpec says how to create one trail.
type TrailSpec struct {
	// Role is the trail's part in the scenario; Region its home region (default the target's).
	Role, Region string
	// Bucket receives the log files; TopicARN, KeyARN and LogGroupARN are optional.
	Bucket, TopicARN, KeyARN, LogGroupARN string
	// MultiRegion, GlobalEvents and Validation are CreateTrail's
	// IsMultiRegionTrail, IncludeGlobalServiceEvents and EnableLogFileValidation.
	MultiRegion, GlobalEvents, Validation bool
	// Classic or Advanced event selectors to put (both nil = never put: AWS's default).
	Classic  []cttypes.EventSelector
	Advanced []cttypes.AdvancedEventSelector
	// Logging starts logging after creation.
	Logging bool
	// Organization makes an organization trail (CreateTrail's
	// IsOrganizationTrail; the account must manage an organization).
	Organization bool
	// Status sets the delivery status (control endpoint); nil leaves it as the endpoint reports it.
	Status *TrailStatus
	// Tags are CreateTrail's TagsList (nil = none).
	Tags map[string]string
}

// Trail creates a trail as spec says and returns it.
func (b *Builder) Trail(spec TrailSpec) *Trail {
	if spec.Region == "" {
		spec.Region = b.target.region()
	}
	c := b.client(spec.Region)
	if c == nil {
		return nil
	}
	name := b.Name(spec.Role)
	in := &cloudtrail.CreateTrailInput{
		Name:                       aws.String(name),
		S3BucketName:               aws.String(spec.Bucket),
		IsMultiRegionTrail:         aws.Bool(spec.MultiRegion),
		IncludeGlobalServiceEvents: aws.Bool(spec.GlobalEvents),
		EnableLogFileValidation:    aws.Bool(spec.Validation),
	}
	if spec.Organization {
		in.IsOrganizationTrail = aws.Bool(true)
	}
	if spec.TopicARN != "" {
		in.SnsTopicName = aws.String(topicRef(spec.TopicARN, b.acct.AccountID, spec.Region))
	}
	if spec.KeyARN != "" {
		in.KmsKeyId = aws.String(spec.KeyARN)
	}
	if spec.LogGroupARN != "" {
		in.CloudWatchLogsLogGroupArn = aws.String(spec.LogGroupARN)
		in.CloudWatchLogsRoleArn = aws.String(b.cloudWatchRoleARN())
	}
	for _, k := range slices.Sorted(maps.Keys(spec.Tags)) {
		in.TagsList = append(in.TagsList, cttypes.Tag{Key: aws.String(k), Value: aws.String(spec.Tags[k])})
	}
	out, err := c.CloudTrail.CreateTrail(b.ctx, in)
	if err != nil {
		b.fail("cloudtrail:CreateTrail "+spec.Role, err)
		return nil
	}
	t := &Trail{Role: spec.Role, Name: name, ARN: aws.ToString(out.TrailARN), HomeRegion: spec.Region,
		OwnerAccountID: b.acct.AccountID, Bucket: spec.Bucket, TopicARN: spec.TopicARN, KeyARN: spec.KeyARN,
		LogGroupARN: spec.LogGroupARN, MultiRegion: spec.MultiRegion, GlobalEvents: spec.GlobalEvents, Validation: spec.Validation,
		Organization: spec.Organization, Tags: maps.Clone(spec.Tags)}
	b.acct.Trails = append(b.acct.Trails, t)
	if spec.Classic != nil || spec.Advanced != nil {
		if _, err := c.CloudTrail.PutEventSelectors(b.ctx, &cloudtrail.PutEventSelectorsInput{TrailName: aws.String(t.ARN),
			EventSelectors: spec.Classic, AdvancedEventSelectors: spec.Advanced}); err != nil {
			b.fail("cloudtrail:PutEventSelectors "+spec.Role, err)
			return nil
		}
	}
	if spec.Logging {
		b.StartLogging(t)
	}
	if spec.Status != nil {
		b.SetStatus(t, *spec.Status)
	}
	return t
}

// StartLogging starts a trail's logging.
func (b *Builder) StartLogging(t *Trail) {
	if c := b.client(t.HomeRegion); c != nil {
		if _, err := c.CloudTrail.StartLogging(b.ctx, &cloudtrail.StartLoggingInput{Name: aws.String(t.ARN)}); err != nil {
			b.fail("cloudtrail:StartLogging "+t.Role, err)
			return
		}
		t.Logging = true
	}
}

// StopLogging stops a trail's logging.
func (b *Builder) StopLogging(t *Trail) {
	if c := b.client(t.HomeRegion); c != nil {
		if _, err := c.CloudTrail.StopLogging(b.ctx, &cloudtrail.StopLoggingInput{Name: aws.String(t.ARN)}); err != nil {
			b.fail("cloudtrail:StopLogging "+t.Role, err)
			return
		}
		t.Logging = false
	}
}

// cloudWatchRoleARN is the role CloudTrail assumes to write to CloudWatch
// Logs. On a real account it must exist (the seed creates no IAM roles).
func (b *Builder) cloudWatchRoleARN() string {
	return "arn:" + b.acct.Partition + ":iam::" + b.acct.AccountID + ":role/" + NamePrefix + "cloudwatch"
}

// topicRef is how CreateTrail names the topic: by name when it is the
// account's own topic in the trail's region, by ARN otherwise. AWS takes
// either; some AWS-compatible servers (moto) take only the name.
func topicRef(topicARN, accountID, region string) string {
	parts := strings.Split(topicARN, ":")
	if len(parts) == 6 && parts[3] == region && parts[4] == accountID {
		return parts[5]
	}
	return topicARN
}
