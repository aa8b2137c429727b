package seed

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	s3ctypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// NamePrefix starts the name of every resource a scenario creates, so a run
// against a real account is recognisable.
const NamePrefix = "cloudtrailcc-seed-"

// ErrNoControl is returned by builder steps that only the emulator's control
// endpoint can perform when Target.Control is nil.
var ErrNoControl = errors.New("needs the emulator's control endpoint (Target.Control is nil)")

// Builder seeds one scenario step by step through AWS APIs (and the control
// endpoint). The first failing step is kept and every later step does
// nothing, so a scenario reads as a list of steps followed by Account().
type Builder struct {
	ctx     context.Context
	target  Target
	clients clientCache
	acct    *Account
	suffix  string
	err     error
}

// NewBuilder starts a scenario of kind (a short lowercase word that goes into
// resource names) against t; it reads the account id with sts:GetCallerIdentity.
func NewBuilder(ctx context.Context, t Target, kind string) *Builder {
	b := &Builder{ctx: ctx, target: t, clients: clientCache{target: t},
		acct: &Account{Kind: kind, Region: t.region()}}
	var raw [3]byte
	if _, err := rand.Read(raw[:]); err != nil {
		b.fail("random name suffix", err)
		return b
	}
	b.suffix = hex.EncodeToString(raw[:])
	c := b.client(t.region())
	if c == nil {
		return b
	}
	out, err := c.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		b.fail("sts:GetCallerIdentity", err)
		return b
	}
	b.acct.AccountID = aws.ToString(out.Account)
	b.acct.Partition = "aws"
	if parts := strings.SplitN(aws.ToString(out.Arn), ":", 3); len(parts) == 3 && parts[1] != "" {
		b.acct.Partition = parts[1]
	}
	return b
}

// Err returns the first error met, if any.
func (b *Builder) Err() error { return b.err }

// Account returns what was seeded and the first error met; after an error
// the Account still describes what was created so far (for Destroy).
func (b *Builder) Account() (*Account, error) { return b.acct, b.err }

// fail keeps the first error, naming the scenario and the step.
func (b *Builder) fail(step string, err error) {
	if b.err == nil {
		b.err = fmt.Errorf("seed %s: %s: %w", b.acct.Kind, step, err)
	}
}

// client returns region's clients, or nil after an error.
func (b *Builder) client(region string) *Clients {
	if b.err != nil {
		return nil
	}
	c, err := b.clients.get(region)
	if err != nil {
		b.fail("clients", err)
		return nil
	}
	return c
}

// HomeRegion is the target's home region (where specs without a region go).
func (b *Builder) HomeRegion() string { return b.target.region() }

// AccountID is the seeded account's id.
func (b *Builder) AccountID() string { return b.acct.AccountID }

// Name returns the name of the resource with role: cloudtrailcc-seed-KIND-ROLE-SUFFIX.
func (b *Builder) Name(role string) string {
	return NamePrefix + b.acct.Kind + "-" + role + "-" + b.suffix
}

// TrailARN returns the ARN the trail with role in region will have, so a
// bucket policy can name it before the trail exists.
func (b *Builder) TrailARN(region, role string) string {
	return fmt.Sprintf("arn:%s:cloudtrail:%s:%s:trail/%s", b.acct.Partition, region, b.acct.AccountID, b.Name(role))
}

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
	var err error
	switch state {
	case KeyDisabled:
		_, err = c.KMS.DisableKey(b.ctx, &kms.DisableKeyInput{KeyId: aws.String(keyARN)})
	case KeyPendingDeletion:
		_, err = c.KMS.ScheduleKeyDeletion(b.ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(keyARN), PendingWindowInDays: aws.Int32(7)})
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

// DeleteBucket deletes an (empty) bucket after a trail named it: the
// missing-bucket case.
func (b *Builder) DeleteBucket(name string) {
	region := b.target.region()
	for _, r := range b.acct.Buckets {
		if r.Name == name {
			region = r.Region
		}
	}
	c := b.client(region)
	if c == nil {
		return
	}
	if _, err := c.S3.DeleteBucket(b.ctx, &s3.DeleteBucketInput{Bucket: aws.String(name)}); err != nil {
		b.fail("s3:DeleteBucket "+name, err)
		return
	}
	for i, r := range b.acct.Buckets {
		if r.Name == name {
			b.acct.Buckets = append(b.acct.Buckets[:i], b.acct.Buckets[i+1:]...)
			break
		}
	}
}

