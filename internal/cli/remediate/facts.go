package remediate

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/report"
)

// trailFacts is what the findings tell about one trail. A nil pointer is a
// fact no finding gave.
type trailFacts struct {
	ARN, Name, Region, Account string
	// Bucket and BucketRegion are the trail's S3 bucket (from the bucket
	// findings' trail lists).
	Bucket, BucketRegion string
	Logging              *bool
	MultiRegion, Global  *bool
	// Management and Data are the event scopes of the management_events and
	// data_events findings (nil when the finding is absent).
	Management, Data []map[string]any
	KMSKey           string
	Topic            string
	// Validation, LogGroup and LogRole are the trail's log file validation
	// and CloudWatch Logs settings.
	Validation        *bool
	LogGroup, LogRole string
	// New marks a trail the plan creates (nothing to import).
	New bool
}

// accountFacts is what the findings tell about one account, and the steps
// of the plan that belong to it.
type accountFacts struct {
	b             *builder
	id, partition string
	trails        map[string]*trailFacts
	// buckets maps a bucket name to the trails delivering to it.
	buckets map[string][]string
	// bucketRegion maps a bucket name to its region.
	bucketRegion map[string]string
	// global caches the decision of which trail receives global events.
	global *globalChoice
}

// account returns the facts of f's account, gathered from every finding of it.
func (b *builder) account(f report.Finding) *accountFacts {
	if a, ok := b.accounts[f.AccountID]; ok {
		return a
	}
	a := &accountFacts{b: b, id: f.AccountID, partition: f.Partition, trails: map[string]*trailFacts{},
		buckets: map[string][]string{}, bucketRegion: map[string]string{}}
	if a.partition == "" {
		a.partition = "aws"
	}
	for _, g := range b.findings {
		if g.AccountID == f.AccountID {
			a.learn(g)
		}
	}
	b.accounts[f.AccountID] = a
	return a
}

// learn records what finding f says about trails and buckets.
func (a *accountFacts) learn(f report.Finding) {
	ev := evidence(f)
	if strings.HasPrefix(f.RuleID, "bucket_") {
		if name := evString(ev, "bucket"); name != "" {
			a.bucketRegion[name] = evString(ev, "bucket_region")
			for _, arn := range evStrings(ev, "trails") {
				if !slices.Contains(a.buckets[name], arn) {
					a.buckets[name] = append(a.buckets[name], arn)
				}
				t := a.trail(arn)
				t.Bucket, t.BucketRegion = name, evString(ev, "bucket_region")
			}
		}
		return
	}
	for _, key := range []string{"multi_region_trails", "trails_with_include_global_service_events", "global_event_trails"} {
		for _, e := range evList(ev, key) {
			t := a.trail(evString(e, "trail_arn"))
			t.Logging = orBool(t.Logging, evBool(e, "is_logging"))
			t.MultiRegion = orBool(t.MultiRegion, evBool(e, "is_multi_region_trail"))
			t.Global = orBool(t.Global, evBool(e, "include_global_service_events"))
			if key == "multi_region_trails" {
				t.MultiRegion = boolPtr(true)
			}
		}
	}
	for _, arn := range evStrings(ev, "logging_multi_region_trails") {
		t := a.trail(arn)
		t.Logging, t.MultiRegion, t.Global = boolPtr(true), boolPtr(true), boolPtr(true)
	}
	if !strings.Contains(f.Resource, ":trail/") || f.Status == "error" {
		return
	}
	t := a.trail(f.Resource)
	t.Logging = orBool(t.Logging, evBool(ev, "is_logging"))
	switch f.RuleID {
	case "kms_encryption":
		t.KMSKey = evString(ev, "kms_key_id")
	case "sns_topic_exists":
		t.Topic = evString(ev, "sns_topic_arn")
	case "log_file_validation":
		t.Validation = evBool(ev, "log_file_validation_enabled")
	case "cloudwatch_integration":
		t.LogGroup, t.LogRole = evString(ev, "cloud_watch_logs_log_group_arn"), evString(ev, "cloud_watch_logs_role_arn")
	case "management_events":
		t.Management = nonNilList(evList(ev, "management_events"))
	case "data_events":
		t.Data = nonNilList(evList(ev, "data_events"))
	}
}

// trail returns the facts of the trail arn, adding them when new.
func (a *accountFacts) trail(arn string) *trailFacts {
	if t, ok := a.trails[arn]; ok {
		return t
	}
	t := &trailFacts{ARN: arn}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 {
		t.Region, t.Account = parts[3], parts[4]
		t.Name = strings.TrimPrefix(parts[5], "trail/")
	}
	a.trails[arn] = t
	return t
}

// own reports whether the account itself owns trail t (not an organization
// trail of another account).
func (a *accountFacts) own(t *trailFacts) bool { return t.Account == a.id }

// sortedTrails returns the account's own trails sorted by ARN.
func (a *accountFacts) sortedTrails() []*trailFacts {
	var out []*trailFacts
	for _, t := range a.trails {
		if a.own(t) && t.Name != "" {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ARN < out[j].ARN })
	return out
}

// keyRegion is where a KMS key for trail t must live: its bucket's region
// (CloudTrail requires the key and the bucket in one region), else its home.
func (t *trailFacts) keyRegion() string {
	if t.BucketRegion != "" {
		return t.BucketRegion
	}
	return t.Region
}

// ---------------------------------------------------------------- evidence

// evidence returns f's evidence as a JSON object (empty when it has none).
func evidence(f report.Finding) map[string]any {
	if m, ok := f.Evidence.(map[string]any); ok {
		return m
	}
	var m map[string]any
	if b, err := json.Marshal(f.Evidence); err == nil {
		_ = json.Unmarshal(b, &m)
	}
	if m == nil {
		m = map[string]any{}
	}
	return m
}

// evString is ev[key] as a string ("" when absent or not a string).
func evString(ev map[string]any, key string) string {
	s, _ := ev[key].(string)
	return s
}

// evBool is ev[key] as a bool (nil when absent).
func evBool(ev map[string]any, key string) *bool {
	if v, ok := ev[key].(bool); ok {
		return &v
	}
	return nil
}

// evStrings is ev[key] as a list of strings.
func evStrings(ev map[string]any, key string) []string {
	var out []string
	if l, ok := ev[key].([]any); ok {
		for _, v := range l {
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

// evList is ev[key] as a list of objects.
func evList(ev map[string]any, key string) []map[string]any {
	var out []map[string]any
	if l, ok := ev[key].([]any); ok {
		for _, v := range l {
			if m, ok := v.(map[string]any); ok {
				out = append(out, m)
			}
		}
	}
	return out
}

func nonNilList(l []map[string]any) []map[string]any {
	if l == nil {
		return []map[string]any{}
	}
	return l
}

func boolPtr(v bool) *bool { return &v }

// orBool keeps a known value, else takes v.
func orBool(have, v *bool) *bool {
	if have != nil {
		return have
	}
	return v
}

// is reports whether p is known and true.
func is(p *bool) bool { return p != nil && *p }
