package snapshot

import (
	"slices"
	"testing"
)

// adv is an advanced selector of the given conditions.
func adv(fs ...FieldSelector) AdvancedSelector { return AdvancedSelector{FieldSelectors: fs} }

// category is an eventCategory Equals condition.
func category(c string) FieldSelector {
	return FieldSelector{Field: "eventCategory", Equals: []string{c}}
}

func TestManagementReadWriteOfSelectors(t *testing.T) {
	for _, c := range []struct {
		name string
		sel  EventSelectors
		want string // "" = logs no management events
	}{
		{"classic All", EventSelectors{Classic: []ClassicSelector{{ReadWriteType: "All", IncludeManagementEvents: true}}}, "All"},
		{"classic unset type is All", EventSelectors{Classic: []ClassicSelector{{IncludeManagementEvents: true}}}, "All"},
		{"classic ReadOnly", EventSelectors{Classic: []ClassicSelector{{ReadWriteType: "ReadOnly", IncludeManagementEvents: true}}}, "ReadOnly"},
		{"classic WriteOnly", EventSelectors{Classic: []ClassicSelector{{ReadWriteType: "WriteOnly", IncludeManagementEvents: true}}}, "WriteOnly"},
		{"classic without management events", EventSelectors{Classic: []ClassicSelector{{ReadWriteType: "All"}}}, ""},
		{"classic ReadOnly and WriteOnly together", EventSelectors{Classic: []ClassicSelector{
			{ReadWriteType: "ReadOnly", IncludeManagementEvents: true}, {ReadWriteType: "WriteOnly", IncludeManagementEvents: true}}}, "All"},
		{"advanced without readOnly", EventSelectors{Advanced: []AdvancedSelector{adv(category("Management"))}}, "All"},
		{"advanced readOnly Equals true", EventSelectors{Advanced: []AdvancedSelector{adv(category("Management"),
			FieldSelector{Field: "readOnly", Equals: []string{"true"}})}}, "ReadOnly"},
		{"advanced readOnly Equals false", EventSelectors{Advanced: []AdvancedSelector{adv(category("Management"),
			FieldSelector{Field: "readOnly", Equals: []string{"false"}})}}, "WriteOnly"},
		{"advanced readOnly NotEquals true", EventSelectors{Advanced: []AdvancedSelector{adv(category("Management"),
			FieldSelector{Field: "readOnly", NotEquals: []string{"true"}})}}, "WriteOnly"},
		{"advanced readOnly NotEquals false", EventSelectors{Advanced: []AdvancedSelector{adv(category("Management"),
			FieldSelector{Field: "readOnly", NotEquals: []string{"false"}})}}, "ReadOnly"},
		{"advanced readOnly Equals both", EventSelectors{Advanced: []AdvancedSelector{adv(category("Management"),
			FieldSelector{Field: "readOnly", Equals: []string{"true", "false"}})}}, "All"},
		{"advanced readOnly NotEquals both logs nothing", EventSelectors{Advanced: []AdvancedSelector{adv(category("Management"),
			FieldSelector{Field: "readOnly", NotEquals: []string{"true", "false"}})}}, ""},
		{"field names are case-sensitive: ReadOnly is no readOnly condition", EventSelectors{Advanced: []AdvancedSelector{adv(category("Management"),
			FieldSelector{Field: "ReadOnly", Equals: []string{"true"}})}}, "All"},
		{"field names are case-sensitive: EventCategory is no category", EventSelectors{Advanced: []AdvancedSelector{adv(
			FieldSelector{Field: "EventCategory", Equals: []string{"Management"}})}}, ""},
		{"advanced data only", EventSelectors{Advanced: []AdvancedSelector{adv(category("Data"),
			FieldSelector{Field: "resources.type", Equals: []string{"AWS::S3::Object"}})}}, ""},
		{"advanced read-only and write-only selectors together", EventSelectors{Advanced: []AdvancedSelector{
			adv(category("Management"), FieldSelector{Field: "readOnly", Equals: []string{"true"}}),
			adv(category("Management"), FieldSelector{Field: "readOnly", NotEquals: []string{"true"}})}}, "All"},
		{"no selectors at all", EventSelectors{}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := c.sel.ManagementReadWrite(); got != c.want {
				t.Errorf("ManagementReadWrite() = %q, want %q", got, c.want)
			}
			if got := c.sel.LogsManagement(); got != (c.want != "") {
				t.Errorf("LogsManagement() = %v, want %v", got, c.want != "")
			}
		})
	}
}

