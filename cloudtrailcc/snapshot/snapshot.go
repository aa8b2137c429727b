// Package snapshot holds the typed AWS facts of one account that the rules
// evaluate: trails with their status and selectors, the buckets, topics and
// keys they use, configuration-change events and the enabled regions, each
// beside the error met reading it. It performs no I/O; the inventory package
// fills it and the rules package reads it.
package snapshot

import (
	"encoding/json"
	"fmt"
	"time"
)

// Need is a set of fact kinds to read; rules declare the facts they need so a
// query that asks for one rule reads only what that rule uses.
type Need uint32

// The fact kinds. Identity (GetCallerIdentity) is always read.
const (
	// NeedRegions: ec2:DescribeRegions (enabled regions).
	NeedRegions Need = 1 << iota
	// NeedTrails: cloudtrail:DescribeTrails in every enabled region (implies NeedRegions).
	NeedTrails
	// NeedTrailStatus: cloudtrail:GetTrailStatus per trail (implies NeedTrails).
	NeedTrailStatus
	// NeedEventSelectors: cloudtrail:GetEventSelectors per trail (implies NeedTrails).
	NeedEventSelectors
	// NeedInsightSelectors: cloudtrail:GetInsightSelectors per trail with HasInsightSelectors (implies NeedTrails).
	NeedInsightSelectors
	// NeedTrailTags: cloudtrail:ListTags per home region (implies NeedTrails).
	NeedTrailTags
	// NeedBucketLogging: s3:GetBucketLogging per trail bucket (implies NeedTrails; with ListBuckets and GetBucketLocation).
	NeedBucketLogging
	// NeedBucketVersioning: s3:GetBucketVersioning per trail bucket.
	NeedBucketVersioning
	// NeedBucketPublic: GetBucketAcl, GetBucketPolicyStatus, GetBucketPublicAccessBlock,
	// GetBucketOwnershipControls per bucket and s3:GetAccountPublicAccessBlock once.
	NeedBucketPublic
	// NeedTopics: sns:GetTopicAttributes per distinct trail topic.
	NeedTopics
	// NeedKeys: kms:DescribeKey per distinct trail KMS key.
	NeedKeys
	// NeedConfigChanges: cloudtrail:LookupEvents per enabled region (implies NeedRegions).
	NeedConfigChanges
	// NeedBucketOwner: s3:ListAllMyBuckets and s3:GetBucketLocation alone: which
	// account owns each trail bucket, and its region (implies NeedTrails).
	NeedBucketOwner
	// NeedBucketTags: s3:GetBucketTagging per trail bucket (no rule reads
	// it: only the tags columns ask for it).
	NeedBucketTags
)

// NeedAll asks for every fact.
const NeedAll = NeedRegions | NeedTrails | NeedTrailStatus | NeedEventSelectors |
	NeedInsightSelectors | NeedTrailTags | NeedBucketLogging | NeedBucketVersioning |
	NeedBucketPublic | NeedTopics | NeedKeys | NeedConfigChanges | NeedBucketOwner | NeedBucketTags

// Has reports whether every kind in o is in n.
func (n Need) Has(o Need) bool { return n&o == o }

// WithDependencies adds the fact kinds the asked ones are read through:
// every per-trail, bucket, topic and key fact needs the trails, and the
// trails and the configuration changes need the enabled regions.
func (n Need) WithDependencies() Need {
	perTrail := NeedTrailStatus | NeedEventSelectors | NeedInsightSelectors |
		NeedTrailTags | NeedBucketLogging | NeedBucketVersioning |
		NeedBucketPublic | NeedBucketTags | NeedTopics | NeedKeys | NeedBucketOwner
	if n&perTrail != 0 {
		n |= NeedTrails
	}
	if n&(NeedTrails|NeedConfigChanges) != 0 {
		n |= NeedRegions
	}
	return n
}

// NeedsBucket reports whether n asks for any per-bucket fact (its owner
// and region included).
func (n Need) NeedsBucket() bool {
	return n&(NeedBucketLogging|NeedBucketVersioning|NeedBucketPublic|NeedBucketOwner|NeedBucketTags) != 0
}

