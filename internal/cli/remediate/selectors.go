package remediate

import (
	"encoding/json"
	"strings"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/escape"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/report"
)

// readOnlyField is the readOnly condition of a ReadWriteType (none for All).
func readOnlyField(rw string) []snapshot.FieldSelector {
	switch rw {
	case "ReadOnly":
		return []snapshot.FieldSelector{{Field: "readOnly", Equals: []string{"true"}}}
	case "WriteOnly":
		return []snapshot.FieldSelector{{Field: "readOnly", Equals: []string{"false"}}}
	}
	return nil
}

// managementSelector logs management events of rw, without the excluded sources.
func managementSelector(rw string, excluded []string) snapshot.AdvancedSelector {
	s := snapshot.AdvancedSelector{Name: "Management events", FieldSelectors: []snapshot.FieldSelector{{Field: "eventCategory", Equals: []string{"Management"}}}}
	s.FieldSelectors = append(s.FieldSelectors, readOnlyField(rw)...)
	if len(excluded) > 0 {
		s.FieldSelectors = append(s.FieldSelectors, snapshot.FieldSelector{Field: "eventSource", NotEquals: excluded})
	}
	return s
}

// dataSelector logs the data events of every resource of type typ.
func dataSelector(typ, rw string) snapshot.AdvancedSelector {
	s := snapshot.AdvancedSelector{Name: "Data events: all " + typ, FieldSelectors: []snapshot.FieldSelector{
		{Field: "eventCategory", Equals: []string{"Data"}}, {Field: "resources.type", Equals: []string{typ}}}}
	s.FieldSelectors = append(s.FieldSelectors, readOnlyField(rw)...)
	return s
}

// selectors is the step putting advanced event selectors on trail t that
// log management events and data events. It keeps what the trail logs
// now as far as the findings describe it (management events' read/write
// scope and excluded sources, data events of whole resource types) and adds
// what is missing: management events (read and write) and all S3 object
// data events (read and write).
func (a *accountFacts) selectors(t *trailFacts, f report.Finding) *Step {
	var sels []snapshot.AdvancedSelector
	var notes []string
	seen := map[string]bool{}
	addSel := func(s snapshot.AdvancedSelector) {
		k, _ := json.Marshal(s)
		if !seen[string(k)] {
			seen[string(k)] = true
			sels = append(sels, s)
		}
	}
	for _, m := range t.Management {
		addSel(managementSelector(evString(m, "read_write_type"), evStrings(m, "exclude_management_event_sources")))
	}
	if len(t.Management) == 0 {
		addSel(managementSelector("All", nil))
	}
	cost := costManagement
	switch {
	case t.Data == nil:
		notes = append(notes, "The findings do not say which data events trail "+t.Name+" logs now: its data-event selectors are replaced. "+
			"Add them to the JSON before running (aws cloudtrail get-event-selectors --trail-name "+t.ARN+").")
	case len(t.Data) == 0:
		addSel(dataSelector("AWS::S3::Object", "All"))
		cost += " " + costDataEvents
	default:
		for _, d := range t.Data {
			if strings.HasPrefix(evString(d, "scope"), "all ") {
				addSel(dataSelector(evString(d, "type"), evString(d, "read_write_type")))
				continue
			}
			notes = append(notes, "Trail "+t.Name+" now logs "+evString(d, "type")+" data events "+evString(d, "scope")+
				" ("+evString(d, "selector")+"), which the findings do not spell out: add that selector to the JSON before running.")
		}
	}
	// free text of the evidence (excluded sources, resource types) may hold
	// DEL, C1 or bidirectional controls, which json.Marshal leaves raw
	js, _ := json.Marshal(sels) // selectors of strings always marshal
	js = escape.JSON(js)
	var names []string
	var blocks []*TFNested
	for _, s := range sels {
		names = append(names, s.Name)
		blocks = append(blocks, selectorBlock(s))
	}
	return a.add(&Step{Key: "event-selectors:" + t.ARN, Phase: PhaseTrails, Rank: 4, Region: t.Region, Resource: t.ARN,
		Title:   "log management and data events on trail " + t.Name,
		Changes: "replaces the event selectors of trail " + t.Name + " with advanced event selectors: " + strings.Join(names, "; ") + ".",
		Cost:    cost,
		Notes:   notes,
		Commands: []Command{cmd("cloudtrail", "put-event-selectors", t.Region, "--trail-name", t.ARN,
			"--advanced-event-selectors", string(js))},
		Terraform: []*TFBlock{trailBlock(t, nil, blocks...)},
	}, f)
}

// selectorBlock is s as an aws_cloudtrail advanced_event_selector block.
func selectorBlock(s snapshot.AdvancedSelector) *TFNested {
	b := &TFNested{Type: "advanced_event_selector", Repeat: true, Attrs: []TFAttr{str("name", s.Name)}}
	for _, fs := range s.FieldSelectors {
		fb := &TFNested{Type: "field_selector", Repeat: true, Attrs: []TFAttr{str("field", fs.Field)}}
		if len(fs.Equals) > 0 {
			fb.Attrs = append(fb.Attrs, strList("equals", fs.Equals...))
		}
		if len(fs.NotEquals) > 0 {
			fb.Attrs = append(fb.Attrs, strList("not_equals", fs.NotEquals...))
		}
		b.Blocks = append(b.Blocks, fb)
	}
	return b
}
