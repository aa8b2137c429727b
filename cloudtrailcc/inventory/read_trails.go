package inventory

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	ctypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// listTagsBatch is the most trail ARNs one cloudtrail:ListTags call accepts.
const listTagsBatch = 20

// trailList is the DescribeTrails fact over a set of regions.
type trailList struct {
	Trails []*snapshot.Trail // distinct by ARN, sorted; templates, never modified
	Errs   map[string]*snapshot.ReadError
}

// fillTrails lists the trails seen from every evaluated region (shadow
// copies of multi-region and organization trails included), once each by
// ARN, and gives acct its own copies.
func (c *Collector) fillTrails(ctx context.Context, acct *snapshot.Account) error {
	regions := acct.Regions
	v, err := c.cache.get(ctx, "cloudtrail:DescribeTrails "+strings.Join(regions, ","), func(ctx context.Context) (any, error) {
		found := make([][]ctypes.Trail, len(regions))
		errs := make([]*snapshot.ReadError, len(regions))
		tasks := make([]func(context.Context) error, len(regions))
		for i, region := range regions {
			tasks[i] = func(ctx context.Context) error {
				out, err := c.cloudtrail(region).DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{IncludeShadowTrails: aws.Bool(true)})
				if err != nil {
					errs[i], err = failure(ctx, "cloudtrail:DescribeTrails", err)
					return err
				}
				found[i] = out.TrailList
				return nil
			}
		}
		if err := c.parallel(ctx, "trails", tasks); err != nil {
			return nil, err
		}
		list := trailList{Errs: map[string]*snapshot.ReadError{}}
		seen := map[string]bool{}
		for i := range regions {
			if errs[i] != nil {
				list.Errs[regions[i]] = errs[i]
			}
			for _, t := range found[i] {
				tr := trailFromAPI(t)
				if tr.ARN == "" || seen[tr.ARN] {
					continue
				}
				seen[tr.ARN] = true
				list.Trails = append(list.Trails, tr)
			}
		}
		slices.SortFunc(list.Trails, func(a, b *snapshot.Trail) int { return strings.Compare(a.ARN, b.ARN) })
		return list, nil
	})
	if err != nil {
		return err
	}
	list := v.(trailList)
	for _, t := range list.Trails {
		cp := *t
		acct.Trails = append(acct.Trails, &cp)
	}
	if len(list.Errs) > 0 {
		acct.TrailListErrors = maps.Clone(list.Errs)
	}
	return nil
}

// trailFromAPI converts a DescribeTrails entry.
func trailFromAPI(t ctypes.Trail) *snapshot.Trail {
	tr := &snapshot.Trail{
		ARN:                        aws.ToString(t.TrailARN),
		Name:                       aws.ToString(t.Name),
		HomeRegion:                 aws.ToString(t.HomeRegion),
		S3BucketName:               aws.ToString(t.S3BucketName),
		S3KeyPrefix:                aws.ToString(t.S3KeyPrefix),
		SnsTopicARN:                aws.ToString(t.SnsTopicARN),
		IncludeGlobalServiceEvents: aws.ToBool(t.IncludeGlobalServiceEvents),
		IsMultiRegionTrail:         aws.ToBool(t.IsMultiRegionTrail),
		IsOrganizationTrail:        aws.ToBool(t.IsOrganizationTrail),
		LogFileValidationEnabled:   aws.ToBool(t.LogFileValidationEnabled),
		CloudWatchLogsLogGroupARN:  aws.ToString(t.CloudWatchLogsLogGroupArn),
		CloudWatchLogsRoleARN:      aws.ToString(t.CloudWatchLogsRoleArn),
		KmsKeyID:                   aws.ToString(t.KmsKeyId),
		HasCustomEventSelectors:    aws.ToBool(t.HasCustomEventSelectors),
		HasInsightSelectors:        aws.ToBool(t.HasInsightSelectors),
	}
	region, account := arnRegionAccount(tr.ARN)
	tr.OwnerAccountID = account
	if tr.HomeRegion == "" {
		tr.HomeRegion = region
	}
	return tr
}