// Account is everything read about one AWS account (one connection).
type Account struct {
	// AccountID is the caller's account (sts:GetCallerIdentity).
	AccountID string `json:"account_id"`
	// Partition is the caller's partition, e.g. "aws", from the caller ARN.
	Partition string `json:"partition"`
	// CallerARN is the caller identity ARN.
	CallerARN string `json:"caller_arn"`
	// ReadAt is when the collection started.
	ReadAt time.Time `json:"read_at"`

	// Regions are the enabled regions evaluated (DescribeRegions narrowed by
	// the configured regions), sorted.
	Regions []string `json:"regions"`
	// RegionsErr is set when DescribeRegions failed and the configured
	// regions have wildcards; Regions then holds the configured exact regions
	// (or the SDK's default region) only, and trails homed in the others are
	// not listed. When every configured region is named exactly, a failed
	// DescribeRegions leaves Regions as configured and RegionsErr nil.
	RegionsErr *ReadError `json:"regions_error,omitempty"`

	// Trails holds each trail once (distinct by ARN), as seen in its home
	// region, sorted by ARN. Trails homed in regions that are not evaluated but
	// shadowed into evaluated ones (multi-region) are included.
	Trails []*Trail `json:"trails"`
	// TrailListErrors maps a region to the DescribeTrails error met there.
	TrailListErrors map[string]*ReadError `json:"trail_list_errors,omitempty"`

	// Buckets maps a bucket name (each distinct S3 bucket named by a trail) to its facts.
	Buckets map[string]*Bucket `json:"buckets,omitempty"`
	// OwnBucketsErr is set when s3:ListBuckets failed (ownership then unknown).
	OwnBucketsErr *ReadError `json:"own_buckets_error,omitempty"`
	// OwnedBucketNames are ListBuckets' names, kept only during an
	// organization audit (to find the owner of another account's trail
	// bucket) and dropped once it is resolved.
	OwnedBucketNames []string `json:"owned_bucket_names,omitempty"`
	// AccountPublicAccessBlock is the account-level S3 Public Access Block; nil with
	// AccountPublicAccessBlockErr nil means "none configured".
	AccountPublicAccessBlock *PublicAccessBlock `json:"account_public_access_block,omitempty"`
	// AccountPublicAccessBlockErr is set when s3control:GetPublicAccessBlock failed.
	AccountPublicAccessBlockErr *ReadError `json:"account_public_access_block_error,omitempty"`

	// Topics maps an SNS topic ARN (each distinct trail topic) to its facts.
	Topics map[string]*Topic `json:"topics,omitempty"`
	// Keys maps a KMS key ARN (each distinct trail key) to its facts.
	Keys map[string]*Key `json:"keys,omitempty"`

	// ConfigChanges are the CloudTrail configuration-change events found in
	// the lookback window, in every evaluated region, newest first.
	ConfigChanges []*ConfigChangeEvent `json:"config_changes,omitempty"`
	// ConfigChangeErrors maps a region to the LookupEvents error met there.
	ConfigChangeErrors map[string]*ReadError `json:"config_change_errors,omitempty"`
	// ConfigChangeWindowStart and ConfigChangeWindowEnd bound the lookback window.
	ConfigChangeWindowStart time.Time `json:"config_change_window_start,omitzero"`
	ConfigChangeWindowEnd   time.Time `json:"config_change_window_end,omitzero"`
	// ConfigChangeEventNames is the list of event names that count as changes.
	ConfigChangeEventNames []string `json:"config_change_event_names,omitempty"`

	// Loaded records which fact kinds were read into this snapshot.
	Loaded Need `json:"loaded"`
}

