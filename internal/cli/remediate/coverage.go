package remediate

import (
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/report"
)

// The account-level coverage rules (multi_region, global_services,
// duplicate_global_events) agree on one trail: the account's logging,
// multi-region trail that receives the global service events.

// globalChoice is that trail and what the plan must do to make it so.
type globalChoice struct {
	t *trailFacts
	// convert: the trail is regional and is made multi-region.
	convert bool
	// create: the account has no trail; the plan creates one.
	create bool
}

// globalRegion is where a partition delivers global service events.
func globalRegion(partition string) string {
	switch partition {
	case "aws-cn":
		return "cn-north-1"
	case "aws-us-gov":
		return "us-gov-west-1"
	}
	return "us-east-1"
}

// chooseGlobal picks the trail: an own multi-region trail (a logging one
// first), else an own trail to make multi-region (one of the global region
// receiving global events first), else a new trail.
func (a *accountFacts) chooseGlobal() *globalChoice {
	if a.global != nil {
		return a.global
	}
	trails := a.sortedTrails()
	var pick *trailFacts
	for _, t := range trails {
		if is(t.MultiRegion) && (pick == nil || is(t.Logging) && !is(pick.Logging)) {
			pick = t
		}
	}
	c := &globalChoice{t: pick}
	if pick == nil && len(trails) > 0 {
		pick = trails[0]
		for _, t := range trails {
			if t.Region == globalRegion(a.partition) && is(t.Global) {
				pick = t
				break
			}
		}
		c = &globalChoice{t: pick, convert: true}
	}
	if pick == nil {
		region := globalRegion(a.partition)
		t := a.trail(a.arn("cloudtrail", region, "trail/"+newTrailName))
		t.New, t.Bucket, t.BucketRegion = true, "cloudtrail-logs-"+a.id, region
		c = &globalChoice{t: t, create: true}
	}
	a.global = c
	return c
}

// planGlobalTrail (multi_region, global_services) makes the chosen trail
// multi-region, receiving global events, and logging.
func planGlobalTrail(a *accountFacts, f report.Finding) {
	c := a.chooseGlobal()
	t := c.t
	switch {
	case c.create:
		a.createTrail(t, f)
	case c.convert:
		a.updateTrail(t, "multi-region", 0, &Step{
			Title: "make trail " + t.Name + " multi-region with global service events",
			Changes: "trail " + t.Name + " records the events of every enabled region (and of regions enabled later) and the IAM, STS and " +
				"CloudFront events, instead of only " + t.Region + ".",
			Cost: costManagement,
		}, switches("--is-multi-region-trail", "--include-global-service-events"),
			[]TFAttr{boolean("is_multi_region_trail", true), boolean("include_global_service_events", true)}, f)
	case t.Global != nil && !*t.Global:
		a.updateTrail(t, "global", 0, &Step{
			Title:   "record global service events on trail " + t.Name,
			Changes: "trail " + t.Name + " also records IAM, STS and CloudFront events.",
			Cost:    costManagement,
		}, switches("--include-global-service-events"), []TFAttr{boolean("include_global_service_events", true)}, f)
	}
	if !is(t.Logging) {
		a.startLogging(t, f)
	}
}

