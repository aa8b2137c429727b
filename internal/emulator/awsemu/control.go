package awsemu

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// The control endpoint sets up state that only AWS itself can set (delivery
// times and errors, MFA Delete, other accounts' resources) and drives the
// request log, faults and latency. It is plain JSON over HTTP under
// /_emulator/ on the same port, unsigned, and exists only in the emulator.
//
//	POST   /_emulator/accounts            {"access_key_id","secret_access_key","account_id"}
//	GET    /_emulator/calls               -> [Call]
//	POST   /_emulator/calls/reset
//	GET    /_emulator/faults              -> [Fault]
//	POST   /_emulator/faults              Fault (latency in ns as "latency" or ms as "latency_ms")
//	DELETE /_emulator/faults
//	POST   /_emulator/latency             {"latency_ms": N}
//	POST   /_emulator/lookup-events-rate  {"rate": N}  (requests/s; negative = unlimited)
//	POST   /_emulator/trail-status        TrailStatus
//	POST   /_emulator/bucket-mfa-delete   {"account_id","bucket","mfa_delete":"Enabled|Disabled"}
//	POST   /_emulator/foreign-bucket      {"bucket","owner_account_id","region"}
//	POST   /_emulator/organization-trail  OrganizationTrail -> {"trail_arn"}
//	POST   /_emulator/organization        Organization
//	POST   /_emulator/roles               Role
//	POST   /_emulator/foreign-topic       {"topic_arn"}
//	POST   /_emulator/foreign-key         {"key_arn"}
//	POST   /_emulator/events              EventInput
//	POST   /_emulator/events/backdate     {"account_id","age_seconds"}
//	GET    /_emulator/clock               -> {"now"} (the log delivery clock, RFC 3339)
//	POST   /_emulator/clock               {"now"} (forward: delivers the hours passed)
//	POST   /_emulator/clock/advance       {"seconds": N} (delivers the hours passed)
//	GET    /_emulator/health              -> {"ok":true}
const controlPrefix = "/_emulator/"

// TrailStatus sets the GetTrailStatus fields only AWS sets. Times are
// RFC 3339; a nil field is left unchanged, "" clears it.
type TrailStatus struct {
	AccountID                         string  `json:"account_id,omitempty"`
	TrailARN                          string  `json:"trail_arn"`
	LatestDeliveryTime                *string `json:"latest_delivery_time,omitempty"`
	LatestDeliveryError               *string `json:"latest_delivery_error,omitempty"`
	LatestNotificationTime            *string `json:"latest_notification_time,omitempty"`
	LatestNotificationError           *string `json:"latest_notification_error,omitempty"`
	LatestCloudWatchLogsDeliveryTime  *string `json:"latest_cloud_watch_logs_delivery_time,omitempty"`
	LatestCloudWatchLogsDeliveryError *string `json:"latest_cloud_watch_logs_delivery_error,omitempty"`
	LatestDigestDeliveryTime          *string `json:"latest_digest_delivery_time,omitempty"`
	LatestDigestDeliveryError         *string `json:"latest_digest_delivery_error,omitempty"`
}

// Str returns a pointer to s, for TrailStatus fields.
func Str(s string) *string { return &s }

// TimeStr formats t for TrailStatus fields.
func TimeStr(t time.Time) *string { return Str(t.UTC().Format(time.RFC3339Nano)) }

// OrganizationTrail describes an organization trail owned by another
// (management) account and visible to member accounts.
type OrganizationTrail struct {
	OwnerAccountID             string   `json:"owner_account_id"`
	MemberAccountIDs           []string `json:"member_account_ids"`
	Name                       string   `json:"name"`
	HomeRegion                 string   `json:"home_region"`
	S3BucketName               string   `json:"s3_bucket_name"`
	IsMultiRegionTrail         bool     `json:"is_multi_region_trail"`
	IncludeGlobalServiceEvents bool     `json:"include_global_service_events"`
	IsLogging                  bool     `json:"is_logging"`
	// MemberCanReadStatus lets members call GetTrailStatus and
	// GetEventSelectors with the trail ARN; otherwise they get
	// TrailNotFoundException.
	MemberCanReadStatus bool `json:"member_can_read_status"`
	// S3KeyPrefix and LogFileValidationEnabled are the trail's settings of
	// those names: logs and digests go under the prefix; digests only with
	// validation enabled.
	S3KeyPrefix              string `json:"s3_key_prefix,omitempty"`
	LogFileValidationEnabled bool   `json:"log_file_validation_enabled,omitempty"`
}