func TestManagementScopesNameExcludedSources(t *testing.T) {
	sel := EventSelectors{
		Classic: []ClassicSelector{{IncludeManagementEvents: true, ExcludeManagementEventSources: []string{"kms.amazonaws.com"}}},
		Advanced: []AdvancedSelector{{Name: "mgmt", FieldSelectors: []FieldSelector{category("Management"),
			{Field: "eventSource", NotEquals: []string{"rdsdata.amazonaws.com"}}}}},
	}
	got := sel.ManagementScopes()
	if len(got) != 2 {
		t.Fatalf("ManagementScopes() = %+v, want 2 scopes", got)
	}
	if got[0].Selector != "classic #1" || !slices.Equal(got[0].ExcludedSources, []string{"kms.amazonaws.com"}) {
		t.Errorf("classic scope = %+v", got[0])
	}
	if got[1].Selector != "advanced #1 (mgmt)" || !got[1].Advanced || !slices.Equal(got[1].ExcludedSources, []string{"rdsdata.amazonaws.com"}) {
		t.Errorf("advanced scope = %+v", got[1])
	}
}

func TestDataScopesOfSelectors(t *testing.T) {
	for _, c := range []struct {
		name      string
		sel       EventSelectors
		wantTypes []string
		wantRW    string
	}{
		{"classic S3 objects", EventSelectors{Classic: []ClassicSelector{{ReadWriteType: "WriteOnly",
			DataResources: []DataResource{{Type: "AWS::S3::Object", Values: []string{"arn:aws:s3"}}}}}}, []string{"AWS::S3::Object"}, "WriteOnly"},
		{"classic without DataResources", EventSelectors{Classic: []ClassicSelector{{IncludeManagementEvents: true}}}, nil, ""},
		{"advanced Data by resource type", EventSelectors{Advanced: []AdvancedSelector{adv(category("Data"),
			FieldSelector{Field: "resources.type", Equals: []string{"AWS::S3::Object", "AWS::Lambda::Function"}},
			FieldSelector{Field: "readOnly", NotEquals: []string{"false"}})}}, []string{"AWS::S3::Object", "AWS::Lambda::Function"}, "ReadOnly"},
		{"NetworkActivity is not data", EventSelectors{Advanced: []AdvancedSelector{adv(category("NetworkActivity"),
			FieldSelector{Field: "eventSource", Equals: []string{"s3.amazonaws.com"}})}}, nil, ""},
		{"Management is not data", EventSelectors{Advanced: []AdvancedSelector{adv(category("Management"))}}, nil, ""},
		{"resources.type is case-sensitive", EventSelectors{Advanced: []AdvancedSelector{adv(category("Data"),
			FieldSelector{Field: "Resources.Type", Equals: []string{"AWS::S3::Object"}})}}, []string{""}, "All"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := c.sel.DataScopes()
			var types []string
			for _, d := range got {
				types = append(types, d.Type)
				if d.ReadWriteType != c.wantRW {
					t.Errorf("%s: ReadWriteType = %q, want %q", d.Type, d.ReadWriteType, c.wantRW)
				}
			}
			if !slices.Equal(types, c.wantTypes) {
				t.Errorf("DataScopes() types = %q, want %q", types, c.wantTypes)
			}
			if c.sel.LogsData() != (len(c.wantTypes) > 0) {
				t.Errorf("LogsData() = %v, want %v", c.sel.LogsData(), len(c.wantTypes) > 0)
			}
		})
	}
	filtered := EventSelectors{Advanced: []AdvancedSelector{adv(category("Data"),
		FieldSelector{Field: "resources.ARN", StartsWith: []string{"arn:aws:s3:::b/"}})}}
	if f := filtered.DataScopes(); len(f) != 1 || !slices.Equal(f[0].Filters, []string{"resources.ARN"}) {
		t.Errorf("a resources.ARN condition is a filter; got %+v", f)
	}
}

func TestNilSelectorsLogNothing(t *testing.T) {
	var s *EventSelectors
	if s.LogsManagement() || s.LogsData() || s.ManagementReadWrite() != "" {
		t.Error("nil selectors must log nothing")
	}
}
