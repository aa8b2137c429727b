package snapshot

import (
	"slices"
	"strconv"
)

// The read/write types of events a selector logs: classic selectors name
// them (ReadWriteType), advanced selectors say them with a readOnly condition.
const (
	// ReadWriteAll: read and write events.
	ReadWriteAll = "All"
	// ReadWriteReadOnly: read events only.
	ReadWriteReadOnly = "ReadOnly"
	// ReadWriteWriteOnly: write events only.
	ReadWriteWriteOnly = "WriteOnly"
)

// The advanced event selector field names the coverage depends on. AWS
// matches field names exactly, so "ReadOnly" or "EventCategory" is not one of
// them.
const (
	fieldEventCategory = "eventCategory"
	fieldReadOnly      = "readOnly"
	fieldEventSource   = "eventSource"
	fieldResourcesType = "resources.type"
)

// The advanced selector event categories.
const (
	// CategoryManagement: management (control-plane) events.
	CategoryManagement = "Management"
	// CategoryData: data events (resource operations such as S3 GetObject).
	CategoryData = "Data"
	// CategoryNetworkActivity: VPC endpoint network activity events, which
	// are neither management nor data events.
	CategoryNetworkActivity = "NetworkActivity"
)

// ManagementScope is what one selector logs of management events.
type ManagementScope struct {
	// ReadWriteType is All, ReadOnly or WriteOnly.
	ReadWriteType string `json:"read_write_type"`
	// ReadOnly is an advanced selector's readOnly condition as a value
	// ("true" for read only, "false" for write only); empty for classic
	// selectors and advanced ones without the condition.
	ReadOnly string `json:"read_only,omitempty"`
	// ExcludedSources are the event sources left out
	// (ExcludeManagementEventSources, or eventSource NotEquals).
	ExcludedSources []string `json:"exclude_management_event_sources"`
	// Selector names the selector: "classic #1" or "advanced #2 (NAME)".
	Selector string `json:"selector"`
	// Advanced is true for an advanced event selector.
	Advanced bool `json:"-"`
}

// DataScope is one resource type a selector logs data events for.
type DataScope struct {
	// Type is the resource type (AWS::S3::Object, ...); "" when an advanced
	// selector does not narrow it.
	Type string
	// ReadWriteType is All, ReadOnly or WriteOnly.
	ReadWriteType string
	// Values are a classic selector's ARN prefixes.
	Values []string
	// Filters are the other fields an advanced selector filters on
	// (resources.ARN, eventName, ...).
	Filters []string
	// Selector names the selector: "classic #1" or "advanced #2 (NAME)".
	Selector string
	// Advanced is true for an advanced event selector.
	Advanced bool
}

// ManagementScopes returns, for each selector that logs management events
// (classic IncludeManagementEvents, or advanced eventCategory Equals
// Management whose readOnly condition leaves some events), its read/write
// type and excluded event sources. It decides by fields, never by name.
func (s *EventSelectors) ManagementScopes() []ManagementScope {
	if s == nil {
		return nil
	}
	out := []ManagementScope{}
	for i, c := range s.Classic {
		if c.IncludeManagementEvents {
			out = append(out, ManagementScope{ReadWriteType: c.readWrite(), ExcludedSources: nonNil(c.ExcludeManagementEventSources),
				Selector: "classic #" + strconv.Itoa(i+1)})
		}
	}
	for i, a := range s.Advanced {
		rw := a.ReadWriteType()
		if !a.HasCategory(CategoryManagement) || rw == "" {
			continue
		}
		var excluded []string
		for _, f := range a.fields(fieldEventSource) {
			excluded = append(excluded, f.NotEquals...)
		}
		ro := map[string]string{ReadWriteReadOnly: "true", ReadWriteWriteOnly: "false"}[rw]
		out = append(out, ManagementScope{ReadWriteType: rw, ReadOnly: ro, ExcludedSources: nonNil(excluded),
			Selector: a.label(i), Advanced: true})
	}
	return out
}

// LogsManagement reports whether some selector logs management events.
func (s *EventSelectors) LogsManagement() bool { return len(s.ManagementScopes()) > 0 }

