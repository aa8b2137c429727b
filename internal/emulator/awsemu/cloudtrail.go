package awsemu

import (
	"encoding/base64"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// DefaultMaxTrailsPerRegion is CloudTrail's quota of trails per account per
// region; a multi-region trail counts in every region.
const DefaultMaxTrailsPerRegion = 5

// listTrailsPageSize is how many trails one ListTrails page carries.
var listTrailsPageSize = 50

func (s *Server) cloudtrailOps() map[string]handlerFunc {
	return map[string]handlerFunc{
		"CreateTrail":         s.createTrail,
		"UpdateTrail":         s.updateTrail,
		"DeleteTrail":         s.deleteTrail,
		"StartLogging":        s.startLogging,
		"StopLogging":         s.stopLogging,
		"DescribeTrails":      s.describeTrails,
		"ListTrails":          s.listTrails,
		"GetTrail":            s.getTrail,
		"GetTrailStatus":      s.getTrailStatus,
		"PutEventSelectors":   s.putEventSelectors,
		"GetEventSelectors":   s.getEventSelectors,
		"PutInsightSelectors": s.putInsightSelectors,
		"GetInsightSelectors": s.getInsightSelectors,
		"AddTags":             s.addTags,
		"RemoveTags":          s.removeTags,
		"ListTags":            s.listTags,
		"LookupEvents":        s.lookupEvents,
		"ListPublicKeys":      s.listPublicKeys,
	}
}

// trail is one CloudTrail trail.
type trail struct {
	Name, Account, HomeRegion, ARN      string
	S3BucketName, S3KeyPrefix           string
	SnsTopicARN                         string
	KmsKeyARN                           string
	LogGroupArn, LogRoleArn             string
	IncludeGlobal, MultiRegion, LogFile bool
	// Organization trail: visible to member accounts.
	Org                 bool
	OrgMembers          map[string]bool
	MemberCanReadStatus bool

	Logging                       bool
	StartLoggingAt, StopLoggingAt time.Time
	Delivery                      deliveryStatus
	Logs                          logDelivery

	SelectorsPut bool
	Classic      []eventSelector
	Advanced     []advancedEventSelector
	Insights     []insightSelector
	Tags         []tag
}

// deliveryStatus is what only AWS itself sets: delivery times and errors.
type deliveryStatus struct {
	LatestDeliveryTime, LatestNotificationTime, LatestCloudWatchLogsDeliveryTime, LatestDigestDeliveryTime     time.Time
	LatestDeliveryError, LatestNotificationError, LatestCloudWatchLogsDeliveryError, LatestDigestDeliveryError string
}

type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value,omitempty"`
}

// trailJSON is types.Trail on the wire; absent fields are omitted as AWS does.
type trailJSON struct {
	Name                       *string `json:"Name,omitempty"`
	S3BucketName               *string `json:"S3BucketName,omitempty"`
	S3KeyPrefix                *string `json:"S3KeyPrefix,omitempty"`
	SnsTopicName               *string `json:"SnsTopicName,omitempty"`
	SnsTopicARN                *string `json:"SnsTopicARN,omitempty"`
	IncludeGlobalServiceEvents *bool   `json:"IncludeGlobalServiceEvents,omitempty"`
	IsMultiRegionTrail         *bool   `json:"IsMultiRegionTrail,omitempty"`
	HomeRegion                 *string `json:"HomeRegion,omitempty"`
	TrailARN                   *string `json:"TrailARN,omitempty"`
	LogFileValidationEnabled   *bool   `json:"LogFileValidationEnabled,omitempty"`
	CloudWatchLogsLogGroupArn  *string `json:"CloudWatchLogsLogGroupArn,omitempty"`
	CloudWatchLogsRoleArn      *string `json:"CloudWatchLogsRoleArn,omitempty"`
	KmsKeyId                   *string `json:"KmsKeyId,omitempty"`
	HasCustomEventSelectors    *bool   `json:"HasCustomEventSelectors,omitempty"`
	HasInsightSelectors        *bool   `json:"HasInsightSelectors,omitempty"`
	IsOrganizationTrail        *bool   `json:"IsOrganizationTrail,omitempty"`
}