// SetTrailStatus sets delivery times and errors of a trail.
func (s *Server) SetTrailStatus(ts TrailStatus) error {
	var err error
	s.st.lock(func() {
		t := s.st.trails[ts.TrailARN]
		if t == nil {
			err = fmt.Errorf("awsemu: no trail %s", ts.TrailARN)
			return
		}
		d := t.Delivery
		for _, f := range []struct {
			in  *string
			dst *time.Time
		}{
			{ts.LatestDeliveryTime, &d.LatestDeliveryTime},
			{ts.LatestNotificationTime, &d.LatestNotificationTime},
			{ts.LatestCloudWatchLogsDeliveryTime, &d.LatestCloudWatchLogsDeliveryTime},
			{ts.LatestDigestDeliveryTime, &d.LatestDigestDeliveryTime},
		} {
			if f.in == nil {
				continue
			}
			if *f.in == "" {
				*f.dst = time.Time{}
				continue
			}
			tm, perr := time.Parse(time.RFC3339Nano, *f.in)
			if perr != nil {
				err = fmt.Errorf("awsemu: trail status time %q: %w", *f.in, perr)
				return
			}
			*f.dst = tm.UTC()
		}
		for _, f := range []struct {
			in  *string
			dst *string
		}{
			{ts.LatestDeliveryError, &d.LatestDeliveryError},
			{ts.LatestNotificationError, &d.LatestNotificationError},
			{ts.LatestCloudWatchLogsDeliveryError, &d.LatestCloudWatchLogsDeliveryError},
			{ts.LatestDigestDeliveryError, &d.LatestDigestDeliveryError},
		} {
			if f.in != nil {
				*f.dst = *f.in
			}
		}
		t.Delivery = d
	})
	return err
}

// SetBucketMFADelete sets a bucket's MFA Delete status directly (on AWS only
// the root user with MFA can). mfaDelete is "Enabled" or "Disabled".
func (s *Server) SetBucketMFADelete(accountID, bucketName, mfaDelete string) error {
	if mfaDelete != "Enabled" && mfaDelete != "Disabled" {
		return fmt.Errorf("awsemu: mfa_delete must be Enabled or Disabled, got %q", mfaDelete)
	}
	var err error
	s.st.lock(func() {
		b := s.st.buckets[bucketName]
		if b == nil || (accountID != "" && b.Owner != accountID) {
			err = fmt.Errorf("awsemu: account %s has no bucket %s", accountID, bucketName)
			return
		}
		b.MFADelete = mfaDelete
	})
	return err
}

// AddForeignBucket creates a bucket owned by another account: it is not in
// the caller's ListBuckets and reads of it answer AccessDenied, but trails
// may deliver to it.
func (s *Server) AddForeignBucket(bucketName, ownerAccountID, region string) error {
	if bucketName == "" || ownerAccountID == "" {
		return errors.New("awsemu: foreign bucket needs bucket and owner_account_id")
	}
	if region == "" {
		region = "us-east-1"
	}
	var err error
	s.st.lock(func() {
		if s.st.buckets[bucketName] != nil {
			err = fmt.Errorf("awsemu: bucket %s exists", bucketName)
			return
		}
		s.st.putBucket(&bucket{Name: bucketName, Owner: ownerAccountID, Region: region, Created: time.Now().UTC(),
			Grants: []grant{ownerGrant(ownerAccountID)}})
	})
	return err
}