// fillTrailDetails reads, in parallel, each trail's status, event and
// insight selectors and tags (in its home region, by full ARN), and the
// distinct SNS topics and KMS keys the trails name.
func (c *Collector) fillTrailDetails(ctx context.Context, acct *snapshot.Account, need snapshot.Need) error {
	var tasks []func(context.Context) error
	for _, t := range acct.Trails {
		if need.Has(snapshot.NeedTrailStatus) {
			tasks = append(tasks, func(ctx context.Context) error {
				r, err := readFact(c, ctx, "cloudtrail:GetTrailStatus", t.ARN, func(ctx context.Context) (*snapshot.TrailStatus, error) {
					return c.trailStatus(ctx, t)
				})
				t.Status, t.StatusErr = r.V, r.Err
				return err
			})
		}
		if need.Has(snapshot.NeedEventSelectors) {
			tasks = append(tasks, func(ctx context.Context) error {
				r, err := readFact(c, ctx, "cloudtrail:GetEventSelectors", t.ARN, func(ctx context.Context) (*snapshot.EventSelectors, error) {
					return c.eventSelectors(ctx, t)
				})
				t.Selectors, t.SelectorsErr = r.V, r.Err
				return err
			})
		}
		if need.Has(snapshot.NeedInsightSelectors) && t.HasInsightSelectors {
			tasks = append(tasks, func(ctx context.Context) error {
				r, err := readFact(c, ctx, "cloudtrail:GetInsightSelectors", t.ARN, func(ctx context.Context) ([]string, error) {
					return c.insightTypes(ctx, t)
				})
				t.InsightTypes, t.InsightErr = slices.Clone(r.V), r.Err
				return err
			})
		}
	}
	if need.Has(snapshot.NeedTrailTags) {
		for _, batch := range tagBatches(acct.Trails) {
			tasks = append(tasks, func(ctx context.Context) error {
				return c.fillTags(ctx, batch)
			})
		}
	}
	var mu sync.Mutex
	if need.Has(snapshot.NeedTopics) {
		acct.Topics = map[string]*snapshot.Topic{}
		for arn, home := range distinct(acct.Trails, func(t *snapshot.Trail) string { return c.readHere(acct, t.SnsTopicARN) }) {
			tasks = append(tasks, func(ctx context.Context) error {
				topic, err := c.topic(ctx, arn, home)
				mu.Lock()
				acct.Topics[arn] = topic
				mu.Unlock()
				return err
			})
		}
	}
	if need.Has(snapshot.NeedKeys) {
		acct.Keys = map[string]*snapshot.Key{}
		for id, home := range distinct(acct.Trails, func(t *snapshot.Trail) string { return c.readHere(acct, t.KmsKeyID) }) {
			tasks = append(tasks, func(ctx context.Context) error {
				key, err := c.key(ctx, id, home)
				mu.Lock()
				acct.Keys[id] = key
				mu.Unlock()
				return err
			})
		}
	}
	return c.parallel(ctx, "trail details", tasks)
}

// distinct maps each non-empty value of field over trails to the home
// region of the first trail naming it.
func distinct(trails []*snapshot.Trail, field func(*snapshot.Trail) string) map[string]string {
	out := map[string]string{}
	for _, t := range trails {
		if v := field(t); v != "" {
			if _, ok := out[v]; !ok {
				out[v] = t.HomeRegion
			}
		}
	}
	return out
}

func (c *Collector) trailStatus(ctx context.Context, t *snapshot.Trail) (*snapshot.TrailStatus, error) {
	out, err := c.cloudtrail(t.HomeRegion).GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String(t.ARN)})
	if err != nil {
		return nil, err
	}
	return &snapshot.TrailStatus{
		IsLogging:                         aws.ToBool(out.IsLogging),
		LatestDeliveryTime:                out.LatestDeliveryTime,
		LatestDeliveryError:               aws.ToString(out.LatestDeliveryError),
		LatestNotificationTime:            out.LatestNotificationTime,
		LatestNotificationError:           aws.ToString(out.LatestNotificationError),
		LatestCloudWatchLogsDeliveryTime:  out.LatestCloudWatchLogsDeliveryTime,
		LatestCloudWatchLogsDeliveryError: aws.ToString(out.LatestCloudWatchLogsDeliveryError),
		LatestDigestDeliveryTime:          out.LatestDigestDeliveryTime,
		LatestDigestDeliveryError:         aws.ToString(out.LatestDigestDeliveryError),
		StartLoggingTime:                  out.StartLoggingTime,
		StopLoggingTime:                   out.StopLoggingTime,
	}, nil
}

