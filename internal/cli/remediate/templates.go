package remediate

import (
	"strings"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/report"
)

// template plans the fix of one alarm of its rule from the finding's
// evidence and what the account's other findings tell.
type template func(a *accountFacts, f report.Finding)

// templates holds one step template per rule of the catalogue.
var templates = map[string]template{
	"bucket_access_logging":   planBucketAccessLogging,
	"bucket_mfa_delete":       planBucketMFADelete,
	"bucket_not_public":       planBucketNotPublic,
	"config_changes":          planConfigChange,
	"multi_region":            planGlobalTrail,
	"global_services":         planGlobalTrail,
	"cloudwatch_integration":  planCloudWatch,
	"log_file_validation":     planLogFileValidation,
	"kms_encryption":          planKMSEncryption,
	"data_events":             planSelectors,
	"delivery_failing":        planDeliveryFailing,
	"duplicate_global_events": planDuplicateGlobalEvents,
	"management_events":       planSelectors,
	"sns_topic_exists":        planSNSTopic,
}

// bucketOf is the bucket a bucket finding is about and its region.
func bucketOf(f report.Finding) (name, region string) {
	ev := evidence(f)
	name, region = evString(ev, "bucket"), evString(ev, "bucket_region")
	if name == "" {
		name = f.Resource[strings.LastIndex(f.Resource, ":")+1:]
	}
	if region == "" {
		region = f.Region
	}
	return name, region
}

func planBucketAccessLogging(a *accountFacts, f report.Finding) {
	name, region := bucketOf(f)
	target := a.logBucket(region, f)
	status := `{"LoggingEnabled":{"TargetBucket":"` + target + `","TargetPrefix":"` + name + `/"}}`
	a.add(&Step{Key: "bucket-logging:" + name, Phase: PhaseBuckets, Rank: 4, Region: region, Resource: f.Resource,
		Title:     "enable server access logging on bucket " + name,
		Changes:   "S3 records every request made to bucket " + name + " (who read or changed the log files) as objects under " + target + "/" + name + "/.",
		Cost:      "no charge for logging itself; the log objects are billed as storage of " + target + " (see the step creating it).",
		Commands:  []Command{cmd("s3api", "put-bucket-logging", region, "--bucket", name, "--bucket-logging-status", status)},
		Terraform: []*TFBlock{{Type: "aws_s3_bucket_logging", Name: tfName(name), Region: region, Attrs: []TFAttr{str("bucket", name), ref("target_bucket", "aws_s3_bucket."+tfName(target)+".id"), str("target_prefix", name+"/")}}},
	}, f)
}

func planBucketMFADelete(a *accountFacts, f report.Finding) {
	name, region := bucketOf(f)
	versioning := func() *TFBlock {
		return &TFBlock{Type: "aws_s3_bucket_versioning", Name: tfName(name), Region: region, Attrs: []TFAttr{str("bucket", name)}}
	}
	if evString(evidence(f), "versioning_status") != "Enabled" {
		v := versioning()
		v.Blocks = []*TFNested{{Type: "versioning_configuration", Attrs: []TFAttr{str("status", "Enabled")}}}
		a.add(&Step{Key: "bucket-versioning:" + name, Phase: PhaseBuckets, Rank: 3, Region: region, Resource: f.Resource,
			Title:     "enable versioning on bucket " + name,
			Changes:   "S3 keeps every version of each object of " + name + ": an overwritten or deleted log file can be recovered. MFA Delete needs it.",
			Cost:      costVersioning,
			Commands:  []Command{cmd("s3api", "put-bucket-versioning", region, "--bucket", name, "--versioning-configuration", "Status=Enabled")},
			Terraform: []*TFBlock{v},
		}, f)
	}
	mfa := "arn:" + a.partition + ":iam::" + a.id + ":mfa/root-account-mfa-device CODE"
	v := versioning()
	v.Attrs = append(v.Attrs, str("mfa", mfa))
	v.Blocks = []*TFNested{{Type: "versioning_configuration", Attrs: []TFAttr{str("status", "Enabled"), str("mfa_delete", "Enabled")}}}
	a.add(&Step{Key: "bucket-mfa-delete:" + name, Phase: PhaseManual, Region: region, Resource: f.Resource,
		Title:   "enable MFA Delete on bucket " + name,
		Changes: "deleting an object version of " + name + " or changing its versioning then needs the root user's MFA code.",
		Cost:    costNone,
		Notes: []string{"Only the root user, signed in with its MFA device, can do this, and only with the CLI or API (not the console): " +
			"run it with the root user's credentials, with the device's ARN and current code in --mfa."},
		Commands:  []Command{cmd("s3api", "put-bucket-versioning", region, "--bucket", name, "--versioning-configuration", "Status=Enabled,MFADelete=Enabled", "--mfa", mfa)},
		Terraform: []*TFBlock{v},
	}, f)
}