// AddOrganizationTrail creates an organization trail and returns its ARN.
func (s *Server) AddOrganizationTrail(o OrganizationTrail) (string, error) {
	if o.OwnerAccountID == "" || o.Name == "" || o.HomeRegion == "" {
		return "", errors.New("awsemu: organization trail needs owner_account_id, name and home_region")
	}
	if !validTrailName(o.Name) {
		return "", fmt.Errorf("awsemu: invalid trail name %q", o.Name)
	}
	arn := trailARN(o.HomeRegion, o.OwnerAccountID, o.Name)
	t := &trail{
		Name: o.Name, Account: o.OwnerAccountID, HomeRegion: o.HomeRegion, ARN: arn,
		S3BucketName: o.S3BucketName, S3KeyPrefix: o.S3KeyPrefix, LogFile: o.LogFileValidationEnabled, IncludeGlobal: o.IncludeGlobalServiceEvents, MultiRegion: o.IsMultiRegionTrail,
		Org: true, OrgMembers: map[string]bool{}, MemberCanReadStatus: o.MemberCanReadStatus, Logging: o.IsLogging,
	}
	if o.IsLogging {
		t.StartLoggingAt = time.Now().UTC()
	}
	for _, m := range o.MemberAccountIDs {
		t.OrgMembers[m] = true
	}
	s.st.lock(func() {
		if o.IsLogging {
			t.Logs.start(s.st.clock.now())
		}
		s.st.putTrail(t)
	})
	return arn, nil
}

// AddForeignTopic registers a topic of another account: trails may name it,
// GetTopicAttributes from other accounts answers AuthorizationError.
func (s *Server) AddForeignTopic(topicARN string) error {
	a, ok := parseARN(topicARN)
	if !ok || a.Service != "sns" || !topicNameRE.MatchString(a.Resource) {
		return fmt.Errorf("awsemu: invalid topic ARN %q", topicARN)
	}
	s.st.lock(func() {
		s.st.topics[topicARN] = &topic{ARN: topicARN, Account: a.Account, Region: a.Region, Name: a.Resource}
	})
	return nil
}

// AddForeignKey registers a KMS key of another account: trails may use it,
// DescribeKey from other accounts answers AccessDeniedException.
func (s *Server) AddForeignKey(keyARN string) error {
	a, ok := parseARN(keyARN)
	id, isKey := strings.CutPrefix(a.Resource, "key/")
	if !ok || a.Service != "kms" || !isKey || id == "" {
		return fmt.Errorf("awsemu: invalid key ARN %q", keyARN)
	}
	s.st.lock(func() {
		s.st.keys[keyARN] = &kmsKey{ARN: keyARN, ID: id, Account: a.Account, Region: a.Region, State: "Enabled", Created: time.Now().UTC()}
	})
	return nil
}

