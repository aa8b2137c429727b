// Package awsemu is an AWS-compatible emulator for tests, demos and
// benchmarks: a real net/http server (normally on loopback) that speaks the
// wire protocols as aws-sdk-go-v2 and botocore (boto3, the AWS CLI)
// serialize them — STS, SNS and IAM (awsQuery), EC2 (ec2Query), CloudTrail,
// KMS, CloudWatch Logs and Organizations (awsJson1_1 with X-Amz-Target, in
// every form AWS accepts: botocore sends CloudTrail's fully qualified
// "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.Op", the Go SDK
// "CloudTrail_20131101.Op"), S3 (REST-XML, path-style) and S3 Control
// (REST-XML, /v20180820/...) — for the operations the cloudtrailcc plugin
// reads and those needed to set state.
//
// # Accounts, regions, signatures
//
// Every request must be signed with SigV4. The account is the one registered
// for the access key of the credential scope (default: "test"/"test" =>
// 123456789012; more with AddAccount); the region is the credential scope's
// region. Signatures are recomputed with the SDK's signer: a wrong secret
// answers SignatureDoesNotMatch (S3, STS, SNS, EC2) or
// InvalidSignatureException (CloudTrail, KMS, Logs); an unknown access key
// InvalidClientTokenId (STS, SNS), InvalidAccessKeyId (S3), AuthFailure (EC2)
// or UnrecognizedClientException (CloudTrail, KMS, Logs), as AWS does. A call
// to a region that is not enabled is refused the same way as an unknown key.
//
// # Organizations and assumed roles
//
// SetOrganization (control "organization") makes an organization of a
// management account and member accounts (ACTIVE, SUSPENDED, ...).
// DescribeOrganization answers its members, ListAccounts (at most 20 a page)
// only the management account (AccessDeniedException for members,
// AWSOrganizationsNotInUseException outside the organization); CreateTrail
// with IsOrganizationTrail works from the management account and applies the
// trail to the ACTIVE members. AddRole (control "roles") creates a role with
// the accounts its trust policy names and an optional external id;
// sts:AssumeRole returns temporary credentials (ASIA... key, session token,
// expiry) that the emulator then authenticates as the role's account.
// A missing role, an untrusted caller, a wrong external id and a suspended
// account all answer AccessDenied, as AWS does.
//
// # IAM roles
//
// IAM serves the calls a CloudTrail set-up needs for the role that delivers
// to CloudWatch Logs: CreateRole, GetRole, ListRoles, DeleteRole and the
// inline policies (PutRolePolicy, GetRolePolicy, ListRolePolicies,
// DeleteRolePolicy). Policy documents are answered percent-encoded, as IAM
// does. IAM and AssumeRole share one set of roles: a role made with
// CreateRole can be assumed by the accounts its trust policy names (an
// account id, its root or any IAM ARN of it, or "*"), with its
// sts:ExternalId condition, at its ARN including the path; a role added on
// the control endpoint is listed by IAM with the trust policy it stands
// for.
//
// # Client options
//
// Point every client at the emulator with BaseEndpoint = URL() and static
// credentials. Two services need more:
//
//   - S3: s3.Options.UsePathStyle = true (buckets are never virtual hosts).
//     Each bucket call must be signed for the bucket's region (from
//     GetBucketLocation: empty = us-east-1); other regions answer 301
//     PermanentRedirect with the x-amz-bucket-region header, like AWS.
//   - S3 Control: the SDK prefixes the host with the account id
//     ("123456789012.127.0.0.1:PORT"), which does not resolve. Wrap the
//     default resolver so the host stays the one of BaseEndpoint (example
//     below); the request keeps its path, x-amz-account-id header and "s3"
//     signing name. Clients that cannot change the host (the AWS CLI) can
//     use the emulator as their HTTP proxy (HTTP_PROXY=URL, NO_PROXY
//     empty): it then receives the request for ACCOUNT.host and verifies
//     the signature over that host, as AWS does.
//
// S3 Control example:
//
//	type pinnedHost struct{ host string }
//
//	func (p pinnedHost) ResolveEndpoint(ctx context.Context, params s3control.EndpointParameters) (smithyendpoints.Endpoint, error) {
//		ep, err := s3control.NewDefaultEndpointResolverV2().ResolveEndpoint(ctx, params)
//		if err == nil {
//			ep.URI.Host = p.host
//		}
//		return ep, err
//	}
//
//	client := s3control.NewFromConfig(cfg, func(o *s3control.Options) {
//		o.BaseEndpoint = aws.String("http://127.0.0.1:4566")
//		o.EndpointResolverV2 = pinnedHost{host: "127.0.0.1:4566"}
//	})
//
// # Request log action names
//
// Each call is logged (Calls, CallCounts) under its IAM action: the
// operation name prefixed by the service ("cloudtrail:DescribeTrails",
// "sts:GetCallerIdentity", "ec2:DescribeRegions", "sns:GetTopicAttributes",
// "kms:DescribeKey", "logs:DescribeLogGroups") except where IAM names the
// permission differently: S3 ListBuckets is "s3:ListAllMyBuckets", HeadBucket
// "s3:ListBucket", Get/Put/DeletePublicAccessBlock of a bucket
// "s3:GetBucketPublicAccessBlock"/"s3:PutBucketPublicAccessBlock",
// DeleteBucketOwnershipControls "s3:PutBucketOwnershipControls",
// DeleteBucketTagging "s3:PutBucketTagging", and the S3
// Control account Public Access Block "s3:GetAccountPublicAccessBlock" /
// "s3:PutAccountPublicAccessBlock" (Delete included).
//
// # What is copied from AWS
//
// The AWS behaviours the emulator copies, which the plugin relies on: default event
// selectors, advanced/classic replacement, shadow trails, ARN access from any
// region, KmsKeyId as ARN, GetTrailStatus fields only when set, MFADelete only
// once configured, NoSuchBucketPolicy, AWS's definition of a public policy,
// NoSuchPublicAccessBlockConfiguration, NoSuchTagSet for a bucket without
// tags (PutBucketTagging with S3's tag limits), GetBucketLocation empty for
// us-east-1, DescribeRegions enabled-only, LookupEvents limits (50 a page,
// one attribute, 2 requests/second per account and region, 90 days). State
// only AWS sets goes through the control endpoint (see control.go and
// package emuclient). Also copied: the 5-trails-per-region quota (a
// multi-region trail counts in every region; Options.MaxTrailsPerRegion),
// trail name rules, InvalidHomeRegionException for writes outside the home
// region, bucket names global across accounts (BucketAlreadyExists), the
// LocationConstraint rules of CreateBucket, Block Public Access refusing new
// public ACLs and policies, BucketOwnerEnforced refusing ACLs, SNS and KMS
// refusing ARNs of another region, 15 minutes of allowed clock skew.
//
// Not copied: bucket policies are not checked when a trail is created
// (InsufficientS3BucketPolicyException never happens), nor is the
// CloudWatch Logs role (it must be a role ARN, but need not exist or trust
// CloudTrail), IAM policies are not evaluated (every registered key may do everything in its account; use
// faults to deny), read-only calls are not recorded as CloudTrail events.
//
// # S3 objects and log delivery
//
// Buckets store objects: GetObject, HeadObject, PutObject (with
// x-amz-meta-* metadata), DeleteObject, ListObjects (marker) and
// ListObjectsV2 (prefix, start-after, continuation-token, delimiter,
// max-keys), so tests tamper with delivered logs through ordinary S3
// calls. A logging trail delivers gzipped log files of the events it
// recorded and, with log file validation on, hourly digest files signed
// with the emulator's rotating RSA key (ListPublicKeys), in AWS's key
// layout and digest format, on a delivery clock that stands still until
// advanced (AdvanceClock, SetClock, control "clock"); see delivery.go.
package awsemu