func planBucketNotPublic(a *accountFacts, f report.Finding) {
	name, region := bucketOf(f)
	ev := evidence(f)
	if grants := evList(ev, "public_acl_grants"); len(grants) > 0 {
		var list []string
		for _, g := range grants {
			list = append(list, evString(g, "permission")+" to "+evString(g, "grantee"))
		}
		a.add(&Step{Key: "bucket-acl:" + name, Phase: PhaseBuckets, Rank: 1, Region: region, Resource: f.Resource,
			Title:     "make the ACL of bucket " + name + " private",
			Changes:   "the bucket ACL keeps only the owner's full control; the public grants (" + strings.Join(list, ", ") + ") are removed. Anyone reading the bucket anonymously loses access.",
			Cost:      costNone,
			Commands:  []Command{cmd("s3api", "put-bucket-acl", region, "--bucket", name, "--acl", "private")},
			Terraform: []*TFBlock{{Type: "aws_s3_bucket_acl", Name: tfName(name), Region: region, Attrs: []TFAttr{str("bucket", name), str("acl", "private")}}},
		}, f)
	}
	s := &Step{Key: "bucket-public-access-block:" + name, Phase: PhaseBuckets, Rank: 2, Region: region, Resource: f.Resource,
		Title:   "block public access to bucket " + name,
		Changes: "S3 ignores public ACLs of " + name + " and refuses new ones, and a public bucket policy only admits AWS services and the account's own principals.",
		Cost:    costNone,
		Notes: []string{"To block public access to every bucket of account " + a.id + " instead: aws s3control put-public-access-block --account-id " + a.id +
			" --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true " +
			"(Terraform: aws_s3_account_public_access_block); check first that no bucket of the account must stay public."},
		Commands:  []Command{blockPublicAccess(name, region)},
		Terraform: []*TFBlock{pabBlock(name, region, "")},
	}
	if is(evBool(ev, "policy_is_public")) {
		s.Notes = append(s.Notes, "The bucket policy of "+name+" is public: review it too (aws s3api get-bucket-policy --bucket "+name+").")
	}
	a.add(s, f)
}

func planConfigChange(a *accountFacts, f report.Finding) {
	ev := evidence(f)
	id, event, who := evString(ev, "event_id"), evString(ev, "event_name"), evString(ev, "user_identity_arn")
	a.add(&Step{Key: "review-event:" + f.Region + ":" + id, Phase: PhaseManual, Region: f.Region, Resource: f.Resource,
		Title: "review " + event + " by " + who + " at " + evString(ev, "event_time"),
		Changes: "nothing: a configuration change is an event to review, not a setting. If it was not expected, undo it and find out how " +
			who + " could make it. The alarm clears once the event is older than the config_change_lookback window.",
		Cost:          costNone,
		Commands:      []Command{cmd("cloudtrail", "lookup-events", f.Region, "--lookup-attributes", "AttributeKey=EventId,AttributeValue="+id)},
		TerraformNote: "reviewing an event has no Terraform equivalent",
	}, f)
}

