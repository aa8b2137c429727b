package awsemu

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	s3controltypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"
)

func TestGetBucketLocationEmptyForUSEast1(t *testing.T) {
	e := newEnv(t, Options{})
	e.mkBucket("virginia-bucket", "us-east-1")
	e.mkBucket("ireland-bucket", "eu-west-1")
	c := e.s3("us-east-1")
	loc := must(c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("virginia-bucket")}))
	if loc.LocationConstraint != "" {
		t.Fatalf("us-east-1 location = %q, want empty", loc.LocationConstraint)
	}
	loc = must(c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("ireland-bucket")}))
	if loc.LocationConstraint != "eu-west-1" {
		t.Fatalf("eu-west-1 location = %q", loc.LocationConstraint)
	}
	lb := must(c.ListBuckets(ctx, &s3.ListBucketsInput{}))
	if len(lb.Buckets) != 2 || aws.ToString(lb.Buckets[0].BucketRegion) != "eu-west-1" || lb.Buckets[0].CreationDate == nil {
		t.Fatalf("ListBuckets = %+v", lb.Buckets)
	}
}

func TestBucketCallInWrongRegionIsRedirected(t *testing.T) {
	e := newEnv(t, Options{})
	e.mkBucket("ireland-only", "eu-west-1")
	_, err := e.s3("us-east-1").GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("ireland-only")})
	wantCode(t, err, "PermanentRedirect")
	must(e.s3("eu-west-1").GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("ireland-only")}))
	_, err = e.s3("us-east-1").CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("wrong-constraint"),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: "eu-west-1"}})
	wantCode(t, err, "IllegalLocationConstraintException")
}

func TestBucketOfAnotherAccountDeniedAndMissingBucketNotFound(t *testing.T) {
	e := newEnv(t, Options{})
	if err := e.srv.AddForeignBucket("their-bucket", "999999999999", "us-east-1"); err != nil {
		t.Fatal(err)
	}
	c := e.s3("us-east-1")
	_, err := c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("their-bucket")})
	wantCode(t, err, "AccessDenied")
	_, err = c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("their-bucket")})
	wantCode(t, err, "AccessDenied")
	// Its objects too: another account's log bucket is read through the
	// account that owns it.
	_, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("their-bucket")})
	wantCode(t, err, "AccessDenied")
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("their-bucket"), Key: aws.String("AWSLogs/x.json.gz")})
	wantCode(t, err, "AccessDenied")
	_, err = c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("nobody-has-this")})
	wantCode(t, err, "NoSuchBucket")
	_, err = c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("their-bucket")})
	wantCode(t, err, "BucketAlreadyExists")
	lb := must(c.ListBuckets(ctx, &s3.ListBucketsInput{}))
	if len(lb.Buckets) != 0 {
		t.Fatalf("foreign bucket listed: %+v", lb.Buckets)
	}
	e.mkBucket("mine-bucket", "us-east-1")
	_, err = c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("mine-bucket")})
	wantCode(t, err, "BucketAlreadyOwnedByYou")
}

func TestListBucketsPaginatesWithContinuationToken(t *testing.T) {
	e := newEnv(t, Options{})
	for _, n := range []string{"b-one", "b-two", "b-three", "b-four", "b-five"} {
		e.mkBucket(n, "us-east-1")
	}
	p := s3.NewListBucketsPaginator(e.s3("us-east-1"), &s3.ListBucketsInput{MaxBuckets: aws.Int32(2)})
	var names []string
	pages := 0
	for p.HasMorePages() {
		out := must(p.NextPage(ctx))
		pages++
		for _, b := range out.Buckets {
			names = append(names, aws.ToString(b.Name))
		}
	}
	if pages != 3 || len(names) != 5 || names[0] != "b-five" || names[4] != "b-two" {
		t.Fatalf("pages=%d names=%v", pages, names)
	}
}

