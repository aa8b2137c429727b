package remediate

import (
	"fmt"
	"regexp"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/report"
)

// The forms of the AWS values a plan writes into commands and Terraform.
// A finding (from a live check or a --from file) whose value does not have
// its form is refused: a plan never carries a value that claims to be a
// region, an account or an ARN and holds anything else. The forms admit
// every name AWS hands out, legacy ones included.
var (
	// accountForm is a 12-digit account id.
	accountForm = regexp.MustCompile(`^[0-9]{12}$`)
	// partitionForm is aws, aws-cn, aws-us-gov, aws-iso-b...
	partitionForm = regexp.MustCompile(`^aws(-[a-z]+)*$`)
	// regionForm is us-east-1, us-gov-west-1, cn-north-1, eusc-de-east-1...
	regionForm = regexp.MustCompile(`^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}$`)
	// arnForm is arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, its
	// resource made of the characters names of trails, buckets, keys,
	// aliases, topics, log groups and IAM roles (with paths) may hold.
	arnForm = regexp.MustCompile(`^` + arnPrefix + `:` + arnResource + `$`)
	// findingResourceForm is an ARN, or arn:PARTITION:::ACCOUNT, the
	// resource of an account-level finding.
	findingResourceForm = regexp.MustCompile(`^` + arnPrefix + `(:` + arnResource + `)?$`)
	// bucketForm is an S3 bucket name, legacy us-east-1 names (capitals,
	// underscores, up to 255 characters) included.
	bucketForm = regexp.MustCompile(`^[A-Za-z0-9._-]{1,255}$`)
	// eventIDForm is a CloudTrail event id (a UUID).
	eventIDForm = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)
)

// The parts of arnForm: everything up to the account, and the resource.
const (
	arnPrefix   = `arn:aws(-[a-z]+)*:[a-z0-9-]*:([a-z]{2,4}(-[a-z]+)+-[0-9]{1,2})?:([0-9]{12}|aws)?`
	arnResource = `[A-Za-z0-9_+=,.@:/*#-]+`
)

// form is a checked kind of value: its name in error messages and its form.
type form struct {
	name string
	re   *regexp.Regexp
}

var (
	account   = form{"account id", accountForm}
	partition = form{"partition", partitionForm}
	region    = form{"region", regionForm}
	arn       = form{"ARN", arnForm}
	resource  = form{"ARN", findingResourceForm}
	bucket    = form{"bucket name", bucketForm}
	eventID   = form{"event id", eventIDForm}
)

// evidenceForms are the evidence fields the templates write into commands
// or Terraform, and their forms (a list field: each element).
var evidenceForms = map[string]form{
	"bucket":                         bucket,
	"bucket_region":                  region,
	"trails":                         arn,
	"logging_multi_region_trails":    arn,
	"trail_arn":                      arn,
	"event_id":                       eventID,
	"kms_key_id":                     arn,
	"sns_topic_arn":                  arn,
	"cloud_watch_logs_log_group_arn": arn,
	"cloud_watch_logs_role_arn":      arn,
}

// evidenceLists are the evidence lists whose objects hold trail_arn.
var evidenceLists = []string{"multi_region_trails", "trails_with_include_global_service_events", "global_event_trails"}

// checkFindings checks every value of every finding that a plan may write
// into a command or a Terraform argument against its AWS form. Free text
// (reasons, event names, user names, errors) is not checked: it only
// reaches comments, which escape it.
func checkFindings(findings []report.Finding) error {
	for i, f := range findings {
		if err := checkFinding(f); err != nil {
			return fmt.Errorf("remediate: finding %d (%s on %q): %w; no plan is written from it", i+1, f.RuleID, f.Resource, err)
		}
	}
	return nil
}

// checkFinding checks one finding's values.
func checkFinding(f report.Finding) error {
	for _, c := range []struct {
		v string
		f form
	}{{f.AccountID, account}, {f.Partition, partition}, {f.Region, region}, {f.Resource, resource}} {
		if err := c.f.check(c.v); err != nil {
			return err
		}
	}
	ev := evidence(f)
	check := func(ev map[string]any) error {
		for key, fm := range evidenceForms {
			v, ok := ev[key]
			if !ok || v == nil {
				continue
			}
			values := []any{v}
			if l, isList := v.([]any); isList {
				values = l
			}
			for _, e := range values {
				s, isString := e.(string)
				if !isString {
					return fmt.Errorf("evidence %s holds %T, not a %s", key, e, fm.name)
				}
				if err := fm.check(s); err != nil {
					return fmt.Errorf("evidence %s: %w", key, err)
				}
			}
		}
		return nil
	}
	if err := check(ev); err != nil {
		return err
	}
	for _, key := range evidenceLists {
		for _, e := range evList(ev, key) {
			if err := check(e); err != nil {
				return fmt.Errorf("evidence %s: %w", key, err)
			}
		}
	}
	return nil
}

// check returns an error unless v is empty (not given) or has the form.
func (fm form) check(v string) error {
	if v == "" || fm.re.MatchString(v) {
		return nil
	}
	if len(v) > 100 {
		v = v[:100] + "..."
	}
	return fmt.Errorf("%s %q is not an AWS %s", fm.name, v, fm.name)
}