func planLogFileValidation(a *accountFacts, f report.Finding) {
	t := a.trail(f.Resource)
	a.updateTrail(t, "validation", 1, &Step{
		Title:   "enable log file integrity validation on trail " + t.Name,
		Changes: "CloudTrail writes an hourly signed digest file, so that a changed or deleted log file can be detected (aws cloudtrail validate-logs).",
		Cost:    "digest files, one per hour per region: negligible S3 storage.",
	}, switches("--enable-log-file-validation"), []TFAttr{boolean("enable_log_file_validation", true)}, f)
}

func planKMSEncryption(a *accountFacts, f report.Finding) {
	t := a.trail(f.Resource)
	ev := evidence(f)
	if key := evString(ev, "kms_key_id"); key != "" {
		planKeyState(a, f, key, evString(ev, "key_state"))
		return
	}
	region := t.keyRegion()
	shellVar, tfRef := a.kmsKey(region, f)
	s := &Step{
		Title:   "encrypt the log files of trail " + t.Name + " with KMS key " + kmsAlias + " (" + region + ")",
		Changes: "new log files of " + t.Name + " are encrypted with SSE-KMS; whoever reads them (people, a SIEM, Athena) also needs kms:Decrypt on the key.",
		Cost:    "the key's monthly charge and its requests (see the step creating it).",
	}
	if region != t.Region {
		s.Notes = []string{"The key is in " + region + ", the region of the trail's bucket " + t.Bucket + ", as CloudTrail requires."}
	}
	a.updateTrail(t, "kms", 2, s, []Arg{{Flag: "--kms-key-id", Value: shellVar, Var: true}}, []TFAttr{ref("kms_key_id", tfRef)}, f)
}

// planKeyState plans the fix of a trail's key that is disabled or pending deletion.
func planKeyState(a *accountFacts, f report.Finding, key, state string) {
	region := strings.SplitN(key, ":", 6)[3]
	s := &Step{Key: "kms-key-state:" + key, Phase: PhaseCreate, Rank: 1, Region: region, Resource: key,
		Title:    "enable KMS key " + key,
		Changes:  "the key is usable again, so CloudTrail can encrypt and deliver log files (it is " + state + " now).",
		Cost:     "$1.00 per month for the key while it exists.",
		Commands: []Command{cmd("kms", "enable-key", region, "--key-id", key)},
		Terraform: []*TFBlock{{Type: "aws_kms_key", Name: tfName("key_" + key[strings.LastIndex(key, "/")+1:]), Region: region,
			Import: key[strings.LastIndex(key, "/")+1:], Attrs: []TFAttr{boolean("is_enabled", true)}}},
	}
	if state == "PendingDeletion" {
		s.Commands = append([]Command{cmd("kms", "cancel-key-deletion", region, "--key-id", key)}, s.Commands...)
		s.Notes = []string{"Cancelling a deletion has no Terraform equivalent: run cancel-key-deletion first."}
	}
	a.add(s, f)
}

func planSelectors(a *accountFacts, f report.Finding) { a.selectors(a.trail(f.Resource), f) }

func planSNSTopic(a *accountFacts, f report.Finding) {
	if arn := evString(evidence(f), "sns_topic_arn"); arn != "" {
		a.topic(arn, f)
	}
}