// ManagementReadWrite sums up which management events the selectors log
// together: All, ReadOnly, WriteOnly, or "" when none.
func (s *EventSelectors) ManagementReadWrite() string {
	var rws []string
	for _, m := range s.ManagementScopes() {
		rws = append(rws, m.ReadWriteType)
	}
	return UnionReadWrite(rws...)
}

// UnionReadWrite is the read/write type that several together log: All,
// ReadOnly, WriteOnly, or "" for none.
func UnionReadWrite(rws ...string) string {
	var read, write bool
	for _, rw := range rws {
		read = read || rw == ReadWriteAll || rw == ReadWriteReadOnly
		write = write || rw == ReadWriteAll || rw == ReadWriteWriteOnly
	}
	return readWriteType(read, write)
}

// DataScopes lists the data events the selectors log: each classic
// DataResources entry, and each resource type of an advanced selector with
// eventCategory Equals Data (NetworkActivity is not data).
func (s *EventSelectors) DataScopes() []DataScope {
	if s == nil {
		return nil
	}
	out := []DataScope{}
	for i, c := range s.Classic {
		for _, d := range c.DataResources {
			out = append(out, DataScope{Type: d.Type, ReadWriteType: c.readWrite(), Values: nonNil(d.Values),
				Selector: "classic #" + strconv.Itoa(i+1)})
		}
	}
	for i, a := range s.Advanced {
		rw := a.ReadWriteType()
		if !a.HasCategory(CategoryData) || rw == "" {
			continue
		}
		var types, filters []string
		for _, f := range a.FieldSelectors {
			switch f.Field {
			case fieldResourcesType:
				types = append(types, f.Equals...)
			case fieldEventCategory, fieldReadOnly:
			default:
				filters = append(filters, f.Field)
			}
		}
		if len(types) == 0 {
			types = []string{""}
		}
		for _, typ := range types {
			out = append(out, DataScope{Type: typ, ReadWriteType: rw, Filters: filters, Selector: a.label(i), Advanced: true})
		}
	}
	return out
}

// LogsData reports whether some selector logs data events.
func (s *EventSelectors) LogsData() bool { return len(s.DataScopes()) > 0 }

// HasCategory reports whether the selector has eventCategory Equals cat.
func (a AdvancedSelector) HasCategory(cat string) bool {
	return slices.ContainsFunc(a.fields(fieldEventCategory), func(f FieldSelector) bool { return slices.Contains(f.Equals, cat) })
}

// ReadWriteType returns which events the selector's readOnly conditions
// let through: All (no condition, or both values), ReadOnly, WriteOnly, or
// "" when they exclude both.
func (a AdvancedSelector) ReadWriteType() string {
	read, write := true, true
	for _, f := range a.fields(fieldReadOnly) {
		if len(f.Equals) > 0 {
			read = read && slices.Contains(f.Equals, "true")
			write = write && slices.Contains(f.Equals, "false")
		}
		read = read && !slices.Contains(f.NotEquals, "true")
		write = write && !slices.Contains(f.NotEquals, "false")
	}
	return readWriteType(read, write)
}

// fields returns the selector's conditions on field name.
func (a AdvancedSelector) fields(name string) []FieldSelector {
	var out []FieldSelector
	for _, f := range a.FieldSelectors {
		if f.Field == name {
			out = append(out, f)
		}
	}
	return out
}

// label names the i-th advanced selector: "advanced #N" plus its name.
func (a AdvancedSelector) label(i int) string {
	out := "advanced #" + strconv.Itoa(i+1)
	if a.Name != "" {
		out += " (" + a.Name + ")"
	}
	return out
}

// readWrite is the classic selector's ReadWriteType, All when unset (AWS's default).
func (c ClassicSelector) readWrite() string {
	if c.ReadWriteType == "" {
		return ReadWriteAll
	}
	return c.ReadWriteType
}

// nonNil returns s, or an empty slice for nil.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// readWriteType names a read and write scope as a ReadWriteType: All,
// ReadOnly, WriteOnly, or "" for neither.
func readWriteType(read, write bool) string {
	switch {
	case read && write:
		return ReadWriteAll
	case read:
		return ReadWriteReadOnly
	case write:
		return ReadWriteWriteOnly
	}
	return ""
}