// view renders the trail; describe adds the fields only Describe/GetTrail carry.
func (t *trail) view(describe bool) trailJSON {
	v := trailJSON{
		Name:                       &t.Name,
		S3BucketName:               &t.S3BucketName,
		S3KeyPrefix:                strPtr(t.S3KeyPrefix),
		IncludeGlobalServiceEvents: boolPtr(t.IncludeGlobal),
		IsMultiRegionTrail:         boolPtr(t.MultiRegion),
		TrailARN:                   &t.ARN,
		LogFileValidationEnabled:   boolPtr(t.LogFile),
		CloudWatchLogsLogGroupArn:  strPtr(t.LogGroupArn),
		CloudWatchLogsRoleArn:      strPtr(t.LogRoleArn),
		KmsKeyId:                   strPtr(t.KmsKeyARN),
		IsOrganizationTrail:        boolPtr(t.Org),
	}
	if t.SnsTopicARN != "" {
		a, _ := parseARN(t.SnsTopicARN)
		v.SnsTopicName = strPtr(a.Resource)
		v.SnsTopicARN = strPtr(t.SnsTopicARN)
	}
	if describe {
		v.HomeRegion = &t.HomeRegion
		v.HasCustomEventSelectors = boolPtr(t.SelectorsPut)
		v.HasInsightSelectors = boolPtr(len(t.Insights) > 0)
	}
	return v
}

func trailARN(region, account, name string) string {
	return "arn:aws:cloudtrail:" + region + ":" + account + ":trail/" + name
}

var trailNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{1,126}[A-Za-z0-9]$`)
var trailNameAdjacentRE = regexp.MustCompile(`[._-]{2}`)
var ipLikeRE = regexp.MustCompile(`^\d+\.\d+\.\d+\.\d+$`)

func validTrailName(name string) bool {
	return trailNameRE.MatchString(name) && !trailNameAdjacentRE.MatchString(name) && !ipLikeRE.MatchString(name)
}

// trailAccess says what a caller wants to do with a trail it names.
type trailAccess int

const (
	readTrail  trailAccess = iota // GetTrail, ListTags
	readStatus                    // GetTrailStatus, Get*Selectors: org members only when allowed
	writeTrail                    // mutating calls: owner, home region only
)

// findTrail resolves a trail name (home region only) or ARN (any region).
// The state must be locked.
func (s *Server) findTrail(q *request, nameOrARN string, access trailAccess) (*trail, *apiError) {
	if nameOrARN == "" {
		return nil, newErr("InvalidTrailNameException", "Trail name or ARN can only contain uppercase letters, lowercase letters, numbers, periods (.), hyphens (-), and underscores (_).")
	}
	if strings.HasPrefix(nameOrARN, "arn:") {
		a, ok := parseARN(nameOrARN)
		name, isTrail := strings.CutPrefix(a.Resource, "trail/")
		if !ok || a.Service != "cloudtrail" || !isTrail || !validTrailName(name) || len(a.Account) != 12 || a.Region == "" {
			return nil, newErr("CloudTrailARNInvalidException", "ARN "+nameOrARN+" is not valid.")
		}
		t := s.st.trails[nameOrARN]
		if t == nil {
			return nil, newErr("TrailNotFoundException", "Unknown trail: "+nameOrARN+" for the user: "+q.account)
		}
		if t.Account != q.account {
			member := t.Org && t.OrgMembers[q.account]
			switch {
			case !member:
				return nil, newErr("TrailNotFoundException", "Unknown trail: "+nameOrARN+" for the user: "+q.account)
			case access == writeTrail:
				return nil, newErr("NotOrganizationMasterAccountException", "This operation can be performed only by the organization's management account.")
			case access == readStatus && !t.MemberCanReadStatus:
				return nil, newErr("TrailNotFoundException", "Unknown trail: "+nameOrARN+" for the user: "+q.account)
			}
			return t, nil
		}
		if access == writeTrail && t.HomeRegion != q.region {
			return nil, newErr("InvalidHomeRegionException", "This operation must be called from the trail's home region, "+t.HomeRegion+".")
		}
		return t, nil
	}
	if !validTrailName(nameOrARN) {
		return nil, newErr("InvalidTrailNameException", "Trail name "+nameOrARN+" is not valid.")
	}
	t := s.st.trails[trailARN(q.region, q.account, nameOrARN)]
	if t == nil {
		return nil, newErr("TrailNotFoundException", "Unknown trail: "+nameOrARN+" for the user: "+q.account)
	}
	return t, nil
}

type trailInput struct {
	Name                       string
	S3BucketName               *string
	S3KeyPrefix                *string
	SnsTopicName               *string
	IncludeGlobalServiceEvents *bool
	IsMultiRegionTrail         *bool
	EnableLogFileValidation    *bool
	CloudWatchLogsLogGroupArn  *string
	CloudWatchLogsRoleArn      *string
	KmsKeyId                   *string
	IsOrganizationTrail        *bool
	TagsList                   []tag
}

func (s *Server) createTrail(q *request) (any, *apiError) {
	var in trailInput
	if e := decodeJSON(q, &in); e != nil {
		return nil, e
	}
	if !validTrailName(in.Name) {
		return nil, newErr("InvalidTrailNameException", "Trail name "+in.Name+" is not valid.")
	}
	if in.S3BucketName == nil || *in.S3BucketName == "" {
		return nil, newErr("InvalidS3BucketNameException", "S3 bucket name must be provided.")
	}
	orgTrail := in.IsOrganizationTrail != nil && *in.IsOrganizationTrail
	return s.locked(func() (any, *apiError) {
		var members map[string]bool
		if orgTrail {
			o := s.st.orgOf(q.account)
			if o == nil {
				return nil, newErr("OrganizationsNotInUseException", "This account is not a member of an organization.")
			}
			if o.management != q.account {
				return nil, newErr("NotOrganizationMasterAccountException", "This operation can be performed only by the organization's management account.")
			}
			members = o.activeMembers()
		}
		arn := trailARN(q.region, q.account, in.Name)
		exists := newErr("TrailAlreadyExistsException", "Trail "+in.Name+" already exists for customer: "+q.account)
		if s.st.trails[arn] != nil {
			return nil, exists
		}
		n := 0
		for _, t := range s.st.trailsOf[q.account] {
			if t.HomeRegion == q.region || t.MultiRegion {
				n++
			}
			if t.Name == in.Name && (t.MultiRegion || (in.IsMultiRegionTrail != nil && *in.IsMultiRegionTrail)) {
				return nil, exists
			}
		}
		if max := s.opts.MaxTrailsPerRegion; max > 0 && n >= max {
			return nil, newErr("MaximumNumberOfTrailsExceededException", "User: "+q.account+" already has "+itoa(n)+" trails in "+q.region+".")
		}
		t := &trail{Name: in.Name, Account: q.account, HomeRegion: q.region, ARN: arn, IncludeGlobal: true}
		if orgTrail {
			// Members may read an organization trail's status and selectors
			// with its ARN.
			t.Org, t.OrgMembers, t.MemberCanReadStatus = true, members, true
		}
		if aerr := s.applyTrailInput(q, t, &in); aerr != nil {
			return nil, aerr
		}
		t.Tags = mergeTags(nil, in.TagsList)
		s.st.putTrail(t)
		return t.view(false), nil
	})
}

// applyTrailInput validates and applies the settable fields. Referenced
// resources must exist: the bucket (S3BucketDoesNotExistException), the topic
// (InsufficientSnsTopicPolicyException, as CloudTrail cannot publish to a
// missing topic), the KMS key (KmsKeyNotFoundException) and the log group.
// The bucket policy is not checked. State must be locked.
func (s *Server) applyTrailInput(q *request, t *trail, in *trailInput) *apiError {
	if in.S3BucketName != nil {
		if *in.S3BucketName == "" || s.st.buckets[*in.S3BucketName] == nil {
			return newErr("S3BucketDoesNotExistException", "S3 bucket "+*in.S3BucketName+" does not exist.")
		}
		t.S3BucketName = *in.S3BucketName
	}
	if in.S3KeyPrefix != nil {
		t.S3KeyPrefix = *in.S3KeyPrefix
	}
	if in.SnsTopicName != nil {
		if *in.SnsTopicName == "" {
			t.SnsTopicARN = ""
		} else {
			arn, e := s.resolveTopicForTrail(q, *in.SnsTopicName)
			if e != nil {
				return e
			}
			t.SnsTopicARN = arn
		}
	}
	if in.KmsKeyId != nil {
		if *in.KmsKeyId == "" {
			t.KmsKeyARN = ""
		} else {
			key, e := s.resolveKey(q.account, q.region, *in.KmsKeyId, true)
			if e != nil {
				return newErr("KmsKeyNotFoundException", "KMS key "+*in.KmsKeyId+" not found.")
			}
			if key.State == "PendingDeletion" || key.State == "Disabled" {
				return newErr("KmsKeyDisabledException", "KMS key "+key.ARN+" is disabled or pending deletion.")
			}
			t.KmsKeyARN = key.ARN
		}
	}
	if in.CloudWatchLogsLogGroupArn != nil || in.CloudWatchLogsRoleArn != nil {
		group, role := t.LogGroupArn, t.LogRoleArn
		if in.CloudWatchLogsLogGroupArn != nil {
			group = *in.CloudWatchLogsLogGroupArn
		}
		if in.CloudWatchLogsRoleArn != nil {
			role = *in.CloudWatchLogsRoleArn
		}
		if group != "" {
			if e := s.checkLogGroupARN(q.account, group); e != nil {
				return e
			}
			if role == "" {
				return newErr("InvalidCloudWatchLogsRoleArnException", "You must specify a role ARN with the log group ARN.")
			}
		}
		if a, ok := parseARN(role); role != "" && (!ok || a.Service != "iam" || !strings.HasPrefix(a.Resource, "role/")) {
			return newErr("InvalidCloudWatchLogsRoleArnException", "Role ARN "+role+" is not valid.")
		}
		t.LogGroupArn, t.LogRoleArn = group, role
	}
	if in.IncludeGlobalServiceEvents != nil {
		t.IncludeGlobal = *in.IncludeGlobalServiceEvents
	}
	if in.IsMultiRegionTrail != nil {
		t.MultiRegion = *in.IsMultiRegionTrail
	}
	if t.MultiRegion && !t.IncludeGlobal {
		return newErr("InvalidParameterCombinationException", "Multi-Region trail must include global service events.")
	}
	if in.EnableLogFileValidation != nil {
		t.LogFile = *in.EnableLogFileValidation
	}
	return nil
}

func (s *Server) updateTrail(q *request) (any, *apiError) {
	var in trailInput
	if e := decodeJSON(q, &in); e != nil {
		return nil, e
	}
	return s.onTrail(q, in.Name, writeTrail, func(t *trail) (any, *apiError) {
		c := *t
		if aerr := s.applyTrailInput(q, &c, &in); aerr != nil {
			return nil, aerr
		}
		*t = c
		return t.view(false), nil
	})
}

// withTrail decodes {"Name": ...}, finds the trail and runs fn on it locked.
func (s *Server) withTrail(q *request, access trailAccess, fn func(t *trail) (any, *apiError)) (any, *apiError) {
	var in struct {
		Name      string
		TrailName string
	}
	if e := decodeJSON(q, &in); e != nil {
		return nil, e
	}
	name := in.Name
	if name == "" {
		name = in.TrailName
	}
	return s.onTrail(q, name, access, fn)
}

// onTrail finds the trail named by nameOrARN and runs fn on it locked.
func (s *Server) onTrail(q *request, nameOrARN string, access trailAccess, fn func(t *trail) (any, *apiError)) (any, *apiError) {
	return s.locked(func() (any, *apiError) {
		t, aerr := s.findTrail(q, nameOrARN, access)
		if aerr != nil {
			return nil, aerr
		}
		return fn(t)
	})
}

func (s *Server) deleteTrail(q *request) (any, *apiError) {
	return s.withTrail(q, writeTrail, func(t *trail) (any, *apiError) {
		s.st.dropTrail(t)
		return struct{}{}, nil
	})
}

func (s *Server) startLogging(q *request) (any, *apiError) {
	return s.withTrail(q, writeTrail, func(t *trail) (any, *apiError) {
		if !t.Logging {
			t.Logging = true
			t.StartLoggingAt = s.st.loggingTime(q.now)
			t.Logs.start(s.st.clock.now())
		}
		return struct{}{}, nil
	})
}

func (s *Server) stopLogging(q *request) (any, *apiError) {
	return s.withTrail(q, writeTrail, func(t *trail) (any, *apiError) {
		if t.Logging {
			t.Logging = false
			t.StopLoggingAt = s.st.loggingTime(q.now)
			t.Logs.stop()
		}
		return struct{}{}, nil
	})
}

func (s *Server) getTrail(q *request) (any, *apiError) {
	return s.withTrail(q, readTrail, func(t *trail) (any, *apiError) {
		return map[string]any{"Trail": t.view(true)}, nil
	})
}

type trailStatusJSON struct {
	IsLogging                         bool       `json:"IsLogging"`
	LatestDeliveryError               string     `json:"LatestDeliveryError,omitempty"`
	LatestNotificationError           string     `json:"LatestNotificationError,omitempty"`
	LatestDeliveryTime                *epochTime `json:"LatestDeliveryTime,omitempty"`
	LatestNotificationTime            *epochTime `json:"LatestNotificationTime,omitempty"`
	StartLoggingTime                  *epochTime `json:"StartLoggingTime,omitempty"`
	StopLoggingTime                   *epochTime `json:"StopLoggingTime,omitempty"`
	LatestCloudWatchLogsDeliveryError string     `json:"LatestCloudWatchLogsDeliveryError,omitempty"`
	LatestCloudWatchLogsDeliveryTime  *epochTime `json:"LatestCloudWatchLogsDeliveryTime,omitempty"`
	LatestDigestDeliveryTime          *epochTime `json:"LatestDigestDeliveryTime,omitempty"`
	LatestDigestDeliveryError         string     `json:"LatestDigestDeliveryError,omitempty"`
	TimeLoggingStarted                string     `json:"TimeLoggingStarted,omitempty"`
	TimeLoggingStopped                string     `json:"TimeLoggingStopped,omitempty"`
}

// getTrailStatus reports only what happened: times that were never set and
// errors that do not exist are absent, never "now" or "".
func (s *Server) getTrailStatus(q *request) (any, *apiError) {
	return s.withTrail(q, readStatus, func(t *trail) (any, *apiError) {
		d := t.Delivery
		out := trailStatusJSON{
			IsLogging:                         t.Logging,
			LatestDeliveryError:               d.LatestDeliveryError,
			LatestNotificationError:           d.LatestNotificationError,
			LatestDeliveryTime:                epoch(d.LatestDeliveryTime),
			LatestNotificationTime:            epoch(d.LatestNotificationTime),
			StartLoggingTime:                  epoch(t.StartLoggingAt),
			StopLoggingTime:                   epoch(t.StopLoggingAt),
			LatestCloudWatchLogsDeliveryError: d.LatestCloudWatchLogsDeliveryError,
			LatestCloudWatchLogsDeliveryTime:  epoch(d.LatestCloudWatchLogsDeliveryTime),
			LatestDigestDeliveryTime:          epoch(d.LatestDigestDeliveryTime),
			LatestDigestDeliveryError:         d.LatestDigestDeliveryError,
		}
		if !t.StartLoggingAt.IsZero() {
			out.TimeLoggingStarted = t.StartLoggingAt.UTC().Format(time.RFC3339)
		}
		if !t.StopLoggingAt.IsZero() {
			out.TimeLoggingStopped = t.StopLoggingAt.UTC().Format(time.RFC3339)
		}
		return out, nil
	})
}

// visibleTrails are the trails DescribeTrails shows in q's region: the
// account's own trails homed there, its multi-region trails homed elsewhere
// (shadow trails) and organization trails of which the account is a member.
// The state must be locked.
func (s *Server) visibleTrails(q *request, shadows bool) []*trail {
	var out []*trail
	for _, t := range s.st.trailsVisibleTo(q.account) {
		if t.HomeRegion == q.region || (shadows && t.MultiRegion) {
			out = append(out, t)
		}
	}
	sortTrails(out)
	return out
}

func sortTrails(ts []*trail) {
	sort.Slice(ts, func(i, j int) bool {
		if ts[i].Name != ts[j].Name {
			return ts[i].Name < ts[j].Name
		}
		return ts[i].ARN < ts[j].ARN
	})
}

func (s *Server) describeTrails(q *request) (any, *apiError) {
	var in struct {
		TrailNameList       []string
		IncludeShadowTrails *bool
	}
	if e := decodeJSON(q, &in); e != nil {
		return nil, e
	}
	shadows := in.IncludeShadowTrails == nil || *in.IncludeShadowTrails
	for _, n := range in.TrailNameList {
		if strings.HasPrefix(n, "arn:") {
			if a, ok := parseARN(n); !ok || a.Service != "cloudtrail" || !strings.HasPrefix(a.Resource, "trail/") {
				return nil, newErr("CloudTrailARNInvalidException", "ARN "+n+" is not valid.")
			}
		} else if !validTrailName(n) {
			return nil, newErr("InvalidTrailNameException", "Trail name "+n+" is not valid.")
		}
	}
	return s.locked(func() (any, *apiError) {
		list := []trailJSON{}
		for _, t := range s.visibleTrails(q, shadows) {
			if len(in.TrailNameList) > 0 && !contains(in.TrailNameList, t.Name) && !contains(in.TrailNameList, t.ARN) {
				continue
			}
			list = append(list, t.view(true))
		}
		return map[string]any{"trailList": list}, nil
	})
}

type trailInfoJSON struct {
	TrailARN   string `json:"TrailARN"`
	Name       string `json:"Name"`
	HomeRegion string `json:"HomeRegion"`
}

// listTrails lists every trail of the account (and organization trails it is
// a member of), whatever the home region, 50 a page.
func (s *Server) listTrails(q *request) (any, *apiError) {
	var in struct{ NextToken string }
	if e := decodeJSON(q, &in); e != nil {
		return nil, e
	}
	start, aerr := decodeOffsetToken(in.NextToken)
	if aerr != nil {
		return nil, aerr
	}
	var all []*trail
	s.st.lock(func() { all = s.st.trailsVisibleTo(q.account) })
	sortTrails(all)
	out := map[string]any{}
	infos := []trailInfoJSON{}
	end := min(start+listTrailsPageSize, len(all))
	for _, t := range all[min(start, len(all)):end] {
		infos = append(infos, trailInfoJSON{TrailARN: t.ARN, Name: t.Name, HomeRegion: t.HomeRegion})
	}
	out["Trails"] = infos
	if end < len(all) {
		out["NextToken"] = encodeOffsetToken(end)
	}
	return out, nil
}

func encodeOffsetToken(n int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(n)))
}

func decodeOffsetToken(tok string) (int, *apiError) {
	if tok == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	n, err2 := strconv.Atoi(strings.TrimPrefix(string(b), "offset:"))
	if err != nil || err2 != nil || n < 0 {
		return 0, newErr("InvalidNextTokenException", "Invalid NextToken.")
	}
	return n, nil
}

func mergeTags(cur, add []tag) []tag {
	for _, a := range add {
		replaced := false
		for i := range cur {
			if cur[i].Key == a.Key {
				cur[i].Value = a.Value
				replaced = true
			}
		}
		if !replaced {
			cur = append(cur, a)
		}
	}
	return cur
}

type tagsInput struct {
	ResourceId string
	TagsList   []tag
}

func (s *Server) addTags(q *request) (any, *apiError) {
	var in tagsInput
	if e := decodeJSON(q, &in); e != nil {
		return nil, e
	}
	for _, tg := range in.TagsList {
		if tg.Key == "" || strings.HasPrefix(tg.Key, "aws:") {
			return nil, newErr("InvalidTagParameterException", "Tag key "+tg.Key+" is not valid.")
		}
	}
	return s.onTrail(q, in.ResourceId, writeTrail, func(t *trail) (any, *apiError) {
		if len(mergeTags(append([]tag(nil), t.Tags...), in.TagsList)) > 50 {
			return nil, newErr("TagsLimitExceededException", "The number of tags is over the limit of 50.")
		}
		t.Tags = mergeTags(t.Tags, in.TagsList)
		return struct{}{}, nil
	})
}

func (s *Server) removeTags(q *request) (any, *apiError) {
	var in tagsInput
	if e := decodeJSON(q, &in); e != nil {
		return nil, e
	}
	return s.onTrail(q, in.ResourceId, writeTrail, func(t *trail) (any, *apiError) {
		kept := t.Tags[:0]
		for _, cur := range t.Tags {
			drop := false
			for _, r := range in.TagsList {
				if r.Key == cur.Key && (r.Value == "" || r.Value == cur.Value) {
					drop = true
				}
			}
			if !drop {
				kept = append(kept, cur)
			}
		}
		t.Tags = kept
		return struct{}{}, nil
	})
}

func (s *Server) listTags(q *request) (any, *apiError) {
	var in struct{ ResourceIdList []string }
	if e := decodeJSON(q, &in); e != nil {
		return nil, e
	}
	type resourceTag struct {
		ResourceId string `json:"ResourceId"`
		TagsList   []tag  `json:"TagsList"`
	}
	for _, id := range in.ResourceIdList {
		if !strings.HasPrefix(id, "arn:") {
			return nil, newErr("CloudTrailARNInvalidException", "ARN "+id+" is not valid.")
		}
	}
	return s.locked(func() (any, *apiError) {
		out := []resourceTag{}
		for _, id := range in.ResourceIdList {
			t, aerr := s.findTrail(q, id, readTrail)
			if aerr != nil {
				return nil, newErr("ResourceNotFoundException", "Resource "+id+" not found.")
			}
			out = append(out, resourceTag{ResourceId: t.ARN, TagsList: append([]tag{}, t.Tags...)})
		}
		return map[string]any{"ResourceTagList": out}, nil
	})
}
