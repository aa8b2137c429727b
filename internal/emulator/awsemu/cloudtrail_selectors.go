package awsemu

import "strings"

// eventSelector is a classic event selector (types.EventSelector).
type eventSelector struct {
	ReadWriteType                 string         `json:"ReadWriteType"`
	IncludeManagementEvents       *bool          `json:"IncludeManagementEvents"`
	DataResources                 []dataResource `json:"DataResources"`
	ExcludeManagementEventSources []string       `json:"ExcludeManagementEventSources"`
}

type dataResource struct {
	Type   string   `json:"Type,omitempty"`
	Values []string `json:"Values"`
}

// advancedEventSelector is types.AdvancedEventSelector.
type advancedEventSelector struct {
	Name           string                  `json:"Name,omitempty"`
	FieldSelectors []advancedFieldSelector `json:"FieldSelectors"`
}

type advancedFieldSelector struct {
	Field         string   `json:"Field"`
	Equals        []string `json:"Equals,omitempty"`
	StartsWith    []string `json:"StartsWith,omitempty"`
	EndsWith      []string `json:"EndsWith,omitempty"`
	NotEquals     []string `json:"NotEquals,omitempty"`
	NotStartsWith []string `json:"NotStartsWith,omitempty"`
	NotEndsWith   []string `json:"NotEndsWith,omitempty"`
}

type insightSelector struct {
	InsightType string `json:"InsightType"`
}

// defaultEventSelectors is what GetEventSelectors answers for a trail that
// never had selectors put: all management events, no data events.
func defaultEventSelectors() []eventSelector {
	return []eventSelector{{
		ReadWriteType:                 "All",
		IncludeManagementEvents:       boolPtr(true),
		DataResources:                 []dataResource{},
		ExcludeManagementEventSources: []string{},
	}}
}

var dataResourceTypes = map[string]bool{
	"AWS::S3::Object": true, "AWS::Lambda::Function": true, "AWS::DynamoDB::Table": true,
}

var advancedFields = map[string]bool{
	"eventCategory": true, "eventSource": true, "eventName": true, "eventType": true,
	"readOnly": true, "resources.type": true, "resources.ARN": true, "errorCode": true,
	"sessionCredentialFromConsole": true, "userIdentity.arn": true, "vpcEndpointId": true,
}

// normalizeClassic validates classic selectors and fills AWS's defaults.
func normalizeClassic(in []eventSelector) ([]eventSelector, *apiError) {
	if len(in) > 5 {
		return nil, newErr("InvalidEventSelectorsException", "A trail can have at most 5 event selectors.")
	}
	out := make([]eventSelector, 0, len(in))
	for _, es := range in {
		switch es.ReadWriteType {
		case "":
			es.ReadWriteType = "All"
		case "All", "ReadOnly", "WriteOnly":
		default:
			return nil, newErr("InvalidEventSelectorsException", "Invalid ReadWriteType "+es.ReadWriteType+".")
		}
		if es.IncludeManagementEvents == nil {
			es.IncludeManagementEvents = boolPtr(true)
		}
		if es.DataResources == nil {
			es.DataResources = []dataResource{}
		}
		for i, dr := range es.DataResources {
			if !dataResourceTypes[dr.Type] {
				return nil, newErr("InvalidEventSelectorsException", "Value "+dr.Type+" for parameter DataResources.Type is not valid.")
			}
			if dr.Values == nil {
				es.DataResources[i].Values = []string{}
			}
			for _, v := range dr.Values {
				if dr.Type == "AWS::S3::Object" && !strings.HasPrefix(v, "arn:aws:s3") {
					return nil, newErr("InvalidEventSelectorsException", "Value "+v+" for DataResources.Values is not valid.")
				}
			}
		}
		if es.ExcludeManagementEventSources == nil {
			es.ExcludeManagementEventSources = []string{}
		}
		for _, src := range es.ExcludeManagementEventSources {
			if src != "kms.amazonaws.com" && src != "rdsdata.amazonaws.com" {
				return nil, newErr("InvalidEventSelectorsException", "Excluded management event source "+src+" is not supported.")
			}
		}
		out = append(out, es)
	}
	return out, nil
}