// serveControl serves /_emulator/.
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	route := r.Method + " " + strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, controlPrefix), "/")
	var err error
	var out any = map[string]bool{"ok": true}
	switch route {
	case "GET health":
	case "GET clock":
		out = map[string]string{"now": s.Clock().Format(time.RFC3339)}
	case "POST clock":
		var in struct {
			Now time.Time `json:"now"`
		}
		if err = decodeControl(r, &in); err == nil {
			if in.Now.IsZero() {
				err = errors.New("need now (RFC 3339)")
			} else {
				err = s.SetClock(in.Now)
			}
		}
		out = map[string]string{"now": s.Clock().Format(time.RFC3339)}
	case "POST clock/advance":
		var in struct {
			Seconds float64 `json:"seconds"`
		}
		if err = decodeControl(r, &in); err == nil {
			if in.Seconds <= 0 {
				err = errors.New("need a positive seconds")
			} else {
				err = s.AdvanceClock(time.Duration(in.Seconds * float64(time.Second)))
			}
		}
		out = map[string]string{"now": s.Clock().Format(time.RFC3339)}
	case "POST accounts":
		var in struct {
			AccessKeyID     string `json:"access_key_id"`
			SecretAccessKey string `json:"secret_access_key"`
			AccountID       string `json:"account_id"`
		}
		if err = decodeControl(r, &in); err == nil {
			if in.AccessKeyID == "" || in.SecretAccessKey == "" || len(in.AccountID) != 12 {
				err = errors.New("need access_key_id, secret_access_key and a 12-digit account_id")
			} else {
				s.AddAccount(in.AccessKeyID, in.SecretAccessKey, in.AccountID)
			}
		}
	case "GET calls":
		out = s.Calls()
	case "POST calls/reset":
		s.ResetCalls()
	case "GET faults":
		out = s.Faults()
	case "POST faults":
		var in struct {
			Fault
			LatencyMS int `json:"latency_ms"`
		}
		if err = decodeControl(r, &in); err == nil {
			if in.LatencyMS > 0 {
				in.Latency = time.Duration(in.LatencyMS) * time.Millisecond
			}
			s.AddFault(in.Fault)
		}
	case "DELETE faults":
		s.ClearFaults()
	case "POST latency":
		var in struct {
			LatencyMS int `json:"latency_ms"`
		}
		if err = decodeControl(r, &in); err == nil {
			s.SetLatency(time.Duration(in.LatencyMS) * time.Millisecond)
		}
	case "POST lookup-events-rate":
		var in struct {
			Rate float64 `json:"rate"`
		}
		if err = decodeControl(r, &in); err == nil {
			s.SetLookupEventsRate(in.Rate)
		}
	case "POST trail-status":
		var in TrailStatus
		if err = decodeControl(r, &in); err == nil {
			err = s.SetTrailStatus(in)
		}
	case "POST bucket-mfa-delete":
		var in struct {
			AccountID string `json:"account_id"`
			Bucket    string `json:"bucket"`
			MFADelete string `json:"mfa_delete"`
		}
		if err = decodeControl(r, &in); err == nil {
			err = s.SetBucketMFADelete(in.AccountID, in.Bucket, in.MFADelete)
		}
	case "POST foreign-bucket":
		var in struct {
			Bucket         string `json:"bucket"`
			OwnerAccountID string `json:"owner_account_id"`
			Region         string `json:"region"`
		}
		if err = decodeControl(r, &in); err == nil {
			err = s.AddForeignBucket(in.Bucket, in.OwnerAccountID, in.Region)
		}
	case "POST organization-trail":
		var in OrganizationTrail
		if err = decodeControl(r, &in); err == nil {
			var arn string
			arn, err = s.AddOrganizationTrail(in)
			out = map[string]string{"trail_arn": arn}
		}
	case "POST organization":
		var in Organization
		if err = decodeControl(r, &in); err == nil {
			err = s.SetOrganization(in)
		}
	case "POST roles":
		var in Role
		if err = decodeControl(r, &in); err == nil {
			err = s.AddRole(in)
		}
	case "POST foreign-topic":
		var in struct {
			TopicARN string `json:"topic_arn"`
		}
		if err = decodeControl(r, &in); err == nil {
			err = s.AddForeignTopic(in.TopicARN)
		}
	case "POST foreign-key":
		var in struct {
			KeyARN string `json:"key_arn"`
		}
		if err = decodeControl(r, &in); err == nil {
			err = s.AddForeignKey(in.KeyARN)
		}
	case "POST events":
		var in EventInput
		if err = decodeControl(r, &in); err == nil {
			if in.AccountID == "" || in.Region == "" || in.EventName == "" {
				err = errors.New("need account_id, region and event_name")
			} else {
				s.AddEvent(in)
			}
		}
	case "POST events/backdate":
		var in struct {
			AccountID  string  `json:"account_id"`
			AgeSeconds float64 `json:"age_seconds"`
		}
		if err = decodeControl(r, &in); err == nil {
			if in.AccountID == "" || in.AgeSeconds <= 0 {
				err = errors.New("need account_id and a positive age_seconds")
			} else {
				s.BackdateEvents(in.AccountID, time.Duration(in.AgeSeconds*float64(time.Second)))
			}
		}
	default:
		writeControl(w, http.StatusNotFound, map[string]string{"error": "unknown control endpoint " + route})
		return
	}
	if err != nil {
		writeControl(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	writeControl(w, http.StatusOK, out)
}

func decodeControl(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode %s body: %w", r.URL.Path, err)
	}
	return nil
}

func writeControl(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
