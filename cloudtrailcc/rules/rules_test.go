package rules

import (
	"testing"
)

func TestCleanAccountHasNoAlarmOrError(t *testing.T) {
	fs := Evaluate(cleanAccount())
	for _, f := range fs {
		if f.Status == StatusAlarm || f.Status == StatusError {
			t.Errorf("%s %s %s: %s", f.RuleID, f.Status, f.Resource, f.Reason)
		}
	}
	t.Log(dump(fs))
}

func TestBadAccountAlarmsOnEveryRule(t *testing.T) {
	fs := Evaluate(badAccount())
	alarmed := map[string]bool{}
	for _, f := range fs {
		if f.Status == StatusAlarm {
			alarmed[f.RuleID] = true
		}
	}
	for _, r := range Catalogue() {
		if !alarmed[r.ID] {
			t.Errorf("rule %s gave no alarm on the bad account", r.ID)
		}
	}
	t.Log(dump(fs))
}