// Trail is one CloudTrail trail (DescribeTrails) with the per-trail facts.
type Trail struct {
	ARN                        string `json:"trail_arn"`
	Name                       string `json:"name"`
	HomeRegion                 string `json:"home_region"`
	OwnerAccountID             string `json:"owner_account_id"` // from the ARN
	S3BucketName               string `json:"s3_bucket_name,omitempty"`
	S3KeyPrefix                string `json:"s3_key_prefix,omitempty"`
	SnsTopicARN                string `json:"sns_topic_arn,omitempty"`
	IncludeGlobalServiceEvents bool   `json:"include_global_service_events"`
	IsMultiRegionTrail         bool   `json:"is_multi_region_trail"`
	IsOrganizationTrail        bool   `json:"is_organization_trail"`
	LogFileValidationEnabled   bool   `json:"log_file_validation_enabled"`
	CloudWatchLogsLogGroupARN  string `json:"cloud_watch_logs_log_group_arn,omitempty"`
	CloudWatchLogsRoleARN      string `json:"cloud_watch_logs_role_arn,omitempty"`
	KmsKeyID                   string `json:"kms_key_id,omitempty"`
	HasCustomEventSelectors    bool   `json:"has_custom_event_selectors"`
	HasInsightSelectors        bool   `json:"has_insight_selectors"`

	// Status is GetTrailStatus; nil when not read or failed (StatusErr).
	Status    *TrailStatus `json:"status,omitempty"`
	StatusErr *ReadError   `json:"status_error,omitempty"`
	// Selectors is GetEventSelectors; nil when not read or failed (SelectorsErr).
	Selectors    *EventSelectors `json:"event_selectors,omitempty"`
	SelectorsErr *ReadError      `json:"event_selectors_error,omitempty"`
	// InsightTypes lists GetInsightSelectors' InsightType values.
	InsightTypes []string   `json:"insight_types,omitempty"`
	InsightErr   *ReadError `json:"insight_selectors_error,omitempty"`
	// Tags are ListTags' tags.
	Tags    map[string]string `json:"tags,omitempty"`
	TagsErr *ReadError        `json:"tags_error,omitempty"`
}

// IsOwnedBy reports whether the trail belongs to accountID.
func (t *Trail) IsOwnedBy(accountID string) bool { return t.OwnerAccountID == accountID }

// ReceivesGlobalEvents reports whether AWS delivers IAM, STS and CloudFront
// events to the trail: since 2021-11-22 only to trails with
// IncludeGlobalServiceEvents that are multi-region or homed in us-east-1.
func (t *Trail) ReceivesGlobalEvents() bool {
	return t.IncludeGlobalServiceEvents && (t.IsMultiRegionTrail || t.HomeRegion == "us-east-1")
}

// TrailStatus is GetTrailStatus' answer.
type TrailStatus struct {
	IsLogging                         bool       `json:"is_logging"`
	LatestDeliveryTime                *time.Time `json:"latest_delivery_time,omitempty"`
	LatestDeliveryError               string     `json:"latest_delivery_error,omitempty"`
	LatestNotificationTime            *time.Time `json:"latest_notification_time,omitempty"`
	LatestNotificationError           string     `json:"latest_notification_error,omitempty"`
	LatestCloudWatchLogsDeliveryTime  *time.Time `json:"latest_cloud_watch_logs_delivery_time,omitempty"`
	LatestCloudWatchLogsDeliveryError string     `json:"latest_cloud_watch_logs_delivery_error,omitempty"`
	LatestDigestDeliveryTime          *time.Time `json:"latest_digest_delivery_time,omitempty"`
	LatestDigestDeliveryError         string     `json:"latest_digest_delivery_error,omitempty"`
	StartLoggingTime                  *time.Time `json:"start_logging_time,omitempty"`
	StopLoggingTime                   *time.Time `json:"stop_logging_time,omitempty"`
}

// EventSelectors is GetEventSelectors' answer: classic or advanced selectors.
type EventSelectors struct {
	Classic  []ClassicSelector  `json:"event_selectors,omitempty"`
	Advanced []AdvancedSelector `json:"advanced_event_selectors,omitempty"`
	// Raw is the response body fields as returned, for evidence.
	Raw json.RawMessage `json:"raw,omitempty"`
}

// ClassicSelector is one classic EventSelector.
type ClassicSelector struct {
	ReadWriteType                 string         `json:"ReadWriteType"`
	IncludeManagementEvents       bool           `json:"IncludeManagementEvents"`
	DataResources                 []DataResource `json:"DataResources"`
	ExcludeManagementEventSources []string       `json:"ExcludeManagementEventSources"`
}

// DataResource is a classic selector's data resource (type and ARN prefixes).
type DataResource struct {
	Type   string   `json:"Type"`
	Values []string `json:"Values"`
}