// BucketSpec says how to create one S3 bucket.
type BucketSpec struct {
	// Role is the bucket's part in the scenario; Region where it is created (default the target's).
	Role, Region string
	// CloudTrailFor are the trail ARNs CloudTrail may deliver for: the bucket
	// policy allows cloudtrail.amazonaws.com with an aws:SourceArn condition.
	CloudTrailFor []string
	// LogTarget is the bucket that receives this bucket's server access logs.
	LogTarget string
	// AccessLogTarget makes this bucket a server access log target (policy for logging.s3.amazonaws.com).
	AccessLogTarget bool
	// Versioning is "", "Enabled" or "Suspended".
	Versioning string
	// MFADelete enables MFA Delete (control endpoint; implies versioning Enabled).
	MFADelete bool
	// BlockPublicAccess sets the bucket's Public Access Block to all true.
	BlockPublicAccess bool
	// PublicReadACL grants AllUsers READ through the public-read canned ACL
	// (ownership ObjectWriter, the bucket's Public Access Block removed).
	PublicReadACL bool
	// PublicPolicy adds a statement allowing Principal "*" s3:GetObject with
	// no condition (the bucket's Public Access Block removed).
	PublicPolicy bool
}

// Bucket creates an S3 bucket as spec says and returns its name.
func (b *Builder) Bucket(spec BucketSpec) string {
	if spec.Region == "" {
		spec.Region = b.target.region()
	}
	c := b.client(spec.Region)
	if c == nil {
		return ""
	}
	name := b.Name(spec.Role)
	in := &s3.CreateBucketInput{Bucket: aws.String(name)}
	if spec.Region != "us-east-1" {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(spec.Region)}
	}
	if _, err := c.S3.CreateBucket(b.ctx, in); err != nil {
		b.fail("s3:CreateBucket "+spec.Role, err)
		return ""
	}
	rec := &Bucket{Role: spec.Role, Name: name, Region: spec.Region, OwnerAccountID: b.acct.AccountID}
	b.acct.Buckets = append(b.acct.Buckets, rec)
	step := func(what string, err error) bool {
		if err != nil {
			b.fail(what+" "+spec.Role, err)
		}
		return err == nil
	}
	bucket := aws.String(name)
	if (spec.PublicReadACL || spec.PublicPolicy) &&
		!step("s3:DeletePublicAccessBlock", ignoreCode(c.S3.DeletePublicAccessBlock(b.ctx, &s3.DeletePublicAccessBlockInput{Bucket: bucket}))) {
		return "" // new buckets block public ACLs and policies by default (AWS since April 2023)
	}
	if spec.PublicReadACL {
		if !step("s3:PutBucketOwnershipControls", second(c.S3.PutBucketOwnershipControls(b.ctx, &s3.PutBucketOwnershipControlsInput{Bucket: bucket,
			OwnershipControls: &s3types.OwnershipControls{Rules: []s3types.OwnershipControlsRule{{ObjectOwnership: s3types.ObjectOwnershipObjectWriter}}}}))) ||
			!step("s3:PutBucketAcl", second(c.S3.PutBucketAcl(b.ctx, &s3.PutBucketAclInput{Bucket: bucket, ACL: s3types.BucketCannedACLPublicRead}))) {
			return ""
		}
		rec.Public = "acl"
	}
	if policy := b.bucketPolicy(name, spec); policy != "" {
		if !step("s3:PutBucketPolicy", second(c.S3.PutBucketPolicy(b.ctx, &s3.PutBucketPolicyInput{Bucket: bucket, Policy: aws.String(policy)}))) {
			return ""
		}
		if spec.PublicPolicy && rec.Public == "" {
			rec.Public = "policy"
		}
	}
	if spec.BlockPublicAccess {
		if !step("s3:PutPublicAccessBlock", second(c.S3.PutPublicAccessBlock(b.ctx, &s3.PutPublicAccessBlockInput{Bucket: bucket,
			PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true),
				IgnorePublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true)}}))) {
			return ""
		}
		rec.PublicAccessBlock = true
	}
	if spec.MFADelete {
		spec.Versioning = "Enabled"
	}
	if spec.Versioning != "" {
		if !step("s3:PutBucketVersioning", second(c.S3.PutBucketVersioning(b.ctx, &s3.PutBucketVersioningInput{Bucket: bucket,
			VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatus(spec.Versioning)}}))) {
			return ""
		}
		rec.Versioning = spec.Versioning
	}
	if spec.LogTarget != "" {
		if !step("s3:PutBucketLogging", second(c.S3.PutBucketLogging(b.ctx, &s3.PutBucketLoggingInput{Bucket: bucket,
			BucketLoggingStatus: &s3types.BucketLoggingStatus{LoggingEnabled: &s3types.LoggingEnabled{
				TargetBucket: aws.String(spec.LogTarget), TargetPrefix: aws.String(name + "/")}}}))) {
			return ""
		}
		rec.LogTarget = spec.LogTarget
	}
	if spec.MFADelete {
		rec.MFADelete = b.SetMFADelete(name, "Enabled")
	}
	return name
}

