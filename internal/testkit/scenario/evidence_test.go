package scenario

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/seed"
)

// absentAsValue returns the paths of a decoded JSON value holding "" or a
// zero time: values AWS did not give, which evidence must write as null.
func absentAsValue(v any, path string) []string {
	var out []string
	switch x := v.(type) {
	case string:
		if x == "" || strings.HasPrefix(x, "0001-01-01") {
			out = append(out, fmt.Sprintf("%s = %q", path, x))
		}
	case map[string]any:
		for k, e := range x {
			out = append(out, absentAsValue(e, path+"."+k)...)
		}
	case []any:
		for i, e := range x {
			out = append(out, absentAsValue(e, fmt.Sprintf("%s[%d]", path, i))...)
		}
	}
	return out
}

// TestEvidenceWritesAbsentValuesAsNull reads every rule's findings, as the
// plugin serves them, over the seeded scenarios, and finds no evidence value
// that is "" or a zero time.
func TestEvidenceWritesAbsentValuesAsNull(t *testing.T) {
	for name, scenario := range map[string]func(context.Context, seed.Target) (*seed.Account, error){
		"bad": seed.Bad, "demo": seed.Demo, "never delivered": seed.NeverDelivered,
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			e.exclusive()
			e.seed(scenario)
			fs := e.findings()
			seen := map[string]bool{}
			for _, f := range fs {
				seen[f.RuleID] = true
				for _, bad := range absentAsValue(f.Evidence, "evidence") {
					t.Errorf("%s: %s; an absent value must be null", f, bad)
				}
			}
			if len(seen) != len(allRules) {
				t.Errorf("%d of %d rules gave findings:\n%s", len(seen), len(allRules), fs)
			}
		})
	}
}

// TestNeverDeliveredTrailHasNullDeliveryTime: a trail that never delivered
// gives latest_delivery_time null (not ""), so the documented
// (evidence ->> 'latest_delivery_time')::timestamptz reads NULL.
func TestNeverDeliveredTrailHasNullDeliveryTime(t *testing.T) {
	e := newEnv(t)
	acct := e.seed(seed.NeverDelivered)
	fs := e.findings()
	for _, role := range []string{"fresh", "idle"} {
		tr := acct.Trail(role)
		f := fs.rule("delivery_failing").about(tr.ARN)
		if len(f) != 1 {
			t.Fatalf("delivery_failing findings about %s: %s", tr.ARN, f)
		}
		if v, ok := f[0].Evidence["latest_delivery_time"]; !ok || v != nil {
			t.Errorf("%s: evidence latest_delivery_time = %#v (present %v); want null", f[0], v, ok)
		}
	}
}
