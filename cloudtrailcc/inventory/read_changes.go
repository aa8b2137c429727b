package inventory

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	ctypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// lookupEventsPageSize is the most events LookupEvents returns per page.
const lookupEventsPageSize = 50

// changeList is the LookupEvents fact over a set of regions.
type changeList struct {
	Events     []*snapshot.ConfigChangeEvent
	Errs       map[string]*snapshot.ReadError
	Start, End time.Time
}

// fillConfigChanges reads the CloudTrail configuration-change events of the
// lookback window in every evaluated region.
func (c *Collector) fillConfigChanges(ctx context.Context, acct *snapshot.Account) error {
	regions := acct.Regions
	v, err := c.cache.get(ctx, "cloudtrail:LookupEvents "+strings.Join(regions, ","), func(ctx context.Context) (any, error) {
		end := time.Now().UTC()
		start := end.Add(-c.cfg.ConfigChangeLookback)
		found := make([][]*snapshot.ConfigChangeEvent, len(regions))
		errs := make([]*snapshot.ReadError, len(regions))
		tasks := make([]func(context.Context) error, len(regions))
		for i, region := range regions {
			tasks[i] = func(ctx context.Context) error {
				var err error
				found[i], err = c.lookupChanges(ctx, region, start)
				if err != nil {
					errs[i], err = failure(ctx, "cloudtrail:LookupEvents", err)
				}
				return err
			}
		}
		if err := c.parallel(ctx, "config changes", tasks); err != nil {
			return nil, err
		}
		list := changeList{Errs: map[string]*snapshot.ReadError{}, Start: start, End: end}
		for i := range regions {
			list.Events = append(list.Events, found[i]...)
			if errs[i] != nil {
				list.Errs[regions[i]] = errs[i]
			}
		}
		// Newest first; events of one time keep LookupEvents' order.
		slices.SortStableFunc(list.Events, func(a, b *snapshot.ConfigChangeEvent) int {
			return b.EventTime.Compare(a.EventTime)
		})
		return list, nil
	})
	if err != nil {
		return err
	}
	list := v.(changeList)
	acct.ConfigChanges = slices.Clone(list.Events)
	if len(list.Errs) > 0 {
		acct.ConfigChangeErrors = maps.Clone(list.Errs)
	}
	acct.ConfigChangeWindowStart, acct.ConfigChangeWindowEnd = list.Start, list.End
	acct.ConfigChangeEventNames = slices.Clone(c.eventNames)
	return nil
}

// lookupChanges pages through LookupEvents (EventSource
// cloudtrail.amazonaws.com) in one region and keeps the change events. On
// error it returns the events read so far with the error.
func (c *Collector) lookupChanges(ctx context.Context, region string, start time.Time) ([]*snapshot.ConfigChangeEvent, error) {
	var events []*snapshot.ConfigChangeEvent
	p := cloudtrail.NewLookupEventsPaginator(c.cloudtrail(region), &cloudtrail.LookupEventsInput{
		LookupAttributes: []ctypes.LookupAttribute{{
			AttributeKey:   ctypes.LookupAttributeKeyEventSource,
			AttributeValue: aws.String("cloudtrail.amazonaws.com"),
		}},
		// No EndTime: the service's "now" ends the window, so events of the
		// last moments are not lost to clock skew or timestamp rounding.
		StartTime:  aws.Time(start),
		MaxResults: aws.Int32(lookupEventsPageSize),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return events, err
		}
		for _, e := range page.Events {
			if slices.Contains(c.eventNames, aws.ToString(e.EventName)) {
				events = append(events, changeEvent(e, region))
			}
		}
	}
	return events, nil
}

// cloudTrailEvent is the part of an event's CloudTrailEvent JSON we keep.
type cloudTrailEvent struct {
	AWSRegion    string `json:"awsRegion"`
	UserIdentity struct {
		Type        string `json:"type"`
		ARN         string `json:"arn"`
		UserName    string `json:"userName"`
		AccessKeyID string `json:"accessKeyId"`
	} `json:"userIdentity"`
	SourceIPAddress   string          `json:"sourceIPAddress"`
	UserAgent         string          `json:"userAgent"`
	RequestParameters json.RawMessage `json:"requestParameters"`
	ErrorCode         string          `json:"errorCode"`
	ErrorMessage      string          `json:"errorMessage"`
}

// changeEvent converts one LookupEvents event seen in region.
func changeEvent(e ctypes.Event, region string) *snapshot.ConfigChangeEvent {
	ev := &snapshot.ConfigChangeEvent{
		EventID:     aws.ToString(e.EventId),
		EventName:   aws.ToString(e.EventName),
		EventTime:   aws.ToTime(e.EventTime).UTC(),
		Region:      region,
		EventSource: aws.ToString(e.EventSource),
		UserName:    aws.ToString(e.Username),
		AccessKeyID: aws.ToString(e.AccessKeyId),
	}
	var ct cloudTrailEvent
	if json.Unmarshal([]byte(aws.ToString(e.CloudTrailEvent)), &ct) != nil {
		return ev
	}
	if ct.AWSRegion != "" {
		ev.Region = ct.AWSRegion
	}
	ev.UserIdentityType, ev.UserIdentityARN = ct.UserIdentity.Type, ct.UserIdentity.ARN
	if ct.UserIdentity.UserName != "" {
		ev.UserName = ct.UserIdentity.UserName
	}
	if ct.UserIdentity.AccessKeyID != "" {
		ev.AccessKeyID = ct.UserIdentity.AccessKeyID
	}
	ev.SourceIPAddress, ev.UserAgent = ct.SourceIPAddress, ct.UserAgent
	ev.ErrorCode, ev.ErrorMessage = ct.ErrorCode, ct.ErrorMessage
	if len(ct.RequestParameters) > 0 && string(ct.RequestParameters) != "null" {
		ev.RequestParameters = ct.RequestParameters
		ev.Trail = trailFromRequest(ct.RequestParameters)
	}
	return ev
}

// trailFromRequest returns the trail named by a request: name, trailName
// or (AddTags/RemoveTags) resourceId.
func trailFromRequest(params json.RawMessage) string {
	var p struct {
		Name       string `json:"name"`
		TrailName  string `json:"trailName"`
		ResourceID string `json:"resourceId"`
	}
	if json.Unmarshal(params, &p) != nil {
		return ""
	}
	for _, v := range []string{p.Name, p.TrailName, p.ResourceID} {
		if v != "" {
			return v
		}
	}
	return ""
}