// bucketPolicy returns the policy spec asks for, or "" for none.
func (b *Builder) bucketPolicy(name string, spec BucketSpec) string {
	arn := "arn:" + b.acct.Partition + ":s3:::" + name
	var stmts []statement
	if len(spec.CloudTrailFor) > 0 {
		cond := map[string]any{"StringEquals": map[string]any{"aws:SourceArn": spec.CloudTrailFor}}
		stmts = append(stmts,
			statement{Sid: "AWSCloudTrailAclCheck", Principal: map[string]any{"Service": "cloudtrail.amazonaws.com"},
				Action: "s3:GetBucketAcl", Resource: arn, Condition: cond},
			statement{Sid: "AWSCloudTrailWrite", Principal: map[string]any{"Service": "cloudtrail.amazonaws.com"},
				Action: "s3:PutObject", Resource: arn + "/AWSLogs/" + b.acct.AccountID + "/*",
				Condition: map[string]any{"StringEquals": map[string]any{
					"aws:SourceArn": spec.CloudTrailFor, "s3:x-amz-acl": "bucket-owner-full-control"}}})
	}
	if spec.AccessLogTarget {
		stmts = append(stmts, statement{Sid: "S3ServerAccessLogs", Principal: map[string]any{"Service": "logging.s3.amazonaws.com"},
			Action: "s3:PutObject", Resource: arn + "/*",
			Condition: map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": b.acct.AccountID}}})
	}
	if spec.PublicPolicy {
		stmts = append(stmts, statement{Sid: "PublicRead", Principal: "*", Action: "s3:GetObject", Resource: arn + "/*"})
	}
	if len(stmts) == 0 {
		return ""
	}
	return b.policy(stmts...)
}

// AccountPublicAccessBlock sets the account-level S3 Public Access Block (S3 Control).
func (b *Builder) AccountPublicAccessBlock(ignorePublicACLs, restrictPublicBuckets bool) {
	c := b.client(b.target.region())
	if c == nil {
		return
	}
	if _, err := c.S3Control.PutPublicAccessBlock(b.ctx, &s3control.PutPublicAccessBlockInput{
		AccountId: aws.String(b.acct.AccountID),
		PublicAccessBlockConfiguration: &s3ctypes.PublicAccessBlockConfiguration{
			IgnorePublicAcls: aws.Bool(ignorePublicACLs), RestrictPublicBuckets: aws.Bool(restrictPublicBuckets),
			BlockPublicAcls: aws.Bool(ignorePublicACLs), BlockPublicPolicy: aws.Bool(restrictPublicBuckets)},
	}); err != nil {
		b.fail("s3control:PutPublicAccessBlock", err)
	}
}

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
		in.SnsTopicName = aws.String(spec.TopicARN)
	}
	if spec.KeyARN != "" {
		in.KmsKeyId = aws.String(spec.KeyARN)
	}
	if spec.LogGroupARN != "" {
		in.CloudWatchLogsLogGroupArn = aws.String(spec.LogGroupARN)
		in.CloudWatchLogsRoleArn = aws.String(b.cloudWatchRoleARN())
	}
	out, err := c.CloudTrail.CreateTrail(b.ctx, in)
	if err != nil {
		b.fail("cloudtrail:CreateTrail "+spec.Role, err)
		return nil
	}
	t := &Trail{Role: spec.Role, Name: name, ARN: aws.ToString(out.TrailARN), HomeRegion: spec.Region,
		OwnerAccountID: b.acct.AccountID, Bucket: spec.Bucket, TopicARN: spec.TopicARN, KeyARN: spec.KeyARN,
		LogGroupARN: spec.LogGroupARN, MultiRegion: spec.MultiRegion, GlobalEvents: spec.GlobalEvents, Validation: spec.Validation,
		Organization: spec.Organization}
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

// statement is one IAM policy statement (always Allow).
type statement struct {
	Sid       string
	Principal any
	Action    any
	Resource  any
	Condition map[string]any
}

// policy renders an IAM policy document of statements.
func (b *Builder) policy(stmts ...statement) string {
	doc := map[string]any{"Version": "2012-10-17"}
	var list []map[string]any
	for _, s := range stmts {
		m := map[string]any{"Sid": s.Sid, "Effect": "Allow", "Principal": s.Principal, "Action": s.Action, "Resource": s.Resource}
		if s.Condition != nil {
			m["Condition"] = s.Condition
		}
		list = append(list, m)
	}
	doc["Statement"] = list
	raw, err := json.Marshal(doc)
	if err != nil {
		b.fail("policy document", err)
		return ""
	}
	return string(raw)
}

// regionOf returns the region field of an ARN.
func regionOf(arn string) string {
	if parts := strings.SplitN(arn, ":", 6); len(parts) == 6 {
		return parts[3]
	}
	return ""
}

// remove returns list without v.
func remove(list []string, v string) []string {
	out := list[:0]
	for _, s := range list {
		if s != v {
			out = append(out, s)
		}
	}
	return out
}

// second returns a call's error, dropping its output.
func second[T any](_ T, err error) error { return err }

// ignoreCode returns a call's error unless its AWS error code says there was nothing to remove.
func ignoreCode[T any](_ T, err error) error {
	if code(err) == "NoSuchPublicAccessBlockConfiguration" {
		return nil
	}
	return err
}