func (c *Collector) eventSelectors(ctx context.Context, t *snapshot.Trail) (*snapshot.EventSelectors, error) {
	out, err := c.cloudtrail(t.HomeRegion).GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: aws.String(t.ARN)})
	if err != nil {
		return nil, err
	}
	sel := &snapshot.EventSelectors{}
	for _, s := range out.EventSelectors {
		cs := snapshot.ClassicSelector{
			ReadWriteType:                 string(s.ReadWriteType),
			IncludeManagementEvents:       aws.ToBool(s.IncludeManagementEvents),
			DataResources:                 []snapshot.DataResource{},
			ExcludeManagementEventSources: nonNil(s.ExcludeManagementEventSources),
		}
		for _, d := range s.DataResources {
			cs.DataResources = append(cs.DataResources, snapshot.DataResource{Type: aws.ToString(d.Type), Values: nonNil(d.Values)})
		}
		sel.Classic = append(sel.Classic, cs)
	}
	for _, s := range out.AdvancedEventSelectors {
		as := snapshot.AdvancedSelector{Name: aws.ToString(s.Name), FieldSelectors: []snapshot.FieldSelector{}}
		for _, f := range s.FieldSelectors {
			as.FieldSelectors = append(as.FieldSelectors, snapshot.FieldSelector{
				Field: aws.ToString(f.Field), Equals: f.Equals, NotEquals: f.NotEquals,
				StartsWith: f.StartsWith, NotStartsWith: f.NotStartsWith,
				EndsWith: f.EndsWith, NotEndsWith: f.NotEndsWith,
			})
		}
		sel.Advanced = append(sel.Advanced, as)
	}
	raw := map[string]any{"TrailARN": aws.ToString(out.TrailARN)}
	if out.EventSelectors != nil {
		raw["EventSelectors"] = sel.Classic
	}
	if out.AdvancedEventSelectors != nil {
		raw["AdvancedEventSelectors"] = sel.Advanced
	}
	sel.Raw, _ = json.Marshal(raw)
	return sel, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (c *Collector) insightTypes(ctx context.Context, t *snapshot.Trail) ([]string, error) {
	out, err := c.cloudtrail(t.HomeRegion).GetInsightSelectors(ctx, &cloudtrail.GetInsightSelectorsInput{TrailName: aws.String(t.ARN)})
	if err != nil {
		if code, _ := errorCode(err); snapshot.BaseCode(code) == "InsightNotEnabled" {
			return []string{}, nil
		}
		return nil, err
	}
	types := []string{}
	for _, s := range out.InsightSelectors {
		types = append(types, string(s.InsightType))
	}
	return types, nil
}

// tagBatches groups trails by home region and owner account (another
// account's trail must not fail a batch of ours), at most listTagsBatch each.
func tagBatches(trails []*snapshot.Trail) [][]*snapshot.Trail {
	groups := map[string][]*snapshot.Trail{}
	for _, t := range trails {
		k := t.HomeRegion + "|" + t.OwnerAccountID
		groups[k] = append(groups[k], t)
	}
	var out [][]*snapshot.Trail
	for _, k := range slices.Sorted(maps.Keys(groups)) {
		for chunk := range slices.Chunk(groups[k], listTagsBatch) {
			out = append(out, chunk)
		}
	}
	return out
}

// fillTags reads the tags of one batch of trails sharing a home region.
func (c *Collector) fillTags(ctx context.Context, batch []*snapshot.Trail) error {
	arns := make([]string, len(batch))
	for i, t := range batch {
		arns[i] = t.ARN
	}
	region := batch[0].HomeRegion
	r, err := readFact(c, ctx, "cloudtrail:ListTags", region+" "+strings.Join(arns, ","), func(ctx context.Context) (map[string]map[string]string, error) {
		tags := map[string]map[string]string{}
		in := &cloudtrail.ListTagsInput{ResourceIdList: arns}
		for {
			out, err := c.cloudtrail(region).ListTags(ctx, in)
			if err != nil {
				return nil, err
			}
			for _, rt := range out.ResourceTagList {
				m := map[string]string{}
				for _, tag := range rt.TagsList {
					m[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
				}
				tags[aws.ToString(rt.ResourceId)] = m
			}
			if aws.ToString(out.NextToken) == "" {
				return tags, nil
			}
			in.NextToken = out.NextToken
		}
	})
	for _, t := range batch {
		if r.Err != nil {
			t.TagsErr = r.Err
			continue
		}
		// The caller owns its snapshot: maps are copied out of the cache.
		t.Tags = maps.Clone(r.V[t.ARN])
		if t.Tags == nil {
			t.Tags = map[string]string{}
		}
	}
	return err
}

// topic reads one SNS topic in its own region (from the ARN).
func (c *Collector) topic(ctx context.Context, topicARN, home string) (*snapshot.Topic, error) {
	region, account := arnRegionAccount(topicARN)
	if region == "" {
		region = home
	}
	r, err := readFact(c, ctx, "sns:GetTopicAttributes", topicARN, func(ctx context.Context) (bool, error) {
		_, err := c.sns(region).GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(topicARN)})
		return err == nil, err
	})
	return &snapshot.Topic{ARN: topicARN, Region: region, AccountID: account, Exists: r.V, Err: r.Err}, err
}

// keyState is DescribeKey's answer.
type keyState struct {
	State   string
	Enabled bool
}

// key reads one KMS key in its own region (from the ARN).
func (c *Collector) key(ctx context.Context, id, home string) (*snapshot.Key, error) {
	region, account := arnRegionAccount(id)
	if region == "" {
		region = home
	}
	r, err := readFact(c, ctx, "kms:DescribeKey", id, func(ctx context.Context) (keyState, error) {
		out, err := c.kms(region).DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)})
		if err != nil {
			return keyState{}, err
		}
		if out.KeyMetadata == nil {
			return keyState{}, nil
		}
		return keyState{State: string(out.KeyMetadata.KeyState), Enabled: out.KeyMetadata.Enabled}, nil
	})
	return &snapshot.Key{ID: id, Region: region, AccountID: account, State: r.V.State, Enabled: r.V.Enabled, Err: r.Err}, err
}