func planCloudWatch(a *accountFacts, f report.Finding) {
	t := a.trail(f.Resource)
	ev := evidence(f)
	group := evString(ev, "cloud_watch_logs_log_group_arn")
	switch {
	case group == "":
		groupARN, groupRef := a.logGroup(t, f)
		role := a.cloudWatchRoleStep(f)
		a.updateTrail(t, "cloudwatch", 3, &Step{
			Title:   "send the events of trail " + t.Name + " to CloudWatch Logs",
			Changes: "CloudTrail also delivers every event of " + t.Name + " to log group " + groupARN + ", through role " + role + ", for metric filters and alarms.",
			Cost:    "CloudWatch Logs ingestion and storage of the trail's events (see the step creating the log group); no CloudTrail charge.",
		}, []Arg{{Flag: "--cloud-watch-logs-log-group-arn", Value: groupARN}, {Flag: "--cloud-watch-logs-role-arn", Value: role}},
			[]TFAttr{{Name: "cloud_watch_logs_group_arn", Expr: `"${` + groupRef + `}:*"`},
				ref("cloud_watch_logs_role_arn", "aws_iam_role."+tfName(cloudWatchRole)+".arn")}, f)
		if t.Logging != nil && !*t.Logging {
			a.startLogging(t, f)
		}
	case ev["is_logging"] == false:
		a.startLogging(t, f)
	default:
		role := evString(ev, "cloud_watch_logs_role_arn")
		a.add(&Step{Key: "review-cloudwatch:" + t.ARN, Phase: PhaseManual, Region: t.Region, Resource: t.ARN,
			Title: "find why trail " + t.Name + " does not deliver to CloudWatch Logs",
			Changes: "nothing until you find the cause: role " + role + " must trust cloudtrail.amazonaws.com and allow logs:CreateLogStream and " +
				"logs:PutLogEvents on " + group + " (last error: " + orNone(evString(ev, "latest_cloud_watch_logs_delivery_error")) +
				", last delivery: " + orNone(evString(ev, "latest_cloud_watch_logs_delivery_time")) + ").",
			Cost:          costNone,
			Commands:      []Command{cmd("cloudtrail", "get-trail-status", t.Region, "--name", t.ARN)},
			TerraformNote: "finding a delivery failure's cause has no Terraform equivalent",
		}, f)
	}
}

func planDeliveryFailing(a *accountFacts, f report.Finding) {
	t := a.trail(f.Resource)
	ev := evidence(f)
	planned := false
	if ev["is_logging"] == false {
		a.startLogging(t, f)
		planned = true
	}
	s3err := evString(ev, "latest_delivery_error") + evString(ev, "latest_digest_delivery_error")
	switch {
	case s3err == "":
	case strings.Contains(strings.ToLower(s3err), "kms"):
	case t.Bucket != "" && strings.Contains(s3err, "NoSuchBucket"):
		a.newBucketStep("trail-bucket:"+t.Bucket, t.Bucket, t.keyRegion(), "create the missing trail bucket "+t.Bucket,
			"a new private bucket "+t.Bucket+" that CloudTrail may deliver the log files of "+t.Name+" to.",
			"S3 storage of the log files ($0.023 per GB-month, S3 Standard).", a.trailBucketPolicy(t.Bucket, a.buckets[t.Bucket]), f)
		planned = true
	case t.Bucket != "":
		a.bucketPolicy(t.Bucket, t.BucketRegion, a.buckets[t.Bucket], f)
		planned = true
	}
	if evString(ev, "latest_notification_error") != "" && t.Topic != "" {
		a.topic(t.Topic, f)
		planned = true
	}
	if !planned || strings.Contains(strings.ToLower(s3err), "kms") {
		a.add(&Step{Key: "review-delivery:" + t.ARN, Phase: PhaseManual, Region: t.Region, Resource: t.ARN,
			Title: "find why trail " + t.Name + " fails to deliver",
			Changes: "nothing until you find the cause: " + f.Reason + ". A KMS error means the key policy must let cloudtrail.amazonaws.com " +
				"call kms:GenerateDataKey*; an S3 error that the bucket policy must let it write.",
			Cost:          costNone,
			Commands:      []Command{cmd("cloudtrail", "get-trail-status", t.Region, "--name", t.ARN)},
			TerraformNote: "finding a delivery failure's cause has no Terraform equivalent",
		}, f)
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
