package cloudtrailcc

import (
	"testing"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// TestRegionTableAndRulesAgreeOnSelectors gives one logging multi-region
// trail each set of selectors and checks that cloudtrailcc_region's
// management_events, data_events and read_write_type say what the
// management_events and data_events rules decide.
func TestRegionTableAndRulesAgreeOnSelectors(t *testing.T) {
	f := func(field string, eq, neq []string) snapshot.FieldSelector {
		return snapshot.FieldSelector{Field: field, Equals: eq, NotEquals: neq}
	}
	mgmt := f("eventCategory", []string{"Management"}, nil)
	data := f("eventCategory", []string{"Data"}, nil)
	s3 := f("resources.type", []string{"AWS::S3::Object"}, nil)
	for name, sel := range map[string]snapshot.EventSelectors{
		"classic default": {Classic: []snapshot.ClassicSelector{{ReadWriteType: "All", IncludeManagementEvents: true}}},
		"classic write only with data": {Classic: []snapshot.ClassicSelector{{ReadWriteType: "WriteOnly", IncludeManagementEvents: true,
			DataResources: []snapshot.DataResource{{Type: "AWS::S3::Object", Values: []string{"arn:aws:s3"}}}}}},
		"classic data only": {Classic: []snapshot.ClassicSelector{{ReadWriteType: "All",
			DataResources: []snapshot.DataResource{{Type: "AWS::Lambda::Function", Values: []string{"arn:aws:lambda"}}}}}},
		"advanced readOnly NotEquals true":  {Advanced: []snapshot.AdvancedSelector{{FieldSelectors: []snapshot.FieldSelector{mgmt, f("readOnly", nil, []string{"true"})}}}},
		"advanced readOnly NotEquals false": {Advanced: []snapshot.AdvancedSelector{{FieldSelectors: []snapshot.FieldSelector{mgmt, f("readOnly", nil, []string{"false"})}}}},
		"advanced readOnly Equals true":     {Advanced: []snapshot.AdvancedSelector{{FieldSelectors: []snapshot.FieldSelector{mgmt, f("readOnly", []string{"true"}, nil)}}}},
		"advanced readOnly excluding both":  {Advanced: []snapshot.AdvancedSelector{{FieldSelectors: []snapshot.FieldSelector{mgmt, f("readOnly", nil, []string{"true", "false"})}}}},
		"advanced wrong-case field names": {Advanced: []snapshot.AdvancedSelector{{FieldSelectors: []snapshot.FieldSelector{
			f("EventCategory", []string{"Management"}, nil), f("ReadOnly", []string{"true"}, nil)}}}},
		"advanced wrong-case readOnly": {Advanced: []snapshot.AdvancedSelector{{FieldSelectors: []snapshot.FieldSelector{mgmt, f("ReadOnly", []string{"true"}, nil)}}}},
		"advanced data and management": {Advanced: []snapshot.AdvancedSelector{
			{FieldSelectors: []snapshot.FieldSelector{mgmt}}, {FieldSelectors: []snapshot.FieldSelector{data, s3}}}},
		"advanced network activity only": {Advanced: []snapshot.AdvancedSelector{{FieldSelectors: []snapshot.FieldSelector{
			f("eventCategory", []string{"NetworkActivity"}, nil), f("eventSource", []string{"s3.amazonaws.com"}, nil)}}}},
	} {
		t.Run(name, func(t *testing.T) {
			acct := selectorAccount(sel)
			row := regionRow{acct: acct, region: "us-east-1", trails: acct.Trails}
			fs := rules.Evaluate(acct, "management_events", "data_events")
			if len(fs) != 2 {
				t.Fatalf("findings = %+v, want one per rule", fs)
			}
			mgmtF, dataF := fs[0], fs[1]
			if mgmtF.RuleID != "management_events" {
				mgmtF, dataF = dataF, mgmtF
			}
			if got, want := row.selects((*snapshot.EventSelectors).LogsManagement), mgmtF.Status == rules.StatusOK; got != want {
				t.Errorf("region management_events = %v; rule management_events is %s (%s)", got, mgmtF.Status, mgmtF.Reason)
			}
			if got, want := row.selects((*snapshot.EventSelectors).LogsData), dataF.Status == rules.StatusOK; got != want {
				t.Errorf("region data_events = %v; rule data_events is %s (%s)", got, dataF.Status, dataF.Reason)
			}
			scopes, _ := mgmtF.Evidence["management_events"].([]snapshot.ManagementScope)
			var rws []string
			for _, s := range scopes {
				rws = append(rws, s.ReadWriteType)
			}
			var want any
			if rw := snapshot.UnionReadWrite(rws...); rw != "" {
				want = rw
			}
			if got := row.managementReadWrite(); got != want {
				t.Errorf("region read_write_type = %v; the rule's scopes %+v say %v", got, scopes, want)
			}
		})
	}
}

// selectorAccount is an account with one logging multi-region trail with sel.
func selectorAccount(sel snapshot.EventSelectors) *snapshot.Account {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	return &snapshot.Account{
		AccountID: "123456789012", Partition: "aws", ReadAt: now, Regions: []string{"us-east-1"},
		Trails: []*snapshot.Trail{{
			ARN: "arn:aws:cloudtrail:us-east-1:123456789012:trail/main", Name: "main", HomeRegion: "us-east-1",
			OwnerAccountID: "123456789012", IsMultiRegionTrail: true,
			Status:    &snapshot.TrailStatus{IsLogging: true},
			Selectors: &sel,
		}},
		Loaded: snapshot.NeedAll,
	}
}
