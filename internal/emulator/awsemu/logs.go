package awsemu

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// logGroup is one CloudWatch Logs log group.
type logGroup struct {
	Name, Account, Region, ARN string
	Created                    time.Time
	// RetentionInDays is 0 until PutRetentionPolicy sets it (kept forever).
	RetentionInDays int
}

// retentionDays are the values PutRetentionPolicy accepts.
var retentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

var logGroupNameRE = regexp.MustCompile(`^[\.\-_/#A-Za-z0-9]{1,512}$`)

func logGroupARN(region, account, name string) string {
	return "arn:aws:logs:" + region + ":" + account + ":log-group:" + name
}

func (s *Server) logsOps() map[string]handlerFunc {
	return map[string]handlerFunc{
		"CreateLogGroup":     s.createLogGroup,
		"DescribeLogGroups":  s.describeLogGroups,
		"PutRetentionPolicy": s.putRetentionPolicy,
	}
}

func (s *Server) putRetentionPolicy(q *request) (any, *apiError) {
	var in struct {
		LogGroupName    string
		RetentionInDays int
	}
	if e := decodeJSON(q, &in); e != nil {
		return nil, e
	}
	if !slices.Contains(retentionDays, in.RetentionInDays) {
		return nil, newErr("InvalidParameterException", "1 validation error detected: Value at 'retentionInDays' failed to satisfy constraint")
	}
	return s.locked(func() (any, *apiError) {
		g := s.st.logGroups[logGroupARN(q.region, q.account, in.LogGroupName)]
		if g == nil {
			return nil, newErr("ResourceNotFoundException", "The specified log group does not exist.")
		}
		g.RetentionInDays = in.RetentionInDays
		return struct{}{}, nil
	})
}

func (s *Server) createLogGroup(q *request) (any, *apiError) {
	var in struct{ LogGroupName string }
	if e := decodeJSON(q, &in); e != nil {
		return nil, e
	}
	if !logGroupNameRE.MatchString(in.LogGroupName) {
		return nil, newErr("InvalidParameterException", "1 validation error detected: Value '"+in.LogGroupName+"' at 'logGroupName' failed to satisfy constraint")
	}
	arn := logGroupARN(q.region, q.account, in.LogGroupName)
	return s.locked(func() (any, *apiError) {
		if s.st.logGroups[arn] != nil {
			return nil, newErr("ResourceAlreadyExistsException", "The specified log group already exists")
		}
		s.st.logGroups[arn] = &logGroup{Name: in.LogGroupName, Account: q.account, Region: q.region, ARN: arn, Created: q.now}
		return struct{}{}, nil
	})
}

type logGroupJSON struct {
	LogGroupName      string `json:"logGroupName"`
	CreationTime      int64  `json:"creationTime"`
	MetricFilterCount int    `json:"metricFilterCount"`
	Arn               string `json:"arn"`
	StoredBytes       int64  `json:"storedBytes"`
	LogGroupClass     string `json:"logGroupClass"`
	LogGroupArn       string `json:"logGroupArn"`
	RetentionInDays   int    `json:"retentionInDays,omitempty"`
}

func (s *Server) describeLogGroups(q *request) (any, *apiError) {
	var in struct {
		LogGroupNamePrefix string
		Limit              *int
		NextToken          string
	}
	if e := decodeJSON(q, &in); e != nil {
		return nil, e
	}
	limit := 50
	if in.Limit != nil {
		if *in.Limit < 1 || *in.Limit > 50 {
			return nil, newErr("InvalidParameterException", "limit must be between 1 and 50")
		}
		limit = *in.Limit
	}
	start, aerr := decodeOffsetToken(in.NextToken)
	if aerr != nil {
		return nil, newErr("InvalidParameterException", "The specified nextToken is invalid.")
	}
	var groups []*logGroup
	s.st.lock(func() {
		for _, g := range s.st.logGroups {
			if g.Account == q.account && g.Region == q.region && strings.HasPrefix(g.Name, in.LogGroupNamePrefix) {
				groups = append(groups, g)
			}
		}
	})
	sort.Slice(groups, func(i, j int) bool { return groups[i].Name < groups[j].Name })
	list := []logGroupJSON{}
	end := min(start+limit, len(groups))
	for _, g := range groups[min(start, len(groups)):end] {
		list = append(list, logGroupJSON{
			LogGroupName: g.Name, CreationTime: g.Created.UnixMilli(), Arn: g.ARN + ":*",
			LogGroupClass: "STANDARD", LogGroupArn: g.ARN, RetentionInDays: g.RetentionInDays,
		})
	}
	out := map[string]any{"logGroups": list}
	if end < len(groups) {
		out["nextToken"] = encodeOffsetToken(end)
	}
	return out, nil
}

// checkLogGroupARN validates a trail's CloudWatchLogsLogGroupArn; a group of
// the caller's account must exist. State must be locked.
func (s *Server) checkLogGroupARN(account, arn string) *apiError {
	a, ok := parseARN(arn)
	name, isGroup := strings.CutPrefix(a.Resource, "log-group:")
	name = strings.TrimSuffix(name, ":*")
	if !ok || a.Service != "logs" || !isGroup || !logGroupNameRE.MatchString(name) {
		return newErr("InvalidCloudWatchLogsLogGroupArnException", "CloudWatch Logs log group ARN "+arn+" is not valid.")
	}
	if a.Account == account && s.st.logGroups[logGroupARN(a.Region, a.Account, name)] == nil {
		return newErr("InvalidCloudWatchLogsLogGroupArnException", "CloudWatch Logs log group "+arn+" does not exist.")
	}
	return nil
}