func validateAdvanced(in []advancedEventSelector) *apiError {
	if len(in) == 0 || len(in) > 5 {
		return newErr("InvalidEventSelectorsException", "A trail can have 1 to 5 advanced event selectors.")
	}
	for _, sel := range in {
		category := false
		for _, f := range sel.FieldSelectors {
			if !advancedFields[f.Field] {
				return newErr("InvalidEventSelectorsException", "Field "+f.Field+" is not valid.")
			}
			if f.Field == "eventCategory" {
				if len(f.Equals) != 1 || !contains([]string{"Management", "Data", "NetworkActivity"}, f.Equals[0]) {
					return newErr("InvalidEventSelectorsException", "eventCategory must use Equals with Management, Data or NetworkActivity.")
				}
				category = true
			}
		}
		if !category {
			return newErr("InvalidEventSelectorsException", "Each advanced event selector needs an eventCategory field selector.")
		}
	}
	return nil
}

type eventSelectorsJSON struct {
	TrailARN               string                  `json:"TrailARN"`
	EventSelectors         []eventSelector         `json:"EventSelectors,omitempty"`
	AdvancedEventSelectors []advancedEventSelector `json:"AdvancedEventSelectors,omitempty"`
}

func (t *trail) selectorsView() eventSelectorsJSON {
	out := eventSelectorsJSON{TrailARN: t.ARN}
	switch {
	case t.Advanced != nil:
		out.AdvancedEventSelectors = t.Advanced
	case t.Classic != nil:
		out.EventSelectors = t.Classic
	default:
		out.EventSelectors = defaultEventSelectors()
	}
	return out
}

// putEventSelectors stores classic or advanced selectors; one kind replaces
// the other, as on AWS.
func (s *Server) putEventSelectors(q *request) (any, *apiError) {
	var in struct {
		TrailName              string
		EventSelectors         []eventSelector
		AdvancedEventSelectors []advancedEventSelector
	}
	if e := decodeJSON(q, &in); e != nil {
		return nil, e
	}
	if (in.EventSelectors == nil) == (in.AdvancedEventSelectors == nil) {
		return nil, newErr("InvalidParameterCombinationException", "Specify either EventSelectors or AdvancedEventSelectors, not both or neither.")
	}
	var classic []eventSelector
	if in.EventSelectors != nil {
		var e *apiError
		if classic, e = normalizeClassic(in.EventSelectors); e != nil {
			return nil, e
		}
	} else if e := validateAdvanced(in.AdvancedEventSelectors); e != nil {
		return nil, e
	}
	return s.onTrail(q, in.TrailName, writeTrail, func(t *trail) (any, *apiError) {
		t.SelectorsPut = true
		t.Classic, t.Advanced = classic, in.AdvancedEventSelectors
		return t.selectorsView(), nil
	})
}

func (s *Server) getEventSelectors(q *request) (any, *apiError) {
	return s.withTrail(q, readStatus, func(t *trail) (any, *apiError) {
		return t.selectorsView(), nil
	})
}

func (s *Server) putInsightSelectors(q *request) (any, *apiError) {
	var in struct {
		TrailName        string
		InsightSelectors []insightSelector
	}
	if e := decodeJSON(q, &in); e != nil {
		return nil, e
	}
	for _, is := range in.InsightSelectors {
		if is.InsightType != "ApiCallRateInsight" && is.InsightType != "ApiErrorRateInsight" {
			return nil, newErr("InvalidInsightSelectorsException", "Insight type "+is.InsightType+" is not valid.")
		}
	}
	return s.onTrail(q, in.TrailName, writeTrail, func(t *trail) (any, *apiError) {
		t.Insights = append([]insightSelector{}, in.InsightSelectors...)
		return map[string]any{"TrailARN": t.ARN, "InsightSelectors": t.Insights}, nil
	})
}

func (s *Server) getInsightSelectors(q *request) (any, *apiError) {
	return s.withTrail(q, readStatus, func(t *trail) (any, *apiError) {
		if len(t.Insights) == 0 {
			return nil, newErr("InsightNotEnabledException", "Trail "+t.ARN+" does not have Insights enabled.")
		}
		return map[string]any{"TrailARN": t.ARN, "InsightSelectors": t.Insights}, nil
	})
}
