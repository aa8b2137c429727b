package organization_test

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/inventory"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/organization"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/testkit/motoup"
)

// motoAccount is moto's default account, whatever the credentials.
const motoAccount = "123456789012"

// TestMotoRepliesAreRead checks, against moto 5.2.3 (an independent
// AWS-compatible server), that the forms it answers in are read: CloudTrail,
// KMS and Organizations JSON labelled text/html, GetBucketVersioning's
// <GetBucketVersioningResponse> root (empty for a bucket never versioned),
// every other S3 read but GetBucketPolicyStatus (moto answers it with a
// bucket listing, which stays malformed), and an organization audit that lists the accounts and assumes a role into
// a member. moto is the one CLOUDTRAILCC_MOTO_URL names, else started by
// shared/moto/up.sh (MOTO_UP); the test is skipped when there is neither.
func TestMotoRepliesAreRead(t *testing.T) {
	ctx := t.Context()
	base, stop, err := motoup.Start(ctx)
	if errors.Is(err, motoup.ErrNoMoto) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(base),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	name := "shape-" + hex.EncodeToString(suffix)
	plain, versioned := name+"-plain", name+"-versioned"

	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	for _, b := range []string{plain, versioned} {
		must(s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}))
	}
	must(s3c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(versioned),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}))
	must(s3c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String(plain), ACL: s3types.BucketCannedACLPublicRead}))
	must(s3c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String(versioned),
		PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true)}}))
	must(s3c.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{Bucket: aws.String(versioned),
		OwnershipControls: &s3types.OwnershipControls{Rules: []s3types.OwnershipControlsRule{{ObjectOwnership: s3types.ObjectOwnershipBucketOwnerEnforced}}}}))
	key, err := kms.NewFromConfig(cfg).CreateKey(ctx, &kms.CreateKeyInput{})
	must(key, err)
	topic, err := sns.NewFromConfig(cfg).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(name)})
	must(topic, err)
	ct := cloudtrail.NewFromConfig(cfg)
	trails := map[string]string{}
	for _, b := range []string{plain, versioned} {
		in := &cloudtrail.CreateTrailInput{Name: aws.String(b), S3BucketName: aws.String(b)}
		if b == plain {
			in.KmsKeyId, in.SnsTopicName = key.KeyMetadata.Arn, aws.String(name)
		}
		out, err := ct.CreateTrail(ctx, in)
		must(out, err)
		must(ct.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: out.TrailARN}))
		trails[b] = aws.ToString(out.TrailARN)
	}
	orgs := organizations.NewFromConfig(cfg)
	if _, err := orgs.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}); err != nil {
		var exists *orgtypes.AlreadyInOrganizationException
		if !errors.As(err, &exists) {
			t.Fatal(err)
		}
	}
	created, err := orgs.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String(name), Email: aws.String(name + "@example.com")})
	must(created, err)
	member := aws.ToString(created.CreateAccountStatus.AccountId)

	inv := inventory.Config{EndpointURL: base, AccessKey: "test", SecretKey: "test", Regions: []string{"us-east-1"}, MaxErrorRetryAttempts: 1}
	col, err := inventory.New(inv)
	if err != nil {
		t.Fatal(err)
	}
	acct, err := col.Snapshot(ctx, snapshot.NeedTrailStatus|snapshot.NeedEventSelectors|
		snapshot.NeedBucketVersioning|snapshot.NeedBucketLogging|snapshot.NeedBucketPublic|snapshot.NeedKeys|snapshot.NeedTopics)
	if err != nil {
		t.Fatal(err)
	}
	for b, arn := range trails {
		i := slices.IndexFunc(acct.Trails, func(tr *snapshot.Trail) bool { return tr.ARN == arn })
		if i < 0 {
			t.Fatalf("DescribeTrails: trail %s not read (%d trails)", arn, len(acct.Trails))
		}
		tr := acct.Trails[i]
		if tr.StatusErr != nil || tr.Status == nil || !tr.Status.IsLogging {
			t.Errorf("GetTrailStatus of %s: %+v, %v; want read, logging", b, tr.Status, tr.StatusErr)
		}
		if tr.SelectorsErr != nil || tr.Selectors == nil {
			t.Errorf("GetEventSelectors of %s: %v", b, tr.SelectorsErr)
		}
	}
	if k := acct.Keys[aws.ToString(key.KeyMetadata.Arn)]; k == nil || k.Err != nil || k.State != "Enabled" {
		t.Errorf("DescribeKey: %+v", k)
	}
	if tp := acct.Topics[aws.ToString(topic.TopicArn)]; tp == nil || tp.Err != nil || !tp.Exists {
		t.Errorf("GetTopicAttributes: %+v", tp)
	}
	for b, want := range map[string]string{plain: "", versioned: "Enabled"} {
		bk := acct.Buckets[b]
		if bk == nil || bk.VersioningErr != nil || bk.Versioning == nil || bk.Versioning.Status != want {
			t.Errorf("GetBucketVersioning of %s: %+v; want read, status %q", b, bk, want)
		}
	}
	pub, blocked := acct.Buckets[plain], acct.Buckets[versioned]
	if pub == nil || blocked == nil {
		t.Fatalf("buckets not read: %v", acct.Buckets)
	}
	if pub.ACLErr != nil || pub.ACL == nil || !slices.ContainsFunc(pub.ACL.Grants, func(g snapshot.Grant) bool { return g.URI == snapshot.AllUsersURI }) {
		t.Errorf("GetBucketAcl of the public-read bucket: %+v, %v; want read with the AllUsers grant", pub.ACL, pub.ACLErr)
	}
	if pub.LoggingErr != nil || pub.Logging == nil || pub.Logging.TargetBucket != "" {
		t.Errorf("GetBucketLogging: %+v, %v; want read, off", pub.Logging, pub.LoggingErr)
	}
	if blocked.PublicAccessBlockErr != nil || blocked.PublicAccessBlock == nil || !blocked.PublicAccessBlock.BlockPublicAcls {
		t.Errorf("GetBucketPublicAccessBlock: %+v, %v; want read, BlockPublicAcls", blocked.PublicAccessBlock, blocked.PublicAccessBlockErr)
	}
	if blocked.OwnershipErr != nil || blocked.ObjectOwnership != "BucketOwnerEnforced" {
		t.Errorf("GetBucketOwnershipControls: %q, %v", blocked.ObjectOwnership, blocked.OwnershipErr)
	}
	// moto answers ?policyStatus with the bucket listing: not an answer.
	if pub.PolicyErr == nil || pub.PolicyErr.Code != "MalformedResponse" {
		t.Errorf("GetBucketPolicyStatus on moto: %+v, %v; want MalformedResponse", pub.Policy, pub.PolicyErr)
	}

	oc, err := organization.New(organization.Config{RoleName: "audit", Inventory: inv})
	if err != nil {
		t.Fatal(err)
	}
	org, err := oc.Snapshot(ctx, snapshot.NeedTrails)
	if err != nil {
		t.Fatalf("organization audit on moto: %v", err)
	}
	if org.Account(motoAccount) == nil || org.Account(member) == nil {
		t.Errorf("organization audit read %d accounts (failed %+v); want %s and %s", org.Len(), org.Failed, motoAccount, member)
	}
	for _, f := range org.Failed {
		t.Errorf("account %s failed: %v", f.AccountID, f.Err)
	}
}