// AdvancedSelector is one AdvancedEventSelector.
type AdvancedSelector struct {
	Name           string          `json:"Name,omitempty"`
	FieldSelectors []FieldSelector `json:"FieldSelectors"`
}

// FieldSelector is one condition of an advanced selector.
type FieldSelector struct {
	Field         string   `json:"Field"`
	Equals        []string `json:"Equals,omitempty"`
	NotEquals     []string `json:"NotEquals,omitempty"`
	StartsWith    []string `json:"StartsWith,omitempty"`
	NotStartsWith []string `json:"NotStartsWith,omitempty"`
	EndsWith      []string `json:"EndsWith,omitempty"`
	NotEndsWith   []string `json:"NotEndsWith,omitempty"`
}

// Bucket is one S3 bucket that a trail delivers to.
type Bucket struct {
	Name string `json:"name"`
	// Owned is true when ListBuckets lists it (our account owns it). When
	// OwnBucketsErr is set, Owned is false and OwnedKnown false.
	Owned      bool `json:"owned"`
	OwnedKnown bool `json:"owned_known"`
	// NotFound is true when S3 answered NoSuchBucket.
	NotFound bool `json:"not_found"`
	// Region is the bucket's region (GetBucketLocation: empty = us-east-1, EU = eu-west-1).
	Region    string     `json:"region,omitempty"`
	RegionErr *ReadError `json:"region_error,omitempty"`
	// OwnerID is the canonical owner id from the ACL, when read.
	OwnerID string `json:"owner_id,omitempty"`

	// Logging is GetBucketLogging; nil when not read or failed.
	Logging    *BucketLogging `json:"logging,omitempty"`
	LoggingErr *ReadError     `json:"logging_error,omitempty"`
	// Versioning is GetBucketVersioning; nil when not read or failed.
	Versioning    *BucketVersioning `json:"versioning,omitempty"`
	VersioningErr *ReadError        `json:"versioning_error,omitempty"`
	// ACL is GetBucketAcl; nil when not read or failed.
	ACL    *BucketACL `json:"acl,omitempty"`
	ACLErr *ReadError `json:"acl_error,omitempty"`
	// Policy is GetBucketPolicyStatus (Exists false for NoSuchBucketPolicy).
	Policy    *BucketPolicyStatus `json:"policy_status,omitempty"`
	PolicyErr *ReadError          `json:"policy_status_error,omitempty"`
	// PublicAccessBlock is the bucket-level PAB; nil with PublicAccessBlockRead
	// true means none configured.
	PublicAccessBlock     *PublicAccessBlock `json:"public_access_block,omitempty"`
	PublicAccessBlockRead bool               `json:"public_access_block_read"`
	PublicAccessBlockErr  *ReadError         `json:"public_access_block_error,omitempty"`
	// ObjectOwnership is GetBucketOwnershipControls' rule ("" with
	// OwnershipRead true = none configured).
	ObjectOwnership string     `json:"object_ownership,omitempty"`
	OwnershipRead   bool       `json:"ownership_read"`
	OwnershipErr    *ReadError `json:"ownership_error,omitempty"`
	// Tags are GetBucketTagging's TagSet as a map (empty when S3 answered
	// NoSuchTagSet, kept empty through a copy); nil when not read or failed.
	Tags    map[string]string `json:"tags,omitzero"`
	TagsErr *ReadError        `json:"tags_error,omitempty"`
}

// BucketLogging is GetBucketLogging's LoggingEnabled (TargetBucket empty = off).
type BucketLogging struct {
	TargetBucket string `json:"target_bucket,omitempty"`
	TargetPrefix string `json:"target_prefix,omitempty"`
}

// BucketVersioning is GetBucketVersioning: Status "", "Enabled" or
// "Suspended"; MFADelete "", "Enabled" or "Disabled" ("" = never configured).
type BucketVersioning struct {
	Status    string `json:"status,omitempty"`
	MFADelete string `json:"mfa_delete,omitempty"`
}

// BucketACL is GetBucketAcl's owner and grants.
type BucketACL struct {
	OwnerID string  `json:"owner_id,omitempty"`
	Grants  []Grant `json:"grants"`
}

