package rules

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// absentAsValue walks a decoded JSON value and returns the paths holding ""
// or a zero time: values AWS did not give, which evidence must write as null.
func absentAsValue(v any, path string) []string {
	switch x := v.(type) {
	case string:
		if x == "" || strings.HasPrefix(x, "0001-01-01") {
			return []string{fmt.Sprintf("%s = %q", path, x)}
		}
	case map[string]any:
		var out []string
		for k, e := range x {
			out = append(out, absentAsValue(e, path+"."+k)...)
		}
		sort.Strings(out)
		return out
	case []any:
		var out []string
		for i, e := range x {
			out = append(out, absentAsValue(e, fmt.Sprintf("%s[%d]", path, i))...)
		}
		return out
	}
	return nil
}

// neverDelivered is the clean account whose trail was created and started
// but never delivered anything: GetTrailStatus gives no Latest* field.
func neverDelivered() *snapshot.Account {
	return with(func(a *snapshot.Account) {
		trail0(a).Status = &snapshot.TrailStatus{IsLogging: true, StartLoggingTime: hoursAgo(1)}
	})
}

// evidenceAccounts are fixtures covering every rule's paths: compliant,
// failing, never delivered, empty, unreadable facts and network errors.
func evidenceAccounts() map[string]*snapshot.Account {
	netErr := &snapshot.ReadError{Action: "cloudtrail:GetTrailStatus", Message: "connection reset", Class: snapshot.ClassOther}
	return map[string]*snapshot.Account{
		"clean":           cleanAccount(),
		"bad":             badAccount(),
		"never delivered": neverDelivered(),
		"empty":           {AccountID: acctID, ReadAt: now},
		"nothing loaded":  with(func(a *snapshot.Account) { a.Loaded = 0 }),
		"no trails":       with(func(a *snapshot.Account) { a.Trails = nil }),
		"never started": with(func(a *snapshot.Account) {
			trail0(a).Status = &snapshot.TrailStatus{}
			trail0(a).IsMultiRegionTrail = false
		}),
		"network errors": with(func(a *snapshot.Account) {
			failStatus(trail0(a), netErr)
			failSelectors(trail0(a), netErr)
			a.Regions, a.RegionsErr = []string{"us-east-1"}, &snapshot.ReadError{Action: "ec2:DescribeRegions", Class: snapshot.ClassOther}
			a.ConfigChangeErrors = map[string]*snapshot.ReadError{"us-east-1": netErr}
		}),
		"bare change event": with(func(a *snapshot.Account) {
			a.ConfigChanges = []*snapshot.ConfigChangeEvent{{EventName: "StopLogging", EventTime: now, Region: "us-east-1"}}
		}),
		"no window": with(func(a *snapshot.Account) {
			a.ConfigChangeWindowStart, a.ConfigChangeWindowEnd = snapshot.Account{}.ReadAt, snapshot.Account{}.ReadAt
		}),
		"bucket without settings": with(func(a *snapshot.Account) {
			b := bucket0(a)
			b.Region, b.Logging, b.Versioning = "", &snapshot.BucketLogging{}, &snapshot.BucketVersioning{}
			b.ACL = &snapshot.BucketACL{Grants: []snapshot.Grant{{Type: "Group", URI: snapshot.AllUsersURI, Permission: "READ"}}}
		}),
		"selectors without any": with(func(a *snapshot.Account) { trail0(a).Selectors = &snapshot.EventSelectors{} }),
	}
}

func TestEvidenceWritesAbsentValuesAsNull(t *testing.T) {
	for name, a := range evidenceAccounts() {
		fs := Evaluate(a)
		rulesSeen := map[string]bool{}
		for _, f := range fs {
			rulesSeen[f.RuleID] = true
			b, err := json.Marshal(f.Evidence)
			if err != nil {
				t.Fatalf("%s: %s evidence does not serialise: %v", name, f.RuleID, err)
			}
			var decoded any
			if err := json.Unmarshal(b, &decoded); err != nil {
				t.Fatal(err)
			}
			for _, bad := range absentAsValue(decoded, "evidence") {
				t.Errorf("%s: %s %s on %s: %s; an absent value must be null", name, f.RuleID, f.Status, f.Resource, bad)
			}
		}
		if len(rulesSeen) != len(contractIDs) {
			t.Errorf("%s: %d of %d rules gave findings", name, len(rulesSeen), len(contractIDs))
		}
	}
}

func TestNeverDeliveredTrailEvidence(t *testing.T) {
	fs := Evaluate(neverDelivered(), "delivery_failing", "cloudwatch_integration")
	for _, f := range fs {
		for _, k := range []string{"latest_delivery_time", "latest_cloud_watch_logs_delivery_time"} {
			if v, ok := f.Evidence[k]; ok && v != nil {
				t.Errorf("%s: evidence %s = %#v, want null for a trail that never delivered", f.RuleID, k, v)
			}
		}
	}
	f, ok := findingFor(fs, "delivery_failing", mainTrail)
	if !ok {
		t.Fatalf("no delivery_failing finding:%s", dump(fs))
	}
	if v, ok := f.Evidence["latest_delivery_time"]; !ok || v != nil {
		t.Errorf("delivery_failing evidence latest_delivery_time = %#v (present %v), want null", v, ok)
	}
}
