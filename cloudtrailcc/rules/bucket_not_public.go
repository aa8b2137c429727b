package rules

import (
	"strings"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// bucketNotPublic is rule 3: trail buckets are not publicly accessible.
var bucketNotPublic = &Rule{
	ID:             "bucket_not_public",
	Title:          "AWS CloudTrail insecure buckets",
	ConformityID:   "CT-003",
	ConformityRisk: "Very High",
	Description: "Checks that no S3 bucket a CloudTrail trail delivers to is public. A bucket is public when either path " +
		"is open: an ACL grant to the AllUsers or AuthenticatedUsers group (any permission) that is not neutralised by " +
		"IgnorePublicAcls (bucket or account Public Access Block) or by Object Ownership BucketOwnerEnforced (ACLs " +
		"disabled); or a public bucket policy (GetBucketPolicyStatus IsPublic) not neutralised by RestrictPublicBuckets " +
		"(bucket or account level). BlockPublicAcls and BlockPublicPolicy are reported but never make an existing grant " +
		"or policy private: they only refuse new ones. Public audit logs expose the account's activity to anyone.",
	Severity: SeverityCritical,
	Scope:    ScopeBucket,
	IAMActions: []string{"ec2:DescribeRegions", "cloudtrail:DescribeTrails", "s3:ListAllMyBuckets", "s3:GetBucketLocation", "s3:GetBucketAcl",
		"s3:GetBucketPolicyStatus", "s3:GetBucketPublicAccessBlock", "s3:GetAccountPublicAccessBlock",
		"s3:GetBucketOwnershipControls"},
	Remediation: "Turn on all four S3 Block Public Access settings for the bucket (or the whole account), disable ACLs " +
		"with Object Ownership BucketOwnerEnforced, and remove any public grant or Principal \"*\" statement that the " +
		"CloudTrail bucket policy does not need (CloudTrail needs only the cloudtrail.amazonaws.com service principal).",
	RemediationCLI: "aws s3api put-public-access-block --bucket TRAIL_BUCKET --public-access-block-configuration " +
		"BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true && " +
		"aws s3api put-bucket-ownership-controls --bucket TRAIL_BUCKET --ownership-controls 'Rules=[{ObjectOwnership=BucketOwnerEnforced}]'",
	Related: []string{"AWS Security Hub CloudTrail.6", "CIS AWS Foundations 3.3 (v1.3-v2.0)"},
	References: []string{
		"https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html",
		"https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html",
		"https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketAcl.html",
		"https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketPolicyStatus.html",
		"https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetPublicAccessBlock.html",
		"https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_GetPublicAccessBlock.html",
		"https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html",
	},
	Needs: snapshot.NeedTrails | snapshot.NeedBucketPublic,
	eval:  evalBucketNotPublic,
}

// accessPath is the verdict on one way a bucket can be public.
type accessPath struct {
	open    bool
	err     *snapshot.ReadError // set when the path cannot be decided
	why     string              // what decided, for the reason
	pabWhy  string              // the Public Access Block level that closed it ("bucket", "account"), if that did
	details []string            // open grants, for the reason
}

// publicFacts are the facts bucket_not_public reads for one bucket, each
// beside the error that keeps it from being used.
type publicFacts struct {
	b                  *snapshot.Bucket
	aclErr, policyErr  *snapshot.ReadError
	bucketPAB, acctPAB *snapshot.PublicAccessBlock
	bucketPABErr       *snapshot.ReadError
	acctPABErr         *snapshot.ReadError
	ownership          string
	ownershipErr       *snapshot.ReadError
}

func evalBucketNotPublic(c *evalCtx) {
	fact := bucketFact{need: snapshot.NeedBucketPublic, action: "s3:GetBucketAcl"}
	c.forEachBucket(fact, func(b *snapshot.Bucket, res string, ev map[string]any) {
		f := c.publicFacts(b)
		acl, pol := f.aclPath(), f.policyPath()
		f.evidence(ev)
		switch {
		case acl.open || pol.open:
			var open []string
			if acl.open {
				open = append(open, acl.details...)
			}
			if pol.open {
				open = append(open, pol.why)
			}
			c.alarm(res, b.Region, "bucket "+b.Name+" is public: "+strings.Join(open, "; "), ev)
		case f.firstErr() != nil:
			// Strict: no ok unless every fact was read, even one that a
			// Public Access Block setting or BucketOwnerEnforced makes moot.
			c.readError(res, b.Region, "whether bucket "+b.Name+" is public", f.firstErr(), ev)
		case acl.pabWhy != "" && acl.pabWhy == pol.pabWhy:
			c.ok(res, b.Region, "bucket "+b.Name+" is not public: IgnorePublicAcls and RestrictPublicBuckets on at "+acl.pabWhy+" level", ev)
		default:
			c.ok(res, b.Region, "bucket "+b.Name+" is not public: "+acl.why+" and "+pol.why, ev)
		}
	})
}

// publicFacts gathers the bucket's facts; a missing policy, Public Access
// Block or ownership control is a fact ("none"), not an error.
func (c *evalCtx) publicFacts(b *snapshot.Bucket) publicFacts {
	f := publicFacts{b: b}
	f.aclErr = c.factErr(0, "s3:GetBucketAcl", b.ACL != nil, b.ACLErr)
	if b.PolicyErr != nil && b.PolicyErr.Code == "NoSuchBucketPolicy" && b.Policy == nil {
		b = withNoPolicy(b)
		f.b = b
	}
	f.policyErr = c.factErr(0, "s3:GetBucketPolicyStatus", b.Policy != nil, b.PolicyErr)
	f.bucketPAB = b.PublicAccessBlock
	f.bucketPABErr = absentIsNone(c.factErr(0, "s3:GetBucketPublicAccessBlock", b.PublicAccessBlockRead || b.PublicAccessBlock != nil, b.PublicAccessBlockErr))
	f.acctPAB = c.acct.AccountPublicAccessBlock
	f.acctPABErr = absentIsNone(c.factErr(snapshot.NeedBucketPublic, "s3:GetAccountPublicAccessBlock", true, c.acct.AccountPublicAccessBlockErr))
	f.ownership = b.ObjectOwnership
	f.ownershipErr = absentIsNone(c.factErr(0, "s3:GetBucketOwnershipControls", b.OwnershipRead || b.ObjectOwnership != "", b.OwnershipErr))
	return f
}

// withNoPolicy returns a copy of b recording "no bucket policy".
func withNoPolicy(b *snapshot.Bucket) *snapshot.Bucket {
	cp := *b
	cp.Policy = &snapshot.BucketPolicyStatus{}
	cp.PolicyErr = nil
	return &cp
}

// absentIsNone drops the "not configured" answers S3 gives as errors.
func absentIsNone(err *snapshot.ReadError) *snapshot.ReadError {
	if err == nil {
		return nil
	}
	switch err.Code {
	case "NoSuchPublicAccessBlockConfiguration", "OwnershipControlsNotFoundError":
		return nil
	}
	return err
}

// pabFlag reports whether a Public Access Block flag is on at bucket or
// account level, naming the level ("" when on at neither).
func (f publicFacts) pabFlag(flag func(*snapshot.PublicAccessBlock) bool) string {
	if f.bucketPABErr == nil && f.bucketPAB != nil && flag(f.bucketPAB) {
		return "bucket"
	}
	if f.acctPABErr == nil && f.acctPAB != nil && flag(f.acctPAB) {
		return "account"
	}
	return ""
}

// firstErr returns the first fact that could not be read, if any.
func (f publicFacts) firstErr() *snapshot.ReadError {
	for _, err := range []*snapshot.ReadError{f.aclErr, f.policyErr, f.bucketPABErr, f.acctPABErr, f.ownershipErr} {
		if err != nil {
			return err
		}
	}
	return nil
}

// pabErr returns the first Public Access Block read error, if any.
func (f publicFacts) pabErr() *snapshot.ReadError {
	if f.bucketPABErr != nil {
		return f.bucketPABErr
	}
	return f.acctPABErr
}

// publicGrants returns the ACL grants to AllUsers or AuthenticatedUsers.
func (f publicFacts) publicGrants() []snapshot.Grant {
	if f.aclErr != nil {
		return nil
	}
	var out []snapshot.Grant
	for _, g := range f.b.ACL.Grants {
		if g.URI == snapshot.AllUsersURI || g.URI == snapshot.AuthenticatedUsersURI {
			out = append(out, g)
		}
	}
	return out
}

// aclPath decides the ACL path.
func (f publicFacts) aclPath() accessPath {
	if f.ownershipErr == nil && f.ownership == "BucketOwnerEnforced" {
		return accessPath{why: "ACLs are disabled (Object Ownership BucketOwnerEnforced)"}
	}
	if lvl := f.pabFlag(func(p *snapshot.PublicAccessBlock) bool { return p.IgnorePublicAcls }); lvl != "" {
		return accessPath{why: "IgnorePublicAcls on at " + lvl + " level", pabWhy: lvl}
	}
	if f.aclErr != nil {
		return accessPath{err: f.aclErr}
	}
	grants := f.publicGrants()
	if len(grants) == 0 {
		return accessPath{why: "no ACL grant to AllUsers or AuthenticatedUsers"}
	}
	if f.ownershipErr != nil {
		return accessPath{err: f.ownershipErr}
	}
	if err := f.pabErr(); err != nil {
		return accessPath{err: err}
	}
	p := accessPath{open: true}
	for _, g := range grants {
		p.details = append(p.details, "ACL grants "+g.Permission+" to "+groupName(g.URI))
	}
	return p
}

// policyPath decides the bucket policy path.
func (f publicFacts) policyPath() accessPath {
	if lvl := f.pabFlag(func(p *snapshot.PublicAccessBlock) bool { return p.RestrictPublicBuckets }); lvl != "" {
		return accessPath{why: "RestrictPublicBuckets on at " + lvl + " level", pabWhy: lvl}
	}
	switch {
	case f.policyErr != nil:
		return accessPath{err: f.policyErr}
	case !f.b.Policy.Exists:
		return accessPath{why: "no bucket policy"}
	case !f.b.Policy.IsPublic:
		return accessPath{why: "the bucket policy is not public (PolicyStatus IsPublic false)"}
	}
	if err := f.pabErr(); err != nil {
		return accessPath{err: err}
	}
	return accessPath{open: true, why: "the bucket policy is public (PolicyStatus IsPublic true)"}
}

// evidence records the raw facts that decided.
func (f publicFacts) evidence(ev map[string]any) {
	grants := []map[string]any{}
	for _, g := range f.publicGrants() {
		grants = append(grants, map[string]any{"grantee": g.URI, "permission": g.Permission})
	}
	ev["public_acl_grants"] = grants
	if f.aclErr != nil {
		ev["acl_error"] = errEvidence(f.aclErr)
	}
	if f.policyErr != nil {
		ev["policy_status_error"] = errEvidence(f.policyErr)
	} else {
		ev["policy_exists"] = f.b.Policy.Exists
		ev["policy_is_public"] = f.b.Policy.IsPublic
	}
	ev["bucket_public_access_block"] = pabEvidence(f.bucketPAB, f.bucketPABErr)
	ev["account_public_access_block"] = pabEvidence(f.acctPAB, f.acctPABErr)
	if f.ownershipErr != nil {
		ev["object_ownership"] = map[string]any{"error": errEvidence(f.ownershipErr)}
	} else {
		ev["object_ownership"] = orNone(f.ownership)
	}
}

// pabEvidence is a Public Access Block as evidence: its four flags, "none"
// or the read error.
func pabEvidence(p *snapshot.PublicAccessBlock, err *snapshot.ReadError) any {
	switch {
	case err != nil:
		return map[string]any{"error": errEvidence(err)}
	case p == nil:
		return "none"
	}
	return map[string]any{
		"BlockPublicAcls":       p.BlockPublicAcls,
		"IgnorePublicAcls":      p.IgnorePublicAcls,
		"BlockPublicPolicy":     p.BlockPublicPolicy,
		"RestrictPublicBuckets": p.RestrictPublicBuckets,
	}
}

// groupName names an ACL group URI.
func groupName(uri string) string {
	switch uri {
	case snapshot.AllUsersURI:
		return "AllUsers (everyone)"
	case snapshot.AuthenticatedUsersURI:
		return "AuthenticatedUsers (any AWS account)"
	}
	return uri
}