func TestMFADeleteOmittedUntilConfigured(t *testing.T) {
	e := newEnv(t, Options{})
	e.mkBucket("versioned", "us-east-1")
	c := e.s3("us-east-1")
	v := must(c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("versioned")}))
	if v.Status != "" || v.MFADelete != "" {
		t.Fatalf("fresh bucket versioning = %+v", v)
	}
	must(c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("versioned"),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}))
	v = must(c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("versioned")}))
	if v.Status != s3types.BucketVersioningStatusEnabled || v.MFADelete != "" {
		t.Fatalf("after enabling versioning = %+v", v)
	}
	_, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("versioned"),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled, MFADelete: s3types.MFADeleteEnabled}})
	wantCode(t, err, "AccessDenied")
	if err := e.srv.SetBucketMFADelete(DefaultAccountID, "versioned", "Disabled"); err != nil {
		t.Fatal(err)
	}
	v = must(c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("versioned")}))
	if v.MFADelete != s3types.MFADeleteStatusDisabled {
		t.Fatalf("MFADelete = %q, want Disabled once configured", v.MFADelete)
	}
	must(c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("versioned"), MFA: aws.String("arn:aws:iam::123456789012:mfa/root 123456"),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled, MFADelete: s3types.MFADeleteEnabled}}))
	v = must(c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("versioned")}))
	if v.MFADelete != s3types.MFADeleteStatusEnabled {
		t.Fatalf("MFADelete = %q after put with MFA", v.MFADelete)
	}
}

func TestNoSuchBucketPolicyFromPolicyAndPolicyStatus(t *testing.T) {
	e := newEnv(t, Options{})
	e.mkBucket("no-policy", "us-east-1")
	c := e.s3("us-east-1")
	_, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("no-policy")})
	wantCode(t, err, "NoSuchBucketPolicy")
	_, err = c.GetBucketPolicyStatus(ctx, &s3.GetBucketPolicyStatusInput{Bucket: aws.String("no-policy")})
	wantCode(t, err, "NoSuchBucketPolicy")
	_, err = c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("no-policy"), Policy: aws.String("not json")})
	wantCode(t, err, "MalformedPolicy")
}

