package seed

// S3 buckets and the account-level S3 Public Access Block.

import (
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	s3ctypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"
)

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
	// Tags are put with PutBucketTagging (nil = none).
	Tags map[string]string
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
	if len(spec.Tags) > 0 {
		var set []s3types.Tag
		for _, k := range slices.Sorted(maps.Keys(spec.Tags)) {
			set = append(set, s3types.Tag{Key: aws.String(k), Value: aws.String(spec.Tags[k])})
		}
		if !step("s3:PutBucketTagging", second(c.S3.PutBucketTagging(b.ctx, &s3.PutBucketTaggingInput{Bucket: bucket,
			Tagging: &s3types.Tagging{TagSet: set}}))) {
			return ""
		}
		rec.Tags = maps.Clone(spec.Tags)
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