// Grant is one ACL grant. Type is CanonicalUser, Group or
// AmazonCustomerByEmail; URI is set for groups.
type Grant struct {
	Type        string `json:"type"`
	ID          string `json:"id,omitempty"`
	URI         string `json:"uri,omitempty"`
	DisplayName string `json:"display_name,omitempty"`
	Email       string `json:"email,omitempty"`
	Permission  string `json:"permission"`
}

// The ACL group URIs that make a bucket public.
const (
	AllUsersURI           = "http://acs.amazonaws.com/groups/global/AllUsers"
	AuthenticatedUsersURI = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
)

// BucketPolicyStatus is GetBucketPolicyStatus; Exists is false when S3
// answered NoSuchBucketPolicy.
type BucketPolicyStatus struct {
	Exists   bool `json:"exists"`
	IsPublic bool `json:"is_public"`
}

// PublicAccessBlock is an S3 Public Access Block configuration.
type PublicAccessBlock struct {
	BlockPublicAcls       bool `json:"block_public_acls"`
	IgnorePublicAcls      bool `json:"ignore_public_acls"`
	BlockPublicPolicy     bool `json:"block_public_policy"`
	RestrictPublicBuckets bool `json:"restrict_public_buckets"`
}

// Topic is one SNS topic named by a trail.
type Topic struct {
	ARN       string `json:"arn"`
	Region    string `json:"region"`
	AccountID string `json:"account_id"`
	// Exists is true when GetTopicAttributes succeeded.
	Exists bool `json:"exists"`
	// Err is the GetTopicAttributes error (Class not_found = topic missing).
	Err *ReadError `json:"error,omitempty"`
}

// Key is one KMS key named by a trail.
type Key struct {
	// ID is the trail's KmsKeyId as returned (a key ARN).
	ID        string `json:"id"`
	Region    string `json:"region,omitempty"`
	AccountID string `json:"account_id,omitempty"`
	// State is DescribeKey's KeyState (Enabled, Disabled, PendingDeletion, ...).
	State   string     `json:"state,omitempty"`
	Enabled bool       `json:"enabled"`
	Err     *ReadError `json:"error,omitempty"`
}

// ConfigChangeEvent is one CloudTrail configuration-change event (LookupEvents).
type ConfigChangeEvent struct {
	EventID           string          `json:"event_id"`
	EventName         string          `json:"event_name"`
	EventTime         time.Time       `json:"event_time"`
	Region            string          `json:"region"`
	EventSource       string          `json:"event_source"`
	UserIdentityType  string          `json:"user_identity_type,omitempty"`
	UserIdentityARN   string          `json:"user_identity_arn,omitempty"`
	UserName          string          `json:"user_name,omitempty"`
	AccessKeyID       string          `json:"access_key_id,omitempty"`
	SourceIPAddress   string          `json:"source_ip_address,omitempty"`
	UserAgent         string          `json:"user_agent,omitempty"`
	RequestParameters json.RawMessage `json:"request_parameters,omitempty"`
	ErrorCode         string          `json:"error_code,omitempty"`
	ErrorMessage      string          `json:"error_message,omitempty"`
	// Trail is the trail name or ARN from the request (name, trailName or
	// resourceId), when there is one.
	Trail string `json:"trail,omitempty"`
}

// DefaultConfigChangeEventNames are the CloudTrail API calls that count as
// configuration changes by default.
var DefaultConfigChangeEventNames = []string{
	"AddTags", "RemoveTags", "CreateTrail", "UpdateTrail", "DeleteTrail",
	"StartLogging", "StopLogging", "PutEventSelectors", "PutInsightSelectors",
	"CreateEventDataStore", "UpdateEventDataStore", "DeleteEventDataStore",
	"StopEventDataStoreIngestion",
}

// NeedTrailDetails are the facts read for each trail a snapshot lists (or
// named by them): a snapshot that lists its trails can gain them without
// listing again.
const NeedTrailDetails = NeedTrailStatus | NeedEventSelectors | NeedInsightSelectors | NeedTrailTags | NeedTopics | NeedKeys

// Clone returns a deep copy of a, sharing nothing with it.
func (a *Account) Clone() (*Account, error) {
	b, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("copying the account snapshot: %w", err)
	}
	var out Account
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("copying the account snapshot: %w", err)
	}
	return &out, nil
}
