package awsemu

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Event history: every mutating CloudTrail call (CreateTrail, UpdateTrail,
// DeleteTrail, StartLogging, StopLogging, PutEventSelectors,
// PutInsightSelectors, AddTags, RemoveTags), successful or not, becomes a
// management event in the region it was called in, served by LookupEvents.
// AWS also records read-only calls; the emulator does not, so that
// LookupEvents answers stay small and only configuration changes appear.

// eventHistory is how far back LookupEvents can see.
const eventHistory = 90 * 24 * time.Hour

// lookupEventsMaxResults is LookupEvents' page limit.
const lookupEventsMaxResults = 50

var mutatingTrailOps = map[string]bool{
	"CreateTrail": true, "UpdateTrail": true, "DeleteTrail": true,
	"StartLogging": true, "StopLogging": true, "PutEventSelectors": true,
	"PutInsightSelectors": true, "AddTags": true, "RemoveTags": true,
}

// trailEvent is one recorded CloudTrail event.
type trailEvent struct {
	ID, Name, Source string
	Time             time.Time
	ReadOnly         bool
	AccessKeyID      string
	Username         string
	ResourceType     string
	ResourceName     string
	Raw              string // the CloudTrailEvent JSON document
}

func eventsKey(account, region string) string { return account + "|" + region }

// recordTrailEvent records a mutating CloudTrail call as an event.
func (s *Server) recordTrailEvent(q *request, out any, aerr *apiError) {
	var params map[string]any
	_ = json.Unmarshal(q.body, &params)
	resource := ""
	for _, k := range []string{"Name", "TrailName", "ResourceId"} {
		if v, ok := params[k].(string); ok && v != "" {
			resource = v
			break
		}
	}
	var resp any
	if aerr == nil {
		if m, ok := toJSONValue(out).(map[string]any); ok {
			if arn, ok := m["TrailARN"].(string); ok {
				resource = arn
			}
			if len(m) > 0 {
				resp = lowerCamel(m)
			}
		}
	}
	ev := EventInput{
		AccountID:    q.account,
		Region:       q.region,
		EventName:    q.op,
		EventSource:  "cloudtrail.amazonaws.com",
		EventTime:    q.now,
		AccessKeyID:  q.accessKey,
		SourceIP:     q.sourceIP,
		UserAgent:    q.userAgent,
		ResourceName: resource,
		RequestID:    q.requestID,
		Request:      lowerCamel(toJSONValue(params)),
		Response:     resp,
	}
	if aerr != nil {
		ev.ErrorCode, ev.ErrorMessage = aerr.Code, aerr.Message
	}
	s.AddEvent(ev)
}

// EventInput describes a CloudTrail event to add to the event history (used
// for the emulator's own write calls and by tests that need old events).
type EventInput struct {
	AccountID    string    `json:"account_id"`
	Region       string    `json:"region"`
	EventName    string    `json:"event_name"`
	EventSource  string    `json:"event_source"` // default cloudtrail.amazonaws.com
	EventTime    time.Time `json:"event_time"`   // default now
	AccessKeyID  string    `json:"access_key_id,omitempty"`
	UserName     string    `json:"user_name,omitempty"` // default "emulator"
	SourceIP     string    `json:"source_ip,omitempty"`
	UserAgent    string    `json:"user_agent,omitempty"`
	ResourceName string    `json:"resource_name,omitempty"`
	ReadOnly     bool      `json:"read_only,omitempty"`
	ErrorCode    string    `json:"error_code,omitempty"`
	ErrorMessage string    `json:"error_message,omitempty"`
	RequestID    string    `json:"request_id,omitempty"`
	Request      any       `json:"request_parameters,omitempty"`
	Response     any       `json:"response_elements,omitempty"`
}

// AddEvent adds an event to the account's event history in its region.
func (s *Server) AddEvent(in EventInput) {
	if in.EventSource == "" {
		in.EventSource = "cloudtrail.amazonaws.com"
	}
	if in.EventTime.IsZero() {
		in.EventTime = time.Now()
	}
	if in.UserName == "" {
		in.UserName = callerUserName
	}
	if in.RequestID == "" {
		in.RequestID = newRequestID()
	}
	if in.SourceIP == "" {
		in.SourceIP = "127.0.0.1"
	}
	// CloudTrail records event times in whole seconds (eventTime and
	// LookupEvents' EventTime): an event is never later than an EndTime read
	// after it, even once the SDK has cut that EndTime to milliseconds.
	t := in.EventTime.UTC().Truncate(time.Second)
	id := newRequestID()
	doc := map[string]any{
		"eventVersion": "1.09",
		"userIdentity": map[string]any{
			"type":        "IAMUser",
			"principalId": callerUserID(in.AccountID),
			"arn":         "arn:aws:iam::" + in.AccountID + ":user/" + in.UserName,
			"accountId":   in.AccountID,
			"accessKeyId": in.AccessKeyID,
			"userName":    in.UserName,
		},
		"eventTime":          t.Format("2006-01-02T15:04:05Z"),
		"eventSource":        in.EventSource,
		"eventName":          in.EventName,
		"awsRegion":          in.Region,
		"sourceIPAddress":    in.SourceIP,
		"userAgent":          in.UserAgent,
		"requestParameters":  in.Request,
		"responseElements":   in.Response,
		"requestID":          in.RequestID,
		"eventID":            id,
		"readOnly":           in.ReadOnly,
		"eventType":          "AwsApiCall",
		"managementEvent":    true,
		"recipientAccountId": in.AccountID,
		"eventCategory":      "Management",
	}
	if in.ErrorCode != "" {
		doc["errorCode"] = in.ErrorCode
		doc["errorMessage"] = in.ErrorMessage
	}
	raw, _ := json.Marshal(doc)
	ev := &trailEvent{
		ID: id, Name: in.EventName, Source: in.EventSource, Time: t, ReadOnly: in.ReadOnly,
		AccessKeyID: in.AccessKeyID, Username: in.UserName, ResourceName: in.ResourceName,
		Raw: string(raw),
	}
	if in.ResourceName != "" && in.EventSource == "cloudtrail.amazonaws.com" {
		ev.ResourceType = "AWS::CloudTrail::Trail"
	}
	s.st.lock(func() {
		k := eventsKey(in.AccountID, in.Region)
		s.st.events[k] = append(s.st.events[k], ev)
	})
}

// lookupLimiter is a token bucket per account and region.
type lookupLimiter struct {
	mu       sync.Mutex
	rate     float64
	limiters map[string]*rate.Limiter
}

func (l *lookupLimiter) init(r float64) {
	l.rate = r
	l.limiters = map[string]*rate.Limiter{}
}

func (l *lookupLimiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rate < 0 {
		return true
	}
	lim := l.limiters[key]
	if lim == nil {
		lim = rate.NewLimiter(rate.Limit(l.rate), int(math.Max(1, math.Ceil(l.rate))))
		l.limiters[key] = lim
	}
	return lim.Allow()
}

// SetLookupEventsRate changes the LookupEvents rate (requests per second per
// account and region; negative = unlimited) and refills every bucket.
func (s *Server) SetLookupEventsRate(r float64) {
	s.lookups.mu.Lock()
	defer s.lookups.mu.Unlock()
	if r == 0 {
		r = DefaultLookupEventsRate
	}
	s.lookups.rate = r
	s.lookups.limiters = map[string]*rate.Limiter{}
}

type lookupEventJSON struct {
	EventId         string         `json:"EventId"`
	EventName       string         `json:"EventName"`
	ReadOnly        string         `json:"ReadOnly"`
	AccessKeyId     string         `json:"AccessKeyId,omitempty"`
	EventTime       *epochTime     `json:"EventTime"`
	EventSource     string         `json:"EventSource"`
	Username        string         `json:"Username,omitempty"`
	Resources       []resourceJSON `json:"Resources"`
	CloudTrailEvent string         `json:"CloudTrailEvent"`
}

type resourceJSON struct {
	ResourceType string `json:"ResourceType,omitempty"`
	ResourceName string `json:"ResourceName,omitempty"`
}

var lookupAttributeKeys = map[string]func(e *trailEvent) []string{
	"EventId":      func(e *trailEvent) []string { return []string{e.ID} },
	"EventName":    func(e *trailEvent) []string { return []string{e.Name} },
	"ReadOnly":     func(e *trailEvent) []string { return []string{boolString(e.ReadOnly)} },
	"Username":     func(e *trailEvent) []string { return []string{e.Username} },
	"ResourceType": func(e *trailEvent) []string { return []string{e.ResourceType} },
	"ResourceName": func(e *trailEvent) []string { return []string{e.ResourceName} },
	"EventSource":  func(e *trailEvent) []string { return []string{e.Source} },
	"AccessKeyId":  func(e *trailEvent) []string { return []string{e.AccessKeyID} },
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// lookupEvents serves the event history: newest first, at most 50 a page,
// one lookup attribute, 90 days, and AWS's rate limit per account and region.
func (s *Server) lookupEvents(q *request) (any, *apiError) {
	if !s.lookups.allow(eventsKey(q.account, q.region)) {
		return nil, newErr("ThrottlingException", "Rate exceeded")
	}
	var in struct {
		LookupAttributes []struct{ AttributeKey, AttributeValue string }
		StartTime        *epochTime
		EndTime          *epochTime
		EventCategory    string
		MaxResults       *int
		NextToken        string
	}
	if e := decodeJSON(q, &in); e != nil {
		return nil, e
	}
	if len(in.LookupAttributes) > 1 {
		return nil, newErr("InvalidLookupAttributesException", "You cannot specify more than one lookup attribute.")
	}
	var match func(e *trailEvent) bool
	if len(in.LookupAttributes) == 1 {
		a := in.LookupAttributes[0]
		get, ok := lookupAttributeKeys[a.AttributeKey]
		if !ok {
			return nil, newErr("InvalidLookupAttributesException", "Lookup attribute key "+a.AttributeKey+" is not valid.")
		}
		match = func(e *trailEvent) bool { return contains(get(e), a.AttributeValue) }
	}
	if in.EventCategory != "" && in.EventCategory != "insight" {
		return nil, newErr("InvalidEventCategoryException", "Event category "+in.EventCategory+" is not valid.")
	}
	limit := lookupEventsMaxResults
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > lookupEventsMaxResults {
			return nil, newErr("InvalidMaxResultsException", "MaxResults must be between 1 and 50.")
		}
		limit = *in.MaxResults
	}
	oldest := q.now.Add(-eventHistory)
	start, end := oldest, q.now.Add(time.Minute)
	if in.StartTime != nil && in.StartTime.After(start) {
		start = in.StartTime.Time
	}
	if in.EndTime != nil {
		end = in.EndTime.Time
	}
	if in.StartTime != nil && in.EndTime != nil && in.StartTime.After(in.EndTime.Time) {
		return nil, newErr("InvalidTimeRangeException", "StartTime must be before EndTime.")
	}
	var events []*trailEvent
	s.st.lock(func() {
		// newest recorded first, so that events of the same second keep
		// the order they happened in, newest first, on every page
		recorded := s.st.events[eventsKey(q.account, q.region)]
		for i := len(recorded) - 1; i >= 0; i-- {
			e := recorded[i]
			if in.EventCategory == "insight" {
				continue
			}
			if e.Time.Before(start) || e.Time.After(end) || (match != nil && !match(e)) {
				continue
			}
			events = append(events, e)
		}
	})
	sort.SliceStable(events, func(i, j int) bool { return events[i].Time.After(events[j].Time) })
	from := 0
	if in.NextToken != "" {
		id, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		from = -1
		if err == nil {
			for i, e := range events {
				if e.ID == string(id) {
					from = i
				}
			}
		}
		if from < 0 {
			return nil, newErr("InvalidNextTokenException", "Invalid NextToken.")
		}
	}
	out := map[string]any{}
	list := []lookupEventJSON{}
	to := min(from+limit, len(events))
	for _, e := range events[from:to] {
		le := lookupEventJSON{
			EventId: e.ID, EventName: e.Name, ReadOnly: boolString(e.ReadOnly), AccessKeyId: e.AccessKeyID,
			EventTime: epoch(e.Time), EventSource: e.Source, Username: e.Username,
			Resources: []resourceJSON{}, CloudTrailEvent: e.Raw,
		}
		if e.ResourceName != "" {
			le.Resources = append(le.Resources, resourceJSON{ResourceType: e.ResourceType, ResourceName: e.ResourceName})
		}
		list = append(list, le)
	}
	out["Events"] = list
	if to < len(events) {
		out["NextToken"] = base64.RawURLEncoding.EncodeToString([]byte(events[to].ID))
	}
	return out, nil
}

// BackdateEvents moves every event recorded so far for the account (all
// regions) back by age, so tests can place changes outside a lookback window.
func (s *Server) BackdateEvents(accountID string, age time.Duration) {
	s.st.lock(func() {
		for k, evs := range s.st.events {
			if !strings.HasPrefix(k, accountID+"|") {
				continue
			}
			for _, e := range evs {
				e.Time = e.Time.Add(-age).Truncate(time.Second)
				var doc map[string]any
				if json.Unmarshal([]byte(e.Raw), &doc) == nil {
					doc["eventTime"] = e.Time.Format("2006-01-02T15:04:05Z")
					if b, err := json.Marshal(doc); err == nil {
						e.Raw = string(b)
					}
				}
			}
		}
	})
}
