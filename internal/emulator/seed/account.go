package seed

// Account describes what a scenario created, so tests can assert on the
// resources the rules report.
type Account struct {
	// Kind is the scenario: "clean", "bad", "demo", "workload" or a builder's own.
	Kind string
	// AccountID and Partition are the seeded account's (sts:GetCallerIdentity).
	AccountID, Partition string
	// Region is the scenario's home region.
	Region string
	// Trails are the trails created (or, for organization trails, registered), in creation order.
	Trails []*Trail
	// Buckets are the S3 buckets created or registered (trail buckets and log buckets).
	Buckets []*Bucket
	// Topics are the SNS topic ARNs that exist; DeletedTopics those deleted after a trail named them.
	Topics, DeletedTopics []string
	// Keys are the KMS key ARNs created or registered.
	Keys []string
	// LogGroups are the CloudWatch Logs log group ARNs created.
	LogGroups []string
	// Uncontrolled lists the states that only the emulator's control endpoint
	// can set and that were left as they are because Target.Control is nil
	// (e.g. "mfa_delete", "trail_status"); empty on the emulator.
	Uncontrolled []string
}

// Trail is one trail of a scenario.
type Trail struct {
	// Role is the trail's part in the scenario, e.g. "main", "regional".
	Role string
	// Name and ARN identify the trail; HomeRegion is where it was created.
	Name, ARN, HomeRegion string
	// OwnerAccountID is the account owning the trail (another one for organization trails).
	OwnerAccountID string
	// Bucket, TopicARN, KeyARN and LogGroupARN are what the trail names ("" = none).
	Bucket, TopicARN, KeyARN, LogGroupARN string
	// MultiRegion, GlobalEvents, Validation and Logging are the settings applied.
	MultiRegion, GlobalEvents, Validation, Logging bool
	// Organization is true for an organization trail (created by the
	// management account or registered through the control endpoint).
	Organization bool
	// Tags are the tags the trail was created with (nil = none).
	Tags map[string]string
}

// Bucket is one S3 bucket of a scenario.
type Bucket struct {
	// Role is the bucket's part in the scenario, e.g. "trail", "logs".
	Role string
	// Name and Region locate the bucket.
	Name, Region string
	// OwnerAccountID is the owning account (another one for foreign buckets).
	OwnerAccountID string
	// LogTarget is the bucket receiving this bucket's access logs ("" = none).
	LogTarget string
	// Versioning is the versioning status applied ("", "Enabled", "Suspended").
	Versioning string
	// MFADelete is true when MFA Delete was enabled (control endpoint).
	MFADelete bool
	// Public names how the bucket was made public ("" = private): "acl", "policy".
	Public string
	// PublicAccessBlock is true when the bucket's Public Access Block was set to all true.
	PublicAccessBlock bool
	// Tags are the bucket's tags (nil = none: GetBucketTagging answers NoSuchTagSet).
	Tags map[string]string
}

// Trail returns the trail with role, or nil.
func (a *Account) Trail(role string) *Trail {
	for _, t := range a.Trails {
		if t.Role == role {
			return t
		}
	}
	return nil
}

// Bucket returns the bucket with role, or nil.
func (a *Account) Bucket(role string) *Bucket {
	for _, b := range a.Buckets {
		if b.Role == role {
			return b
		}
	}
	return nil
}

// TrailBuckets returns the distinct bucket names the trails deliver to, in trail order.
func (a *Account) TrailBuckets() []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range a.Trails {
		if t.Bucket != "" && !seen[t.Bucket] {
			seen[t.Bucket] = true
			out = append(out, t.Bucket)
		}
	}
	return out
}

// ARN is the account-level resource id findings use: arn:PARTITION:::ACCOUNT.
func (a *Account) ARN() string { return "arn:" + a.Partition + ":::" + a.AccountID }

// RegionARN is a region-level resource id: arn:PARTITION::REGION:ACCOUNT.
func (a *Account) RegionARN(region string) string {
	return "arn:" + a.Partition + "::" + region + ":" + a.AccountID
}

// BucketARN is a bucket's resource id: arn:PARTITION:s3:::BUCKET.
func (a *Account) BucketARN(bucket string) string { return "arn:" + a.Partition + ":s3:::" + bucket }