// createTrail plans a new multi-region trail and its bucket.
func (a *accountFacts) createTrail(t *trailFacts, f report.Finding) {
	a.newBucketStep("trail-bucket:"+t.Bucket, t.Bucket, t.BucketRegion, "create bucket "+t.Bucket+" for the new trail "+t.Name,
		"a new private bucket that only CloudTrail, for trail "+t.ARN+", may write to.",
		"S3 storage of the log files ($0.023 per GB-month, S3 Standard).", a.trailBucketPolicy(t.Bucket, []string{t.ARN}), f)
	bucketRef := "aws_s3_bucket." + tfName(t.Bucket) + ".id"
	a.add(&Step{Key: "create-trail:" + t.ARN, Phase: PhaseTrails, Region: t.Region, Resource: t.ARN,
		Title:   "create multi-region trail " + t.Name,
		Changes: "a new trail recording the management events of every region and the global service events, with log file validation, into " + t.Bucket + ".",
		Cost:    costManagement,
		Exists:  ptr(cmd("cloudtrail", "get-trail", t.Region, "--name", t.Name)),
		Create: []Command{{Service: "cloudtrail", Operation: "create-trail", Region: t.Region, Args: append([]Arg{
			{Flag: "--name", Value: t.Name}, {Flag: "--s3-bucket-name", Value: t.Bucket}},
			switches("--is-multi-region-trail", "--include-global-service-events", "--enable-log-file-validation")...)}},
		Terraform: []*TFBlock{trailBlock(t, []TFAttr{ref("s3_bucket_name", bucketRef), boolean("is_multi_region_trail", true),
			boolean("include_global_service_events", true), boolean("enable_log_file_validation", true)})},
	}, f)
}

// planDuplicateGlobalEvents keeps one trail receiving global events and
// stops the others recording them.
func planDuplicateGlobalEvents(a *accountFacts, f report.Finding) {
	receivers := evList(evidence(f), "global_event_trails")
	keep := ""
	if a.fixesGlobalTrail() {
		keep = a.chooseGlobal().t.ARN
	} else {
		best := -1
		for _, r := range receivers {
			t := a.trail(evString(r, "trail_arn"))
			score := 0
			if a.own(t) {
				score += 4
			}
			if is(t.Logging) {
				score += 2
			}
			if is(t.MultiRegion) {
				score++
			}
			if score > best {
				keep, best = t.ARN, score
			}
		}
	}
	for _, r := range receivers {
		t := a.trail(evString(r, "trail_arn"))
		switch {
		case t.ARN == keep:
		case !a.own(t):
			a.add(&Step{Key: "review-global:" + t.ARN, Phase: PhaseManual, Region: t.Region, Resource: t.ARN,
				Title:         "ask account " + t.Account + " about trail " + t.Name,
				Changes:       "nothing here: the trail belongs to account " + t.Account + " (an organization trail); it or trail " + keep + " must stop recording global service events.",
				Cost:          costNone,
				Commands:      []Command{cmd("cloudtrail", "get-trail", t.Region, "--name", t.ARN)},
				TerraformNote: "another account's trail is changed in that account's configuration",
			}, f)
		case is(t.MultiRegion):
			a.updateTrail(t, "no-global", 5, &Step{
				Title: "stop multi-region trail " + t.Name + " recording global service events",
				Changes: "trail " + t.Name + " becomes a regional trail of " + t.Region + " without global service events (a multi-region trail " +
					"must record them); trail " + keep + " keeps recording them and every region.",
				Cost: "saves the second copy of the management events it recorded.",
			}, switches("--no-is-multi-region-trail", "--no-include-global-service-events"),
				[]TFAttr{boolean("is_multi_region_trail", false), boolean("include_global_service_events", false)}, f)
		default:
			a.updateTrail(t, "no-global", 5, &Step{
				Title:   "stop trail " + t.Name + " recording global service events",
				Changes: "trail " + t.Name + " keeps recording the events of " + t.Region + " but no longer the IAM, STS and CloudFront events; trail " + keep + " records them.",
				Cost:    "saves the second copy of the global service events.",
			}, switches("--no-include-global-service-events"), []TFAttr{boolean("include_global_service_events", false)}, f)
		}
	}
}

// fixesGlobalTrail reports whether the plan fixes multi_region or
// global_services in the account (and so decides which trail keeps the
// global events).
func (a *accountFacts) fixesGlobalTrail() bool {
	for _, f := range a.b.findings {
		if f.AccountID == a.id && f.Status == rules.StatusAlarm && (f.RuleID == "multi_region" || f.RuleID == "global_services") {
			return true
		}
	}
	return false
}