func TestPolicyStatusIsPublicFollowsAWSDefinition(t *testing.T) {
	e := newEnv(t, Options{})
	e.mkBucket("policy-bucket", "us-east-1")
	c := e.s3("us-east-1")
	stmt := func(principal, condition string) string {
		s := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":` + principal + `,"Action":"s3:PutObject","Resource":"arn:aws:s3:::policy-bucket/*"`
		if condition != "" {
			s += `,"Condition":` + condition
		}
		return s + `}]}`
	}
	cases := []struct {
		name   string
		policy string
		public bool
	}{
		{"star principal", stmt(`"*"`, ""), true},
		{"AWS star principal", stmt(`{"AWS":"*"}`, ""), true},
		{"service principal", stmt(`{"Service":"cloudtrail.amazonaws.com"}`, ""), false},
		{"account principal", stmt(`{"AWS":"arn:aws:iam::123456789012:root"}`, ""), false},
		{"star with SourceArn", stmt(`"*"`, `{"StringEquals":{"aws:SourceArn":"arn:aws:cloudtrail:us-east-1:123456789012:trail/t"}}`), false},
		{"star with SourceAccount", stmt(`"*"`, `{"StringEquals":{"AWS:SourceAccount":"123456789012"}}`), false},
		{"star with wildcard SourceArn", stmt(`"*"`, `{"StringLike":{"aws:SourceArn":"arn:aws:cloudtrail:*"}}`), true},
		{"star with PrincipalOrgID", stmt(`"*"`, `{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}`), false},
		{"star with SourceIp", stmt(`"*"`, `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`), false},
		{"star with open SourceIp", stmt(`"*"`, `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`), true},
		{"star with SecureTransport only", stmt(`"*"`, `{"Bool":{"aws:SecureTransport":"true"}}`), true},
		{"deny star", `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}]}`, false},
	}
	for _, tc := range cases {
		must(c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("policy-bucket"), Policy: aws.String(tc.policy)}))
		st := must(c.GetBucketPolicyStatus(ctx, &s3.GetBucketPolicyStatusInput{Bucket: aws.String("policy-bucket")}))
		if aws.ToBool(st.PolicyStatus.IsPublic) != tc.public {
			t.Errorf("%s: IsPublic = %v, want %v", tc.name, aws.ToBool(st.PolicyStatus.IsPublic), tc.public)
		}
	}
	got := must(c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("policy-bucket")}))
	if aws.ToString(got.Policy) != cases[len(cases)-1].policy {
		t.Fatalf("policy round trip = %q", aws.ToString(got.Policy))
	}
	must(c.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String("policy-bucket")}))
	_, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("policy-bucket")})
	wantCode(t, err, "NoSuchBucketPolicy")
}

func TestPublicAccessBlockNotFoundAtBucketAndAccountLevel(t *testing.T) {
	e := newEnv(t, Options{})
	e.mkBucket("pab-bucket", "us-east-1")
	c := e.s3("us-east-1")
	_, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String("pab-bucket")})
	wantCode(t, err, "NoSuchPublicAccessBlockConfiguration")
	ctl := e.s3control("us-east-1")
	_, err = ctl.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: aws.String(DefaultAccountID)})
	wantCode(t, err, "NoSuchPublicAccessBlockConfiguration")

	must(ctl.PutPublicAccessBlock(ctx, &s3control.PutPublicAccessBlockInput{AccountId: aws.String(DefaultAccountID),
		PublicAccessBlockConfiguration: &s3controltypes.PublicAccessBlockConfiguration{IgnorePublicAcls: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true)}}))
	acct := must(ctl.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: aws.String(DefaultAccountID)}))
	p := acct.PublicAccessBlockConfiguration
	if !aws.ToBool(p.IgnorePublicAcls) || !aws.ToBool(p.RestrictPublicBuckets) || aws.ToBool(p.BlockPublicAcls) || aws.ToBool(p.BlockPublicPolicy) {
		t.Fatalf("account PAB = %+v", p)
	}
	_, err = ctl.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: aws.String("999999999999")})
	wantCode(t, err, "AccessDenied")

	must(c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String("pab-bucket"),
		PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true)}}))
	b := must(c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String("pab-bucket")}))
	if !aws.ToBool(b.PublicAccessBlockConfiguration.BlockPublicAcls) || aws.ToBool(b.PublicAccessBlockConfiguration.IgnorePublicAcls) {
		t.Fatalf("bucket PAB = %+v", b.PublicAccessBlockConfiguration)
	}
	// BlockPublicAcls refuses new public grants.
	_, err = c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("pab-bucket"), ACL: s3types.BucketCannedACLPublicRead})
	wantCode(t, err, "AccessDenied")
	must(c.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String("pab-bucket")}))
	must(ctl.DeletePublicAccessBlock(ctx, &s3control.DeletePublicAccessBlockInput{AccountId: aws.String(DefaultAccountID)}))
	_, err = ctl.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: aws.String(DefaultAccountID)})
	wantCode(t, err, "NoSuchPublicAccessBlockConfiguration")
	counts := e.srv.CallCounts()
	if counts["s3:GetAccountPublicAccessBlock"] != 4 || counts["s3:GetBucketPublicAccessBlock"] != 2 {
		t.Fatalf("call counts = %v", counts)
	}
}

func TestBucketACLDefaultOwnerFullControlAndCannedPublicRead(t *testing.T) {
	e := newEnv(t, Options{})
	e.mkBucket("acl-bucket", "us-east-1")
	c := e.s3("us-east-1")
	acl := must(c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("acl-bucket")}))
	if len(acl.Grants) != 1 || acl.Grants[0].Permission != s3types.PermissionFullControl || acl.Grants[0].Grantee.Type != s3types.TypeCanonicalUser ||
		aws.ToString(acl.Grants[0].Grantee.ID) != aws.ToString(acl.Owner.ID) {
		t.Fatalf("default ACL = %+v", acl.Grants)
	}
	must(c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("acl-bucket"), ACL: s3types.BucketCannedACLPublicRead}))
	acl = must(c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("acl-bucket")}))
	if len(acl.Grants) != 2 || acl.Grants[1].Grantee.Type != s3types.TypeGroup || aws.ToString(acl.Grants[1].Grantee.URI) != allUsersURI || acl.Grants[1].Permission != s3types.PermissionRead {
		t.Fatalf("public-read ACL = %+v", acl.Grants)
	}
	must(c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("acl-bucket"), AccessControlPolicy: &s3types.AccessControlPolicy{
		Owner: acl.Owner,
		Grants: []s3types.Grant{
			{Grantee: &s3types.Grantee{Type: s3types.TypeCanonicalUser, ID: acl.Owner.ID}, Permission: s3types.PermissionFullControl},
			{Grantee: &s3types.Grantee{Type: s3types.TypeGroup, URI: aws.String(authenticatedUsersURI)}, Permission: s3types.PermissionWrite},
		},
	}}))
	acl = must(c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("acl-bucket")}))
	if len(acl.Grants) != 2 || aws.ToString(acl.Grants[1].Grantee.URI) != authenticatedUsersURI || acl.Grants[1].Permission != s3types.PermissionWrite {
		t.Fatalf("body ACL = %+v", acl.Grants)
	}
	// ACLs cannot be disabled while they grant to others.
	_, err := c.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{Bucket: aws.String("acl-bucket"),
		OwnershipControls: &s3types.OwnershipControls{Rules: []s3types.OwnershipControlsRule{{ObjectOwnership: s3types.ObjectOwnershipBucketOwnerEnforced}}}})
	wantCode(t, err, "InvalidBucketAclWithObjectOwnership")
}

func TestOwnershipControlsNotFoundUntilSet(t *testing.T) {
	e := newEnv(t, Options{})
	e.mkBucket("own-bucket", "us-east-1")
	c := e.s3("us-east-1")
	_, err := c.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: aws.String("own-bucket")})
	wantCode(t, err, "OwnershipControlsNotFoundError")
	must(c.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{Bucket: aws.String("own-bucket"),
		OwnershipControls: &s3types.OwnershipControls{Rules: []s3types.OwnershipControlsRule{{ObjectOwnership: s3types.ObjectOwnershipBucketOwnerEnforced}}}}))
	oc := must(c.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: aws.String("own-bucket")}))
	if oc.OwnershipControls.Rules[0].ObjectOwnership != s3types.ObjectOwnershipBucketOwnerEnforced {
		t.Fatalf("ownership = %+v", oc.OwnershipControls)
	}
	_, err = c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("own-bucket"), ACL: s3types.BucketCannedACLPublicRead})
	wantCode(t, err, "AccessControlListNotSupported")
}

func TestModernBucketDefaultsBlockPublicAccessAndEnforceOwner(t *testing.T) {
	e := newEnv(t, Options{ModernBucketDefaults: true})
	e.mkBucket("modern-bucket", "us-east-1")
	c := e.s3("us-east-1")
	p := must(c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String("modern-bucket")}))
	if !aws.ToBool(p.PublicAccessBlockConfiguration.BlockPublicPolicy) || !aws.ToBool(p.PublicAccessBlockConfiguration.RestrictPublicBuckets) {
		t.Fatalf("modern PAB = %+v", p.PublicAccessBlockConfiguration)
	}
	oc := must(c.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: aws.String("modern-bucket")}))
	if oc.OwnershipControls.Rules[0].ObjectOwnership != s3types.ObjectOwnershipBucketOwnerEnforced {
		t.Fatalf("modern ownership = %+v", oc.OwnershipControls)
	}
	_, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("modern-bucket"),
		Policy: aws.String(`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::modern-bucket/*"}]}`)})
	wantCode(t, err, "AccessDenied")
}

func TestBucketLoggingRoundTrip(t *testing.T) {
	e := newEnv(t, Options{})
	e.mkBucket("logged-bucket", "us-east-1")
	e.mkBucket("log-target", "us-east-1")
	c := e.s3("us-east-1")
	l := must(c.GetBucketLogging(ctx, &s3.GetBucketLoggingInput{Bucket: aws.String("logged-bucket")}))
	if l.LoggingEnabled != nil {
		t.Fatalf("fresh logging = %+v", l.LoggingEnabled)
	}
	_, err := c.PutBucketLogging(ctx, &s3.PutBucketLoggingInput{Bucket: aws.String("logged-bucket"), BucketLoggingStatus: &s3types.BucketLoggingStatus{
		LoggingEnabled: &s3types.LoggingEnabled{TargetBucket: aws.String("missing-target"), TargetPrefix: aws.String("x/")}}})
	wantCode(t, err, "InvalidTargetBucketForLogging")
	must(c.PutBucketLogging(ctx, &s3.PutBucketLoggingInput{Bucket: aws.String("logged-bucket"), BucketLoggingStatus: &s3types.BucketLoggingStatus{
		LoggingEnabled: &s3types.LoggingEnabled{TargetBucket: aws.String("log-target"), TargetPrefix: aws.String("access/")}}}))
	l = must(c.GetBucketLogging(ctx, &s3.GetBucketLoggingInput{Bucket: aws.String("logged-bucket")}))
	if aws.ToString(l.LoggingEnabled.TargetBucket) != "log-target" || aws.ToString(l.LoggingEnabled.TargetPrefix) != "access/" {
		t.Fatalf("logging = %+v", l.LoggingEnabled)
	}
}

func TestCreateBucketRefusesExplicitUSEast1ConstraintAndWrongExpectedOwner(t *testing.T) {
	e := newEnv(t, Options{})
	c := e.s3("us-east-1")
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("explicit-east"),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: "us-east-1"}})
	wantCode(t, err, "InvalidLocationConstraint")
	e.mkBucket("owned-bucket", "us-east-1")
	_, err = c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("owned-bucket"), ExpectedBucketOwner: aws.String("999999999999")})
	wantCode(t, err, "AccessDenied")
	must(c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("owned-bucket"), ExpectedBucketOwner: aws.String(DefaultAccountID)}))
}
