package scenario

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/seed"
)

// deniedCode is the error code a service answers when an IAM policy denies a call.
func deniedCode(action string) string {
	switch strings.SplitN(action, ":", 2)[0] {
	case "s3", "s3control", "sts":
		return "AccessDenied"
	case "sns":
		return "AuthorizationError"
	case "ec2":
		return "UnauthorizedOperation"
	default:
		return "AccessDeniedException"
	}
}

// dependsOn reports whether rule needs action, by the catalogue (every rule
// needs the caller identity).
func dependsOn(rule, action string) bool {
	if action == "sts:GetCallerIdentity" {
		return true
	}
	r, ok := rules.Lookup(rule)
	return ok && slices.Contains(r.IAMActions, action)
}

// timestamps matches the RFC 3339 times in reasons, which differ between runs.
var timestamps = regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})`)

// comparable renders findings without the times that differ between two runs.
func comparable(fs findings) string { return timestamps.ReplaceAllString(fs.String(), "TIME") }

// namesAction reports whether f's reason or evidence names action (with or without the service prefix).
func namesAction(t *testing.T, f finding, action string) bool {
	text := strings.ToLower(f.Reason + " " + mustJSON(t, f.Evidence))
	short := action[strings.Index(action, ":")+1:]
	return strings.Contains(text, strings.ToLower(short))
}

// narrowsSearch are the actions that only decide where resources are looked
// for (ec2:DescribeRegions: which regions are searched for trails). Denied,
// a rule keeps its findings on what it could still read and says with an
// error what it could not look at.
var narrowsSearch = map[string]bool{"ec2:DescribeRegions": true}

// TestDenyingAnyReadActionNeverYieldsOK denies, one at a time, every read
// action a full run of the plugin makes on a clean account (taken from the
// emulator's request log). The findings of the rules that need the action
// must not be ok (error, skip or info naming the action) — for an action in
// narrowsSearch, no finding the fault-free run lacks may be ok or alarm,
// and each per-trail or per-bucket rule must name the action; the findings
// of the others must not change.
func TestDenyingAnyReadActionNeverYieldsOK(t *testing.T) {
	e := newEnv(t)
	if e.emu == nil {
		t.Skip("needs the in-process emulator's request log and fault injection")
	}
	e.seed(seed.Clean)
	e.emu.ResetCalls()
	base := e.findings()
	var actions []string
	for a := range e.emu.CallCounts() {
		actions = append(actions, a)
	}
	sort.Strings(actions)
	if len(actions) < 10 {
		t.Fatalf("a full run made only these calls: %v", actions)
	}
	t.Logf("read actions of a full run: %v", actions)
	for _, action := range actions {
		t.Run(action, func(t *testing.T) {
			sub := *e
			sub.t = t
			e.emu.ClearFaults()
			defer e.emu.ClearFaults()
			e.emu.AddFault(awsemu.Fault{Action: action, ErrorCode: deniedCode(action)})
			fs, err := sub.query()
			if err != nil {
				if !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(action[strings.Index(action, ":")+1:])) {
					t.Fatalf("the query failed without naming %s: %v", action, err)
				}
				return
			}
			var summary []string
			for _, rule := range allRules {
				got, want := fs.rule(rule), base.rule(rule)
				if dependsOn(rule, action) {
					for _, f := range got {
						summary = append(summary, rule+"="+f.Status)
					}
				}
				if !dependsOn(rule, action) {
					if comparable(got) != comparable(want) {
						t.Errorf("%s does not need %s (catalogue) but its findings changed:\nwant:%s\ngot:%s", rule, action, want, got)
					}
					continue
				}
				if len(got) == 0 {
					t.Errorf("%s: no finding while %s is denied", rule, action)
				}
				named := false
				for _, f := range got {
					names := f.Status != "alarm" && namesAction(t, f, action)
					named = named || names
					switch {
					case narrowsSearch[action] && strings.Contains(comparable(want)+"\n", comparable(findings{f})+"\n"):
						// a finding on what could still be read, as fault-free
					case f.Status == "ok":
						t.Errorf("%s is denied, yet: %s", action, f)
					case f.Status == "alarm":
						t.Errorf("%s is denied; an alarm is not a verdict on an unread fact: %s", action, f)
					case !names:
						t.Errorf("%s is denied; the %s finding does not name it: %s", action, f.Status, f)
					}
				}
				if r, _ := rules.Lookup(rule); narrowsSearch[action] && (r.Scope == rules.ScopeTrail || r.Scope == rules.ScopeBucket) && !named {
					t.Errorf("%s is denied; %s lists trails or buckets, yet no finding says where it could not look:\n%s", action, rule, got)
				}
			}
			slices.Sort(summary)
			t.Logf("dependent findings: %s", strings.Join(slices.Compact(summary), " "))
		})
	}
}
